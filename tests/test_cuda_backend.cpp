// The CUDA backend as a whole: its registration, a full training step of the Difference
// Model against the CPU backend (through the CPU executor on every build, on the GPU
// when there is one, there also with cuDNN's convolution), determinism, and the caching
// allocator. The op-by-op checks of its kernels are the ordinary op tests, which loop
// over every registered backend.
#include <cstdio>
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/optim/optimizer.h"
#include "kernels/cuda/api.h"
#include "kernels/reference/conv.h"
#include "kernels/reference/maxpool.h"
#include "models/difference.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

namespace {

struct StepResult {
  float loss = 0;
  std::vector<std::vector<float>> grads, weights;  // per parameter, after the step
};

// The CUDA backends of this build (the executor's and the GPU's).
std::vector<Device> cuda_devices() {
  std::vector<Device> d;
  for (Device x : {Device::CudaOnCpu, Device::CUDA})
    if (has_backend(x)) d.push_back(x);
  return d;
}

// A buffer on a backend's device, filled from and read back to the host.
class DeviceBuffer {
 public:
  DeviceBuffer(Backend& b, const std::vector<float>& v) : b_(b), n_(int64_t(v.size())) {
    p_ = b_.alloc(n_ > 0 ? n_ : 1);
    b_.from_host(p_, v.data(), n_);
  }
  ~DeviceBuffer() { b_.release(p_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  float* get() { return p_; }
  std::vector<float> host() const {
    std::vector<float> v(static_cast<size_t>(n_));
    b_.to_host(v.data(), p_, n_);
    return v;
  }

 private:
  Backend& b_;
  int64_t n_;
  float* p_;
};

std::vector<double> widen(const std::vector<float>& v) { return {v.begin(), v.end()}; }

ConvGeom conv_geom(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
                   int64_t ph, int64_t pw) {
  ConvGeom g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.K = K, g.R = R, g.S = S, g.pad_h = ph, g.pad_w = pw;
  return g;
}

// Adam steps of the Difference CNN (dropout on) on fixed random images and targets,
// built from the same seed whatever the device.
StepResult train_step(Device d, Dims dims = Dims::Two, int steps = 1) {
  auto cnn = make_difference_cnn(dims);
  Rng rng(7);
  const Shape in = difference_input_shape(dims, dims == Dims::Two ? 32 : 64);
  cnn->build(in, rng, d);
  Adam opt(cnn->parameters());
  StepResult r;
  Shape batch{8};
  batch.insert(batch.end(), in.begin(), in.end());
  for (int step = 0; step < steps; ++step) {
    Tensor x = random_tensor(batch, 500 + step, d, false, 0.0f, 1.0f);
    Tensor target = random_tensor({8, 2}, 600 + step, d, false);
    Context ctx{true, 41, 1000 + uint64_t(step) * 10};
    opt.zero_grad();
    Tensor loss = mse(cnn->forward(x, ctx), target);
    loss.backward();
    opt.step();
    r.loss = loss.item();
  }
  for (NamedTensor& p : cnn->parameters()) {
    r.grads.push_back(p.tensor.grad().to_vector());
    r.weights.push_back(p.tensor.to_vector());
  }
  return r;
}

// |got - want| <= rtol·|want| + atol, elementwise, over every parameter.
void check_step_close(const StepResult& got, const StepResult& want, double rtol,
                      const std::string& what) {
  CHECK_MESSAGE(std::fabs(got.loss - want.loss) <= rtol * std::fabs(want.loss),
                what << ": loss " << got.loss << " vs " << want.loss);
  REQUIRE(got.weights.size() == want.weights.size());
  for (size_t p = 0; p < want.weights.size(); ++p) {
    INFO(what << ", parameter " << p);
    // Gradients: relative to the largest of the tensor (sums of many products cancel).
    double scale = 1e-6;
    for (float g : want.grads[p]) scale = std::max(scale, double(std::fabs(g)));
    check_close(got.grads[p], std::vector<double>(want.grads[p].begin(), want.grads[p].end()),
                0.0, 1e-3 * scale, "gradient");
    check_close(got.weights[p],
                std::vector<double>(want.weights[p].begin(), want.weights[p].end()), rtol,
                1e-6, "weight after the step");
  }
}

}  // namespace

TEST_CASE("cuda backend: CudaOnCpu is registered in this build, with its name and device") {
#if defined(STEREOGRAD_CUDA_ON_CPU)
  REQUIRE(has_backend(Device::CudaOnCpu));
  Backend& b = backend_for(Device::CudaOnCpu);
  CHECK(b.device() == Device::CudaOnCpu);
  CHECK(b.name() == "cuda-cpu");
  CHECK(b.supports(Op::Conv2d));
  cuda::CudaBackendBase& c = cuda::cuda_backend(b);
  CHECK_FALSE(c.has_cudnn());  // cuDNN exists on the GPU only
  CHECK(c.conv_impl() == cuda::ConvImpl::Own);
  CHECK_THROWS_AS(c.set_conv_impl(cuda::ConvImpl::Cudnn), Error);
  CHECK_THROWS_AS(cuda::cuda_backend(backend_for(Device::CPU)), Error);
#else
  CHECK_FALSE(has_backend(Device::CudaOnCpu));
#endif
  if (has_backend(Device::CUDA)) {
    CHECK(backend_for(Device::CUDA).device() == Device::CUDA);
    CHECK(backend_for(Device::CUDA).name() == "cuda");
  }
}

TEST_CASE("cuda backend: Difference-Model training steps on CudaOnCpu match the CPU" *
          doctest::skip(!has_backend(Device::CudaOnCpu))) {
  const StepResult cpu = train_step(Device::CPU), exec = train_step(Device::CudaOnCpu);
  check_step_close(exec, cpu, 1e-4, "cuda-cpu vs cpu");
  // The 1-D model ('same' convs over one row) too, for two steps.
  check_step_close(train_step(Device::CudaOnCpu, Dims::One, 2),
                   train_step(Device::CPU, Dims::One, 2), 1e-4, "1-D, cuda-cpu vs cpu");
}

TEST_CASE("cuda backend: CudaOnCpu training is bit-identical run to run (no atomics)" *
          doctest::skip(!has_backend(Device::CudaOnCpu))) {
  const StepResult a = train_step(Device::CudaOnCpu), b = train_step(Device::CudaOnCpu);
  CHECK(a.loss == b.loss);
  CHECK(a.grads == b.grads);
  CHECK(a.weights == b.weights);
}

// Without a CUDA device this prints the line CTest reports as "skipped" (root
// CMakeLists.txt), so it never counts as passed.
TEST_CASE("cuda backend: on the GPU, a training step matches the CPU, own conv and cuDNN") {
  if (!has_backend(Device::CUDA)) {
    std::printf("SKIPPED: no CUDA device on this machine\n");
    return;
  }
  cuda::CudaBackendBase& gpu = cuda::cuda_backend(backend_for(Device::CUDA));
  const cuda::ConvImpl saved = gpu.conv_impl();
  const StepResult cpu = train_step(Device::CPU);

  gpu.set_conv_impl(cuda::ConvImpl::Own);
  const StepResult own = train_step(Device::CUDA);
  check_step_close(own, cpu, 1e-4, "cuda (own conv) vs cpu");
  const StepResult again = train_step(Device::CUDA);
  CHECK(again.weights == own.weights);  // deterministic on the GPU too
  check_step_close(train_step(Device::CUDA, Dims::One, 2), train_step(Device::CPU, Dims::One, 2),
                   1e-4, "1-D, cuda vs cpu");

  if (gpu.has_cudnn()) {
    gpu.set_conv_impl(cuda::ConvImpl::Cudnn);
    const StepResult dnn = train_step(Device::CUDA);
    gpu.set_conv_impl(saved);
    check_step_close(dnn, cpu, 1e-4, "cuda (cuDNN) vs cpu");
    check_step_close(dnn, own, 1e-4, "cuda (cuDNN) vs cuda (own conv)");
  } else {
    MESSAGE("this build has no cuDNN: the cuDNN comparison did not run");
  }
  gpu.set_conv_impl(saved);
}

TEST_CASE("cuda backend: the caching allocator reuses released blocks") {
  std::vector<Device> devices;
  for (Device d : {Device::CudaOnCpu, Device::CUDA})
    if (has_backend(d)) devices.push_back(d);
  if (devices.empty()) MESSAGE("no CUDA backend in this build");
  for (Device d : devices) {
    INFO(device_name(d));
    cuda::CudaBackendBase& b = cuda::cuda_backend(backend_for(d));
    b.empty_cache();
    const cuda::AllocatorStats s0 = b.stats();
    CHECK(s0.bytes_cached == 0);
    CHECK(s0.bytes_reserved == s0.bytes_in_use);

    float* p = b.alloc(100003);  // a size class no tensor of the suite has
    const cuda::AllocatorStats s1 = b.stats();
    CHECK(s1.misses == s0.misses + 1);
    CHECK(s1.bytes_in_use > s0.bytes_in_use);
    b.release(p);
    CHECK(b.stats().bytes_cached == s1.bytes_in_use - s0.bytes_in_use);
    float* q = b.alloc(100003);
    CHECK(q == p);  // the same block, from the free list
    const cuda::AllocatorStats s2 = b.stats();
    CHECK(s2.hits == s1.hits + 1);
    CHECK(s2.misses == s1.misses);
    CHECK(s2.bytes_reserved == s1.bytes_reserved);
    b.release(q);
    b.empty_cache();
    CHECK(b.stats().bytes_reserved == s0.bytes_reserved);
    float foreign = 0.0f;
    CHECK_THROWS_AS(b.release(&foreign), Error);

    // The steady state of training: once two steps have run (the first one's optimiser
    // state takes blocks its temporaries released), a step of the same shapes is served
    // entirely from the cache: no cudaMalloc on the GPU.
    auto cnn = make_difference_cnn(Dims::Two);
    Rng rng(3);
    cnn->build(difference_input_shape(Dims::Two, 32), rng, d);
    Adam opt(cnn->parameters());
    int64_t misses_warm = 0;
    for (int step = 0; step < 3; ++step) {
      Tensor x = random_tensor({4, 1, 32, 32}, 70, d, false, 0.0f, 1.0f);
      Tensor target = random_tensor({4, 2}, 71, d, false);
      Context ctx{true, 5, uint64_t(step)};
      opt.zero_grad();
      mse(cnn->forward(x, ctx), target).backward();
      opt.step();
      if (step == 1) misses_warm = b.stats().misses;
    }
    CHECK(b.stats().misses == misses_warm);
  }
}

TEST_CASE("cuda kernels: gemm in every transpose against double loops (odd sizes, alpha, beta)") {
  struct Size {
    int64_t M, N, K;
  };
  for (Device d : cuda_devices()) {
    INFO(device_name(d));
    Backend& b = backend_for(d);
    for (Size z : {Size{1, 1, 1}, Size{70, 33, 17}, Size{64, 64, 16}, Size{3, 130, 100},
                   Size{129, 5, 65}, Size{4, 6, 0},
                   Size{20, 32800, 3}, Size{9, 65600, 5}}) {  // the 32×128 and 16×256 tiles
      for (int t = 0; t < 4; ++t) {
        const bool ta = t & 1, tb = t & 2;
        for (float beta : {0.0f, 0.75f}) {
          INFO("M=" << z.M << " N=" << z.N << " K=" << z.K << " ta=" << ta << " tb=" << tb
                    << " beta=" << beta);
          const float alpha = 1.5f;
          const std::vector<float> A = random_values(z.M * z.K, 1), B = random_values(z.K * z.N, 2);
          std::vector<float> C0 = random_values(z.M * z.N, 3);
          if (beta == 0.0f) C0.assign(C0.size(), NAN);  // beta = 0 must not read C
          std::vector<double> want(size_t(z.M * z.N));
          for (int64_t m = 0; m < z.M; ++m)
            for (int64_t n = 0; n < z.N; ++n) {
              double s = 0;
              for (int64_t k = 0; k < z.K; ++k)
                s += double(ta ? A[size_t(k * z.M + m)] : A[size_t(m * z.K + k)]) *
                     double(tb ? B[size_t(n * z.K + k)] : B[size_t(k * z.N + n)]);
              const size_t i = size_t(m * z.N + n);
              want[i] = alpha * s + (beta == 0.0f ? 0.0 : beta * double(C0[i]));
            }
          DeviceBuffer dA(b, A), dB(b, B), dC(b, C0);
          b.gemm(ta, tb, z.M, z.N, z.K, alpha, dA.get(), dB.get(), beta, dC.get());
          check_close(dC.host(), want, 1e-4, 1e-5, "C");
        }
      }
    }
  }
}

TEST_CASE("cuda kernels: conv2d passes against the reference (padding up to beyond R-1, 1-D)") {
  const ConvGeom cases[] = {
      conv_geom(2, 1, 10, 10, 16, 3, 3, 0, 0),  conv_geom(2, 16, 6, 6, 32, 3, 3, 0, 0),
      conv_geom(2, 3, 8, 8, 4, 3, 3, 1, 1),     conv_geom(3, 4, 1, 20, 5, 1, 3, 0, 0),
      conv_geom(3, 4, 1, 20, 5, 1, 3, 0, 1),    conv_geom(5, 3, 7, 5, 2, 3, 3, 1, 1),
      conv_geom(2, 6, 5, 7, 4, 1, 1, 0, 0),     conv_geom(2, 3, 4, 5, 2, 3, 3, 2, 2),
      conv_geom(2, 2, 5, 6, 3, 2, 3, 1, 2),     conv_geom(21, 2, 6, 5, 3, 3, 3, 1, 1),
      conv_geom(2, 2, 4, 3, 2, 3, 3, 3, 3),     conv_geom(2, 2, 1, 2, 3, 1, 3, 0, 1),
      conv_geom(1, 70, 9, 9, 66, 3, 3, 1, 1),   conv_geom(40, 2, 30, 30, 3, 3, 3, 0, 0),
      // Every tile shape (tiled_gemm.h), M not a multiple of it, filter slices whose
      // length is not a multiple of 16, and 512 of them.
      conv_geom(8, 5, 13, 11, 20, 3, 2, 1, 0),  conv_geom(3, 33, 7, 6, 40, 2, 3, 0, 1),
      conv_geom(64, 1, 34, 34, 3, 3, 3, 0, 0),  conv_geom(2, 2, 130, 130, 20, 3, 3, 1, 1),
  };
  for (Device d : cuda_devices()) {
    INFO(device_name(d));
    Backend& be = backend_for(d);
    for (const ConvGeom& g : cases) {
      INFO("N=" << g.N << " C=" << g.C << " H=" << g.H << " W=" << g.W << " K=" << g.K
                << " R=" << g.R << " S=" << g.S << " pad=" << g.pad_h << "," << g.pad_w);
      const std::vector<float> x = random_values(g.x_size(), 11), w = random_values(g.w_size(), 12),
                               bias = random_values(g.K, 13), dy = random_values(g.y_size(), 14),
                               dx0 = random_values(g.x_size(), 15),
                               dw0 = random_values(g.w_size(), 16), db0 = random_values(g.K, 17);
      const std::vector<double> X = widen(x), Wt = widen(w), Bi = widen(bias), DY = widen(dy);
      std::vector<double> y(size_t(g.y_size())), dx = widen(dx0), dw = widen(dw0), db = widen(db0);
      ref::conv2d_forward(g, X.data(), Wt.data(), Bi.data(), y.data());
      ref::conv2d_backward_data(g, DY.data(), Wt.data(), dx.data());
      ref::conv2d_backward_filter(g, X.data(), DY.data(), dw.data(), db.data());

      DeviceBuffer dX(be, x), dW(be, w), dB(be, bias), dDY(be, dy), dY(be, std::vector<float>(y.size(), NAN)),
          dDX(be, dx0), dDW(be, dw0), dDB(be, db0);
      be.conv2d_forward(g, dX.get(), dW.get(), dB.get(), dY.get());
      be.conv2d_backward_data(g, dDY.get(), dW.get(), dDX.get());
      be.conv2d_backward_filter(g, dX.get(), dDY.get(), dDW.get(), dDB.get());
      check_close(dY.host(), y, 1e-4, 1e-4, "y");
      check_close(dDX.host(), dx, 1e-4, 1e-4, "dx (accumulated)");
      check_close(dDW.host(), dw, 1e-4, 1e-4, "dw (accumulated)");
      check_close(dDB.host(), db, 1e-4, 1e-4, "db (accumulated)");

      // Without bias, and with null gradients skipped (db alone still computed).
      std::vector<double> y_nb(size_t(g.y_size())), db_only = widen(db0);
      ref::conv2d_forward(g, X.data(), Wt.data(), nullptr, y_nb.data());
      ref::conv2d_backward_filter(g, X.data(), DY.data(), nullptr, db_only.data());
      DeviceBuffer dY2(be, std::vector<float>(y.size(), NAN)), dDB2(be, db0);
      be.conv2d_forward(g, dX.get(), dW.get(), nullptr, dY2.get());
      be.conv2d_backward_data(g, dDY.get(), dW.get(), nullptr);
      be.conv2d_backward_filter(g, dX.get(), dDY.get(), nullptr, dDB2.get());
      check_close(dY2.host(), y_nb, 1e-4, 1e-4, "y without bias");
      check_close(dDB2.host(), db_only, 1e-4, 1e-4, "db alone");
    }
    float f = 0;
    CHECK_THROWS_AS(be.conv2d_forward(conv_geom(1, 1, 2, 2, 1, 3, 3, 0, 0), &f, &f, nullptr, &f),
                    Error);
  }
}

TEST_CASE("cuda kernels: maxpool2d with ties routes to the first maximum, like the reference") {
  for (Device d : cuda_devices()) {
    INFO(device_name(d));
    Backend& be = backend_for(d);
    for (const PoolGeom& g : {PoolGeom{2, 3, 7, 9, 2, 2}, PoolGeom{3, 4, 1, 11, 1, 2},
                              PoolGeom{2, 2, 7, 5, 3, 2}}) {
      std::vector<float> x(size_t(g.x_size()));
      Rng rng(5);
      for (float& v : x) v = float(rng.below(3));  // values 0..2: many ties
      const std::vector<float> dy = random_values(g.y_size(), 6), dx0 = random_values(g.x_size(), 7);
      const std::vector<double> X = widen(x), DY = widen(dy);
      std::vector<double> y(size_t(g.y_size())), dx = widen(dx0);
      ref::maxpool2d_forward(g, X.data(), y.data());
      ref::maxpool2d_backward(g, X.data(), y.data(), DY.data(), dx.data());
      DeviceBuffer dX(be, x), dY(be, std::vector<float>(y.size(), NAN)), dDY(be, dy), dDX(be, dx0);
      be.maxpool2d_forward(g, dX.get(), dY.get());
      be.maxpool2d_backward(g, dX.get(), dY.get(), dDY.get(), dDX.get());
      check_close(dY.host(), y, 0, 0, "y");
      check_close(dDX.host(), dx, 1e-6, 1e-6, "dx");
    }
  }
}

TEST_CASE("cuda kernels: reductions are exact to float rounding and bit-reproducible") {
  for (Device d : cuda_devices()) {
    INFO(device_name(d));
    Backend& be = backend_for(d);
    for (int64_t n : {int64_t(0), int64_t(1), int64_t(1000), int64_t(300001)}) {
      INFO("n=" << n);
      const std::vector<float> a = random_values(n, 21), c = random_values(n, 22);
      double s = 0, m = 0;
      for (int64_t i = 0; i < n; ++i) {
        s += a[size_t(i)];
        m += (double(a[size_t(i)]) - c[size_t(i)]) * (double(a[size_t(i)]) - c[size_t(i)]);
      }
      if (n) m /= double(n);
      DeviceBuffer dA(be, a), dC(be, c), out(be, {NAN}), out2(be, {NAN});
      be.sum(n, dA.get(), out.get());
      be.sum(n, dA.get(), out2.get());
      check_close(out.host(), {s}, 1e-5, 1e-4, "sum");
      CHECK(out.host() == out2.host());
      be.mse_forward(n, dA.get(), dC.get(), out.get());
      check_close(out.host(), {m}, 1e-5, 1e-6, "mse");
    }
    // Bias gradients: columns of a matrix, channels of an NCS tensor; accumulated.
    const int64_t rows = 1000, cols = 3, N = 5, C = 4, S = 777;
    const std::vector<float> dy = random_values(rows * cols, 23), dyc = random_values(N * C * S, 24);
    std::vector<double> db(cols, 0.5), dbc(size_t(C), 0.25);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t k = 0; k < cols; ++k) db[size_t(k)] += dy[size_t(r * cols + k)];
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < C; ++k)
        for (int64_t i = 0; i < S; ++i) dbc[size_t(k)] += dyc[size_t((n * C + k) * S + i)];
    DeviceBuffer dDY(be, dy), dDYC(be, dyc), dDB(be, std::vector<float>(cols, 0.5f)),
        dDBC(be, std::vector<float>(size_t(C), 0.25f));
    be.bias_backward(rows, cols, dDY.get(), dDB.get());
    be.bias_backward_channels(N, C, S, dDYC.get(), dDBC.get());
    check_close(dDB.host(), db, 1e-5, 1e-4, "bias_backward");
    check_close(dDBC.host(), dbc, 1e-5, 1e-4, "bias_backward_channels");
  }
}

TEST_CASE("cuda kernels: dropout masks are bit-identical to the CPU backend's") {
  Backend& cpu = backend_for(Device::CPU);
  for (Device d : cuda_devices()) {
    INFO(device_name(d));
    Backend& be = backend_for(d);
    for (float p : {0.1f, 0.5f, 0.0f}) {
      const int64_t n = 100003;
      const std::vector<float> blank(size_t(n), NAN);
      DeviceBuffer want(cpu, blank), got(be, blank);
      cpu.dropout_mask(n, p, 1234, 77, nullptr, want.get());
      be.dropout_mask(n, p, 1234, 77, nullptr, got.get());
      CHECK(got.host() == want.host());
    }
  }
}

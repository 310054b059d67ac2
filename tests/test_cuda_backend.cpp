// The CUDA backend as a whole: its registration, a full training step of the Difference
// Model against the CPU backend (through the CPU executor on every build, on the GPU
// when there is one, there also with cuDNN's convolution), determinism and the caching
// allocator. The kernel-by-kernel checks (the dropout masks among them) are the op table's
// (tests/test_op_table.cpp), which runs every kernel on every registered backend.
#include <cstdio>
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/optim/optimizer.h"
#include "kernels/cuda/api.h"
#include "models/difference.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

namespace {

struct StepResult {
  float loss = 0;
  std::vector<std::vector<float>> grads, weights;  // per parameter, after the step
};

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
  const std::vector<Device> devices = backends(true);
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

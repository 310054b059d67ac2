// Convolution ops (conv2d, conv1d, conv_transpose2d) through autograd on every backend.
// The kernels themselves are the op table's (tests/test_op_table.cpp); here: the
// reference on a hand example, the ops' shapes, padding semantics, gradients by finite
// differences, and the refusal of a kernel larger than the padded input.
#include "kernels/reference/conv2d.h"
#include "tests/op_harness.h"
#include "tests/scoped_option.h"

using namespace sg;
using namespace sg::test;

namespace {
std::vector<double> ref_conv(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g) {
  std::vector<double> vx = to_double(x), vw = to_double(w), vb = to_double(b),
                      y(size_t(g.y_size()));
  ref::conv2d_forward(g, vx.data(), vw.data(), vb.data(), y.data());
  return y;
}
}  // namespace

TEST_CASE("ref conv2d forward: hand-computed 2x2 box filter with padding") {
  // x = [1 2 3; 4 5 6; 7 8 9], w = ones(2,2), b = 10, pad 1 on each side -> 4x4 output of
  // window sums (the padding reads as 0).
  const ConvGeom g{1, 1, 3, 3, 1, 2, 2, 1, 1};
  const std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, 1, 1, 1}, b = {10};
  std::vector<double> y(size_t(g.y_size()));
  ref::conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
  CHECK(y == std::vector<double>{11, 13, 15, 13, 15, 22, 26, 19, 21, 34, 38, 25, 17, 25, 27, 19});
}

TEST_CASE("conv2d kernels reject a kernel larger than the padded input, on every backend") {
  const ConvGeom g{1, 1, 2, 2, 1, 3, 3, 0, 0};
  double d = 0;
  CHECK_THROWS_AS(ref::conv2d_forward(g, &d, &d, nullptr, &d), Error);
  for (Device dev : backends()) {
    CAPTURE(device_name(dev));
    Backend& be = backend_for(dev);
    GuardedBuffer x(be, {0, 0, 0, 0}), w(be, std::vector<float>(9, 0.0f)), y(be, {0});
    CHECK_THROWS_AS(be.conv2d_forward(g, x.get(), w.get(), nullptr, y.get()), Error);
  }
}

TEST_CASE("conv2d valid and same: forward against the reference, gradients") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    for (int64_t pad : {0, 1}) {
      CAPTURE(pad);
      Tensor x = random_tensor({2, 3, 6, 5}, 20, d), w = random_tensor({4, 3, 3, 3}, 21, d),
             b = random_tensor({4}, 22, d);
      ConvGeom g{2, 3, 6, 5, 4, 3, 3, pad, pad};
      Tensor y = conv2d(x, w, b, pad);
      CHECK(y.shape() == Shape{2, 4, 6 + 2 * pad - 2, 5 + 2 * pad - 2});
      check_close(y.to_vector(), ref_conv(x, w, b, g), 1e-5, 1e-5, "conv2d");
      gradcheck("conv2d", [pad](auto& t) { return conv2d(t[0], t[1], t[2], pad); }, {x, w, b});
    }
    CHECK_THROWS_AS(conv2d(Tensor::zeros({1, 2, 5, 5}, d), Tensor::zeros({4, 3, 3, 3}, d),
                           Tensor(), 0), Error);
  }
}

TEST_CASE("conv1d is conv2d over one row: 'same' keeps the length") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor x = random_tensor({3, 2, 9}, 23, d), w = random_tensor({5, 2, 3}, 24, d),
           b = random_tensor({5}, 25, d);
    Tensor y = conv1d(x, w, b, 1);
    CHECK(y.shape() == Shape{3, 5, 9});
    ConvGeom g{3, 2, 1, 9, 5, 1, 3, 0, 1};
    check_close(y.to_vector(), ref_conv(x, w, b, g), 1e-5, 1e-5, "conv1d");
    gradcheck("conv1d", [](auto& t) { return conv1d(t[0], t[1], t[2], 1); }, {x, w, b});
  }
}

// Transposed convolution written out directly (not through conv2d's backward):
//   y[n,k,iy+r-p,ix+s-p] += x[n,c,iy,ix] · w[c,k,r,s]   for outputs inside the frame.
TEST_CASE("conv_transpose2d: 'same' keeps H×W, 'valid' adds 2, against a direct loop") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    for (int64_t p : {0, 1}) {
      CAPTURE(p);
      const int64_t N = 2, C = 3, H = 4, W = 5, K = 2;
      Tensor x = random_tensor({N, C, H, W}, 26, d), w = random_tensor({C, K, 3, 3}, 27, d),
             b = random_tensor({K}, 28, d);
      Tensor y = conv_transpose2d(x, w, b, p);
      const int64_t OH = H - 2 * p + 2, OW = W - 2 * p + 2;
      REQUIRE(y.shape() == Shape{N, K, OH, OW});
      std::vector<double> vx = to_double(x), vw = to_double(w), vb = to_double(b),
                          want(size_t(N * K * OH * OW));
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; ++k)
          for (int64_t i = 0; i < OH * OW; ++i) want[size_t((n * K + k) * OH * OW + i)] = vb[size_t(k)];
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
          for (int64_t iy = 0; iy < H; ++iy)
            for (int64_t ix = 0; ix < W; ++ix)
              for (int64_t k = 0; k < K; ++k)
                for (int64_t r = 0; r < 3; ++r)
                  for (int64_t s = 0; s < 3; ++s) {
                    int64_t oy = iy + r - p, ox = ix + s - p;
                    if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                    want[size_t(((n * K + k) * OH + oy) * OW + ox)] +=
                        vx[size_t(((n * C + c) * H + iy) * W + ix)] *
                        vw[size_t(((c * K + k) * 3 + r) * 3 + s)];
                  }
      check_close(y.to_vector(), want, 1e-5, 1e-5, "conv_transpose2d");
      gradcheck("conv_transpose2d", [p](auto& t) { return conv_transpose2d(t[0], t[1], t[2], p); },
                {x, w, b});
    }
  }
}

// The CPU's winograd=on takes a 3×3 conv where it pays (conv_winograd.cpp: 16 multiplies
// per tile, rows of tiles padded to 16, at most 1/1.5 of the direct conv's 9 per output):
// the Difference Model's middle conv (29×29 outputs: 16·240 vs 9·841) but not its last
// (12×12: 16·96 vs 9·144). Taken, the bits differ from the direct path's (other rounding);
// not taken, they are the direct path's. The same for the weight gradient
// (WinogradFilterSum), taken where the forward is and its input channels fill vectors of 16.
TEST_CASE("CPU winograd=on takes the middle conv of the Difference Model, not the last") {
  auto run = [](int64_t C, int64_t HW, int64_t K, const char* mode, bool weight_grad) {
    ScopedOption opt(backend_for(Device::CPU), "winograd", mode);
    Tensor x = random_tensor({2, C, HW, HW}, 30, Device::CPU, false),
           w = random_tensor({K, C, 3, 3}, 31, Device::CPU, true),
           b = random_tensor({K}, 32, Device::CPU, false);
    Tensor y = conv2d(x, w, b, 0);
    if (!weight_grad) return y.to_vector();
    // ∂L/∂y a fixed tensor, the same whichever path ran the forward.
    sum(mul(y, random_tensor(y.shape(), 33, Device::CPU, false))).backward();
    return w.grad().to_vector();
  };
  for (bool dw : {false, true}) {
    CAPTURE(dw);
    CHECK(run(16, 31, 32, "on", dw) != run(16, 31, 32, "off", dw));
    CHECK(run(32, 14, 16, "on", dw) == run(32, 14, 16, "off", dw));
    CHECK(run(32, 14, 16, "all", dw) != run(32, 14, 16, "off", dw));
  }
  // An input of 4 channels (the U-Net's 4 → 8 conv at 32×32): the forward is taken, the
  // weight gradient is not (its vectors of 16 input channels would be 3/4 padding).
  CHECK(run(4, 34, 8, "on", false) != run(4, 34, 8, "off", false));
  CHECK(run(4, 34, 8, "on", true) == run(4, 34, 8, "off", true));
  CHECK(run(4, 34, 8, "all", true) != run(4, 34, 8, "off", true));
}

// The register blocks of the Winograd GEMMs (kernels/cpu/blocking.h) sum over the input
// channels (and in the weight gradient over the tiles) in one order, so they give the same
// bits: a 16→32 conv, a 32→13 one (13 output channels: blocks of 8 or 6 and their rests)
// and a 37→13 one (37 input channels: the weight gradient's vectors of 16 channels, two at a
// time, and a rest), forward, input and weight gradient.
TEST_CASE("CPU Winograd: the wide and the narrow register block give the same bits") {
  auto run = [](int64_t C, int64_t K, const char* block) {
    ScopedOption all(backend_for(Device::CPU), "winograd", "all");
    ScopedOption b(backend_for(Device::CPU), "blocking", block);
    Tensor x = random_tensor({2, C, 31, 31}, 40, Device::CPU, true),
           w = random_tensor({K, C, 3, 3}, 41, Device::CPU, true),
           bias = random_tensor({K}, 42, Device::CPU, false);
    Tensor y = conv2d(x, w, bias, 1);
    sum(mul(y, y)).backward();
    std::vector<float> out = y.to_vector(), dx = x.grad().to_vector(), dw = w.grad().to_vector();
    out.insert(out.end(), dx.begin(), dx.end());
    out.insert(out.end(), dw.begin(), dw.end());
    return out;
  };
  for (auto [C, K] : {std::pair<int64_t, int64_t>{16, 32}, {32, 13}, {37, 13}}) {
    CAPTURE(K);
    CHECK(run(C, K, "wide") == run(C, K, "narrow"));
  }
}

// The direct loops (kernels/cpu/conv_path.h) sum each output of the forward and input
// gradient, and each weight's 16 lanes of the weight gradient, in one order whatever the
// register block, so both blocks give the same bits; the GEMM path rounds differently and
// agrees to float precision. Winograd off, so that every pass runs them. Shapes: the
// model's middle and last conv, one with padding and rows shorter than 16, and K, C·R·S
// that are not multiples of the blocks (5 channels, 3·2·3 = 18 taps).
TEST_CASE("CPU direct conv loops: both register blocks give the same bits, near the GEMM's") {
  auto run = [](const ConvGeom& g, const char* path, const char* block) {
    ScopedOption off(backend_for(Device::CPU), "winograd", "off");
    ScopedOption f(backend_for(Device::CPU), "conv_path", path);
    ScopedOption b(backend_for(Device::CPU), "blocking", block);
    Tensor x = random_tensor({g.N, g.C, g.H, g.W}, 50, Device::CPU, true),
           w = random_tensor({g.K, g.C, g.R, g.S}, 51, Device::CPU, true),
           bias = random_tensor({g.K}, 52, Device::CPU, true);
    Tensor y = conv2d(x, w, bias, g.pad_h);
    sum(mul(y, y)).backward();
    std::vector<float> out = y.to_vector(), dx = x.grad().to_vector(), dw = w.grad().to_vector();
    out.insert(out.end(), dx.begin(), dx.end());
    out.insert(out.end(), dw.begin(), dw.end());
    return out;
  };
  auto geom = [](int64_t N, int64_t C, int64_t HW, int64_t K, int64_t R, int64_t S, int64_t p) {
    ConvGeom g;
    g.N = N, g.C = C, g.H = g.W = HW, g.K = K, g.R = R, g.S = S, g.pad_h = g.pad_w = p;
    return g;
  };
  // The last: 40 samples make chunks of 2 or 3 (conv_sample.h), each swept as one group of
  // zero-bordered copies (conv_filter_direct.h: 4 blocks per sample, groups of up to 8).
  for (const ConvGeom& g : {geom(5, 16, 31, 32, 3, 3, 0), geom(3, 32, 14, 16, 3, 3, 0),
                            geom(4, 3, 9, 5, 2, 3, 1), geom(40, 6, 7, 5, 3, 3, 1)}) {
    CAPTURE(g.C);
    const std::vector<float> wide = run(g, "direct", "wide"), gemm = run(g, "gemm", "wide");
    CHECK(run(g, "direct", "narrow") == wide);
    REQUIRE(wide.size() == gemm.size());
    double worst = 0, scale = 0;
    for (size_t i = 0; i < wide.size(); ++i) {
      worst = std::max(worst, std::abs(double(wide[i]) - gemm[i]));
      scale = std::max(scale, std::abs(double(gemm[i])));
    }
    CHECK(worst <= 1e-5 * scale);
  }
}

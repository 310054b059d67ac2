// The fused conv block conv_relu_pool2d (and its 1-D twin) against the three ops it
// replaces: the same forward values and the same gradients bit for bit, on every backend
// (a backend without Op::ConvReluPool composes the three ops); its gradients against
// finite differences; and a whole Difference CNN trained with and without fusion. The
// kernels themselves, with any window, are the op table's entry conv_relu_pool.
#include <algorithm>
#include <cmath>

#include "tests/cnn_steps.h"
#include "tests/scoped_option.h"

using namespace sg;
using namespace sg::test;

namespace {

using BlockFn = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, int64_t);

struct Case {
  const char* what;
  Shape x, w;
  int64_t pad;
  BlockFn fused;
  std::function<Tensor(const Tensor&, const Tensor&, const Tensor&, int64_t)> composed;
};

std::vector<Case> cases() {
  auto c2 = [](const Tensor& x, const Tensor& w, const Tensor& b, int64_t p) {
    return maxpool2d(relu(conv2d(x, w, b, p)));
  };
  auto c1 = [](const Tensor& x, const Tensor& w, const Tensor& b, int64_t p) {
    return maxpool1d(relu(conv1d(x, w, b, p)));
  };
  // Odd conv outputs (7×7, 9) leave a row and column that no window covers; the wide
  // ones give rows of 34 and 20 windows (the CPU pools 16 at a time: full and part blocks).
  // One input channel, 3×3, rows of ≥ 16 windows: the CPU's register-fused forward
  // (conv_few_taps.h, with conv_path direct), 'valid' with an odd row count and 'same'.
  return {{"2-D valid", {3, 2, 9, 9}, {4, 2, 3, 3}, 0, conv_relu_pool2d, c2},
          {"2-D same", {2, 3, 8, 6}, {5, 3, 3, 3}, 1, conv_relu_pool2d, c2},
          {"2-D valid, wide", {2, 2, 5, 70}, {3, 2, 3, 3}, 0, conv_relu_pool2d, c2},
          {"2-D valid, one channel, wide", {2, 1, 9, 70}, {4, 1, 3, 3}, 0, conv_relu_pool2d, c2},
          {"2-D same, one channel", {2, 1, 6, 36}, {3, 1, 3, 3}, 1, conv_relu_pool2d, c2},
          {"1-D same", {3, 2, 9}, {4, 2, 3}, 1, conv_relu_pool1d, c1},
          {"1-D same, wide", {2, 2, 41}, {3, 2, 3}, 1, conv_relu_pool1d, c1}};
}

}  // namespace

// Each CPU conv path (kernels/cpu/conv_path.h), whichever the build picked by default; an
// input with and without a gradient (a first layer's: the CPU's one-channel 2×2 block then
// feeds its weight and bias sums a band of rows at a time, conv_relu_pool.cpp).
TEST_CASE("conv_relu_pool: fused equals conv, relu, maxpool bit for bit, values and gradients") {
  for (const char* path : {"direct", "gemm"})
  for (bool x_grad : {true, false})
  for (Device d : backends())
    for (const Case& c : cases()) {
      ScopedOption opt(backend_for(Device::CPU), "conv_path", path);
      CAPTURE(path);
      CAPTURE(x_grad);
      CAPTURE(device_name(d));
      CAPTURE(c.what);
      const int64_t K = c.w[0];
      Tensor x = random_tensor(c.x, 1, d, x_grad);
      Tensor w = random_tensor(c.w, 2, d);
      // A negative bias makes the ReLU cut whole windows, so the "no gradient" case runs.
      Tensor b = random_tensor({K}, 3, d, true, -0.6f, 0.1f);
      std::vector<std::vector<float>> got[2];
      for (int fused = 0; fused < 2; ++fused) {
        for (Tensor* t : {&x, &w, &b}) t->zero_grad();
        Tensor y = fused ? c.fused(x, w, b, c.pad) : c.composed(x, w, b, c.pad);
        Tensor r = random_tensor(y.shape(), 4, d, false);
        sum(mul(y, r)).backward();
        got[fused] = {y.to_vector(), x_grad ? x.grad().to_vector() : std::vector<float>{},
                      w.grad().to_vector(), b.grad().to_vector()};
      }
      const char* names[] = {"forward", "dx", "dw", "db"};
      for (int i = 0; i < 4; ++i) {
        CAPTURE(names[i]);
        CHECK(got[1][size_t(i)] == got[0][size_t(i)]);
      }
      int cut = 0;
      for (float v : got[1][0]) cut += v == 0.0f;
      CHECK(cut > 0);
    }
}

TEST_CASE("conv_relu_pool: fused gradients against finite differences") {
  for (Device d : backends())
    for (const Case& c : cases()) {
      CAPTURE(device_name(d));
      CAPTURE(c.what);
      Tensor x = random_tensor(c.x, 11, d);
      Tensor w = random_tensor(c.w, 12, d);
      Tensor b = random_tensor({c.w[0]}, 13, d, true, -0.2f, 0.2f);
      const BlockFn f = c.fused;
      const int64_t pad = c.pad;
      gradcheck(std::string("conv block ") + c.what,
                [f, pad](auto& t) { return f(t[0], t[1], t[2], pad); }, {x, w, b}, {1e-3, 2e-2, 2e-3});
    }
}

TEST_CASE("conv_relu_pool: shape errors name the fused op") {
  Tensor x = Tensor::zeros({1, 2, 3, 3}, Device::CPU);
  Tensor w = Tensor::zeros({4, 2, 3, 3}, Device::CPU);  // 1×1 conv output: nothing to pool
  CHECK_THROWS_WITH_AS(conv_relu_pool2d(x, w, Tensor(), 0),
                       doctest::Contains("conv_relu_pool2d"), Error);
  Tensor w3 = Tensor::zeros({4, 3, 3, 3}, Device::CPU);
  CHECK_THROWS_WITH_AS(conv_relu_pool2d(x, w3, Tensor(), 1), doctest::Contains("channels"),
                       Error);
}

// The block with the dropout after it (conv_relu_pool_dropout2d/1d) against the block then
// dropout: the same values and gradients bit for bit on every backend (the CPU applies the
// mask inside the block, per sample: with 3·9 = 27 values per sample, every other sample
// starts on an odd element index, the second of a pair of draws).
TEST_CASE("conv_relu_pool_dropout: the block then dropout, bit for bit, values and gradients") {
  std::vector<Case> all = cases();
  all.push_back({"2-D valid, 27 values per sample", {4, 2, 8, 8}, {3, 2, 3, 3}, 0,
                 conv_relu_pool2d, nullptr});
  for (Device d : backends())
    for (const Case& c : all) {
      CAPTURE(device_name(d));
      CAPTURE(c.what);
      const bool two_d = c.x.size() == 4;
      const DropoutMask m{0.3f, 17, 5, nullptr};
      Tensor x = random_tensor(c.x, 21, d, true);
      Tensor w = random_tensor(c.w, 22, d);
      Tensor b = random_tensor({c.w[0]}, 23, d, true, -0.6f, 0.1f);
      std::vector<std::vector<float>> got[2];
      for (int fused = 0; fused < 2; ++fused) {
        for (Tensor* t : {&x, &w, &b}) t->zero_grad();
        Tensor y = fused ? (two_d ? conv_relu_pool_dropout2d(x, w, b, c.pad, m)
                                  : conv_relu_pool_dropout1d(x, w, b, c.pad, m))
                         : dropout(c.fused(x, w, b, c.pad), m.p, true, m.seed, m.stream);
        Tensor r = random_tensor(y.shape(), 24, d, false);
        sum(mul(y, r)).backward();
        got[fused] = {y.to_vector(), x.grad().to_vector(), w.grad().to_vector(),
                      b.grad().to_vector()};
      }
      const char* names[] = {"forward", "dx", "dw", "db"};
      for (int i = 0; i < 4; ++i) {
        CAPTURE(names[i]);
        CHECK(got[1][size_t(i)] == got[0][size_t(i)]);
      }
      int dropped = 0;  // values the ReLU kept and the mask took
      const std::vector<float> y = c.fused(x, w, b, c.pad).to_vector();
      for (size_t i = 0; i < y.size(); ++i) dropped += y[i] > 0.0f && got[1][0][i] == 0.0f;
      CHECK(dropped > 0);
    }
}

TEST_CASE("conv_relu_pool: the Difference CNN trains bit-identically with and without fusion") {
  for (Dims dims : {Dims::Two, Dims::One})
    CHECK(cnn_weights_after_steps(dims, 2, true) == cnn_weights_after_steps(dims, 2, false));
}

// The fused conv block conv_relu_pool2d (and its 1-D twin) against the three ops it
// replaces: the same forward values and the same gradients bit for bit, on every backend
// (a backend without Op::ConvReluPool composes the three ops); its gradients against
// finite differences; and a whole Difference CNN trained with and without fusion.
#include <algorithm>
#include <cmath>

#include "tests/cnn_steps.h"

#include "kernels/reference/conv2d.h"

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
  return {{"2-D valid", {3, 2, 9, 9}, {4, 2, 3, 3}, 0, conv_relu_pool2d, c2},
          {"2-D same", {2, 3, 8, 6}, {5, 3, 3, 3}, 1, conv_relu_pool2d, c2},
          {"2-D valid, wide", {2, 2, 5, 70}, {3, 2, 3, 3}, 0, conv_relu_pool2d, c2},
          {"1-D same", {3, 2, 9}, {4, 2, 3}, 1, conv_relu_pool1d, c1},
          {"1-D same, wide", {2, 2, 41}, {3, 2, 3}, 1, conv_relu_pool1d, c1}};
}

}  // namespace

TEST_CASE("conv_relu_pool: fused equals conv, relu, maxpool bit for bit, values and gradients") {
  for (Device d : backends())
    for (const Case& c : cases()) {
      CAPTURE(device_name(d));
      CAPTURE(c.what);
      const int64_t K = c.w[0];
      Tensor x = random_tensor(c.x, 1, d);
      Tensor w = random_tensor(c.w, 2, d);
      // A negative bias makes the ReLU cut whole windows, so the "no gradient" case runs.
      Tensor b = random_tensor({K}, 3, d, true, -0.6f, 0.1f);
      std::vector<std::vector<float>> got[2];
      for (int fused = 0; fused < 2; ++fused) {
        for (Tensor* t : {&x, &w, &b}) t->zero_grad();
        Tensor y = fused ? c.fused(x, w, b, c.pad) : c.composed(x, w, b, c.pad);
        Tensor r = random_tensor(y.shape(), 4, d, false);
        sum(mul(y, r)).backward();
        got[fused] = {y.to_vector(), x.grad().to_vector(), w.grad().to_vector(),
                      b.grad().to_vector()};
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

TEST_CASE("conv_relu_pool: the Difference CNN trains bit-identically with and without fusion") {
  for (Dims dims : {Dims::Two, Dims::One})
    CHECK(cnn_weights_after_steps(dims, 2, true) == cnn_weights_after_steps(dims, 2, false));
}

// The backend kernels themselves, with any window (the ops use 2×2 and 1×2; the CPU has a
// vector path for those and plain loops for the rest), against plain loops in double:
//   z = conv(x) + b,  y = max(0, max of the window of z),  at = offset of its first maximum
//   dz = dy at `at` (0 elsewhere),  dx = conv backward-data(dz),  dw, db likewise.
TEST_CASE("conv_relu_pool: each backend's kernels against plain loops, windows 2x2, 1x2, 3x3, 2x3") {
  struct Window {
    int64_t ph, pw;
  };
  // 2 samples, 2 channels, 7×40 → 5×38 (valid) or 7×40 (same): odd rows and columns left
  // over for 2×2 and 3×3, 19 or 20 windows a row.
  for (Device d : backends())
    for (int64_t pad : {0, 1})
      for (Window win : {Window{2, 2}, Window{1, 2}, Window{3, 3}, Window{2, 3}}) {
        CAPTURE(device_name(d));
        CAPTURE(pad);
        CAPTURE(win.ph);
        CAPTURE(win.pw);
        ConvGeom g;
        g.N = 2, g.C = 2, g.H = 7, g.W = 40, g.K = 3, g.R = 3, g.S = 3, g.pad_h = pad, g.pad_w = pad;
        const int64_t OH = g.OH(), OW = g.OW(), QH = OH / win.ph, QW = OW / win.pw;
        const int64_t Q = g.N * g.K * QH * QW;
        const auto xv = random_values(g.x_size(), 11), wv = random_values(g.w_size(), 12),
                   bv = random_values(g.K, 13, -0.5f, 0.1f), dyv = random_values(Q, 14);
        Tensor x = Tensor::from_vector(xv, {g.x_size()}, d), w = Tensor::from_vector(wv, {g.w_size()}, d),
               b = Tensor::from_vector(bv, {g.K}, d), dy = Tensor::from_vector(dyv, {Q}, d);
        Tensor y = Tensor::zeros({Q}, d), at = Tensor::zeros({Q}, d);
        Tensor dx = Tensor::zeros({g.x_size()}, d), dw = Tensor::zeros({g.w_size()}, d),
               db = Tensor::zeros({g.K}, d);
        Backend& be = backend_for(d);
        if (!be.supports(Op::ConvReluPool)) continue;
        be.conv_relu_pool_forward(g, win.ph, win.pw, x.data(), w.data(), b.data(), y.data(),
                                  at.data());
        be.conv_relu_pool_backward(g, win.ph, win.pw, x.data(), w.data(), at.data(), dy.data(),
                                   dx.data(), dw.data(), db.data());

        const std::vector<double> xd(xv.begin(), xv.end()), wd(wv.begin(), wv.end()),
            bd(bv.begin(), bv.end());
        std::vector<double> z(static_cast<size_t>(g.y_size())), want_y(static_cast<size_t>(Q));
        std::vector<double> dz(z.size(), 0.0);
        std::vector<float> want_at(static_cast<size_t>(Q));
        ref::conv2d_forward(g, xd.data(), wd.data(), bd.data(), z.data());
        const std::vector<float> got_at = at.to_vector();
        int64_t near_ties = 0;
        for (int64_t plane = 0; plane < g.N * g.K; ++plane)
          for (int64_t i = 0; i < QH; ++i)
            for (int64_t j = 0; j < QW; ++j) {
              const size_t o = size_t((plane * QH + i) * QW + j);
              double m = 0.0;
              int64_t best = -1;
              for (int64_t a = 0; a < win.ph; ++a)
                for (int64_t c = 0; c < win.pw; ++c) {
                  const double v = z[size_t((plane * OH + i * win.ph + a) * OW + j * win.pw + c)];
                  if (v > m) m = v, best = a * win.pw + c;
                }
              want_y[o] = m;
              want_at[o] = float(best);
              // The backward follows the kernel's own `at`: a near-tie may round either way.
              const int64_t a = int64_t(got_at[o]);
              if (a >= 0)
                dz[size_t((plane * OH + i * win.ph + a / win.pw) * OW + j * win.pw + a % win.pw)] =
                    dyv[o];
              // Where the kernel chose another window position than the reference, the
              // two must tie to float rounding (-1, no position: the ReLU's zero).
              if (got_at[o] != want_at[o]) {
                const double chosen =
                    a < 0 ? 0.0 : z[size_t((plane * OH + i * win.ph + a / win.pw) * OW + j * win.pw + a % win.pw)];
                CHECK(std::abs(chosen - m) <= 1e-5 * std::max(1.0, std::abs(m)));
                ++near_ties;
              }
            }
        check_close(y.to_vector(), want_y, 1e-5, 1e-5, "y");
        CHECK(near_ties * 100 <= int64_t(got_at.size()));  // ties are rare, not a pattern
        std::vector<double> want_dx(size_t(g.x_size()), 0.0), want_dw(size_t(g.w_size()), 0.0),
            want_db(size_t(g.K), 0.0);
        ref::conv2d_backward_data(g, dz.data(), wd.data(), want_dx.data());
        ref::conv2d_backward_filter(g, xd.data(), dz.data(), want_dw.data(), want_db.data());
        check_close(dx.to_vector(), want_dx, 1e-4, 1e-5, "dx");
        check_close(dw.to_vector(), want_dw, 1e-4, 1e-4, "dw");
        check_close(db.to_vector(), want_db, 1e-4, 1e-4, "db");
      }
}

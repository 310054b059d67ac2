// Convolution kernels: the reference against finite differences and a hand example, the
// CPU kernels against the reference on many geometries, accumulation, and bit-identical
// results for 1 and 2 OpenMP threads.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "engine/geometry.h"
#include "engine/random.h"
#include "kernels/cpu/conv.h"
#include "kernels/reference/conv.h"

namespace {

using sg::ConvGeom;
using Vec = std::vector<double>;
using FVec = std::vector<float>;

ConvGeom geom(int64_t N, int64_t C, int64_t H, int64_t W, int64_t K, int64_t R, int64_t S,
              int64_t ph, int64_t pw) {
  ConvGeom g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.K = K, g.R = R, g.S = S, g.pad_h = ph, g.pad_w = pw;
  return g;
}

// Uniform values in [-1, 1) that are exact floats, so float and double runs see the same.
Vec random_values(int64_t n, uint64_t seed) {
  sg::Rng rng(seed);
  Vec v(static_cast<size_t>(n));
  for (auto& e : v) e = double(float(rng.uniform(-1.0, 1.0)));
  return v;
}

FVec to_float(const Vec& v) { return FVec(v.begin(), v.end()); }

// |a - b| <= tol·(1 + |b|) elementwise; reports the first mismatch.
void check_close(const FVec& got, const Vec& want, const std::string& what,
                 double tol = 1e-4) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i)
    if (std::abs(double(got[i]) - want[i]) > tol * (1.0 + std::abs(want[i]))) {
      FAIL_CHECK(what << "[" << i << "]: cpu " << got[i] << " vs reference " << want[i]);
      return;
    }
}

// sum_i y_i·dy_i with y = ref conv(x, w, b): its gradients are the backward passes.
double loss(const ConvGeom& g, const Vec& x, const Vec& w, const Vec& b, const Vec& dy) {
  Vec y(size_t(g.y_size()));
  sg::ref::conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
  double L = 0.0;
  for (size_t i = 0; i < y.size(); ++i) L += y[i] * dy[i];
  return L;
}

// Central difference of loss() along each entry of `v` (one of x, w, b).
Vec finite_differences(const ConvGeom& g, Vec& v, Vec& x, Vec& w, Vec& b, const Vec& dy) {
  const double h = 1e-3;
  Vec grad(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const double keep = v[i];
    v[i] = keep + h;
    const double up = loss(g, x, w, b, dy);
    v[i] = keep - h;
    const double down = loss(g, x, w, b, dy);
    v[i] = keep;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

// Runs every CPU entry point on `g` against the reference, accumulating onto nonzero
// gradients so that an overwrite would show.
void compare_with_reference(const ConvGeom& g, bool with_bias) {
  const Vec x = random_values(g.x_size(), 1), w = random_values(g.w_size(), 2),
            b = random_values(g.K, 3), dy = random_values(g.y_size(), 4),
            dx0 = random_values(g.x_size(), 5), dw0 = random_values(g.w_size(), 6),
            db0 = random_values(g.K, 7);

  Vec y(size_t(g.y_size()));
  sg::ref::conv2d_forward(g, x.data(), w.data(), with_bias ? b.data() : nullptr, y.data());
  FVec fy(y.size(), 123.0f);  // garbage: the forward must overwrite it
  const FVec fx = to_float(x), fw = to_float(w), fb = to_float(b), fdy = to_float(dy);
  sg::cpu::conv2d_forward(g, fx.data(), fw.data(), with_bias ? fb.data() : nullptr, fy.data());
  check_close(fy, y, "y");

  Vec dx = dx0;
  FVec fdx = to_float(dx0);
  sg::ref::conv2d_backward_data(g, dy.data(), w.data(), dx.data());
  sg::cpu::conv2d_backward_data(g, fdy.data(), fw.data(), fdx.data());
  check_close(fdx, dx, "dx");

  Vec dw = dw0, db = db0;
  FVec fdw = to_float(dw0), fdb = to_float(db0);
  sg::ref::conv2d_backward_filter(g, x.data(), dy.data(), dw.data(),
                                  with_bias ? db.data() : nullptr);
  sg::cpu::conv2d_backward_filter(g, fx.data(), fdy.data(), fdw.data(),
                                  with_bias ? fdb.data() : nullptr);
  check_close(fdw, dw, "dw");
  check_close(fdb, db, "db");  // untouched (= db0) on both sides when db is null
}

}  // namespace

TEST_CASE("ref conv2d forward: hand-computed 2x2 box filter with padding") {
  // x = [1 2 3; 4 5 6; 7 8 9], w = ones(2,2), b = 10, pad 1 on each side -> 4x4 output of
  // window sums (the padding reads as 0).
  const ConvGeom g = geom(1, 1, 3, 3, 1, 2, 2, 1, 1);
  const Vec x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, 1, 1, 1}, b = {10};
  Vec y(size_t(g.y_size()));
  sg::ref::conv2d_forward(g, x.data(), w.data(), b.data(), y.data());
  const Vec want = {11, 13, 15, 13, 15, 22, 26, 19, 21, 34, 38, 25, 17, 25, 27, 19};
  for (size_t i = 0; i < want.size(); ++i) CHECK(y[i] == want[i]);
}

TEST_CASE("ref conv2d backward passes match finite differences of sum(y*dy)") {
  for (const ConvGeom& g : {geom(2, 2, 5, 4, 3, 3, 2, 1, 1), geom(1, 3, 1, 7, 2, 1, 3, 0, 1),
                            geom(2, 1, 4, 4, 2, 3, 3, 2, 2)}) {
    Vec x = random_values(g.x_size(), 11), w = random_values(g.w_size(), 12),
        b = random_values(g.K, 13);
    const Vec dy = random_values(g.y_size(), 14);
    const Vec fd_x = finite_differences(g, x, x, w, b, dy);
    const Vec fd_w = finite_differences(g, w, x, w, b, dy);
    const Vec fd_b = finite_differences(g, b, x, w, b, dy);

    Vec dx(x.size(), 0.0), dw(w.size(), 0.0), db(b.size(), 0.0);
    sg::ref::conv2d_backward_data(g, dy.data(), w.data(), dx.data());
    sg::ref::conv2d_backward_filter(g, x.data(), dy.data(), dw.data(), db.data());
    for (size_t i = 0; i < dx.size(); ++i) CHECK(dx[i] == doctest::Approx(fd_x[i]).epsilon(1e-8));
    for (size_t i = 0; i < dw.size(); ++i) CHECK(dw[i] == doctest::Approx(fd_w[i]).epsilon(1e-8));
    for (size_t i = 0; i < db.size(); ++i) CHECK(db[i] == doctest::Approx(fd_b[i]).epsilon(1e-8));

    // Accumulation: starting from dx0 gives exactly dx0 + (the result from zero).
    const Vec dx0 = random_values(g.x_size(), 15), dw0 = random_values(g.w_size(), 16);
    Vec dx_acc = dx0, dw_acc = dw0;
    sg::ref::conv2d_backward_data(g, dy.data(), w.data(), dx_acc.data());
    sg::ref::conv2d_backward_filter(g, x.data(), dy.data(), dw_acc.data(), nullptr);
    for (size_t i = 0; i < dx.size(); ++i) CHECK(dx_acc[i] == dx0[i] + dx[i]);
    for (size_t i = 0; i < dw.size(); ++i) CHECK(dw_acc[i] == dw0[i] + dw[i]);
  }
}

TEST_CASE("cpu conv2d matches the reference") {
  struct Case {
    const char* name;
    ConvGeom g;
  };
  const Case cases[] = {
      {"Difference conv1 scaled (C=1 K=16 10x10 valid)", geom(2, 1, 10, 10, 16, 3, 3, 0, 0)},
      {"Difference conv2 scaled (C=16 K=32 6x6 valid)", geom(2, 16, 6, 6, 32, 3, 3, 0, 0)},
      {"Difference conv3 scaled (C=32 K=16 5x5 valid)", geom(1, 32, 5, 5, 16, 3, 3, 0, 0)},
      {"same padding 3x3", geom(2, 3, 8, 8, 4, 3, 3, 1, 1)},
      {"1-D valid (H=1, 1x3)", geom(3, 4, 1, 20, 5, 1, 3, 0, 0)},
      {"1-D same (H=1, 1x3, pad_w=1)", geom(3, 4, 1, 20, 5, 1, 3, 0, 1)},
      {"odd 7x5 valid, N=1", geom(1, 2, 7, 5, 3, 3, 3, 0, 0)},
      {"odd 7x5 same, N=5", geom(5, 3, 7, 5, 2, 3, 3, 1, 1)},
      {"pointwise 1x1", geom(2, 6, 5, 7, 4, 1, 1, 0, 0)},
      {"few taps, 1 channel 3x3, 7x9 pixels (not a multiple of 16), K=5",
       geom(2, 1, 9, 11, 5, 3, 3, 0, 0)},
      {"few taps, 1-D model conv1 (C=1, 1x3 same, 40 pixels)", geom(3, 1, 1, 40, 16, 1, 3, 0, 1)},
      {"few taps, 2 channels 2x2 same-ish, pad 1", geom(2, 2, 6, 7, 3, 2, 2, 1, 1)},
      {"full padding (transposed conv, pad = R-1)", geom(2, 3, 4, 5, 2, 3, 3, 2, 2)},
      {"2x3 kernel, pad 1x2", geom(2, 2, 5, 6, 3, 2, 3, 1, 2)},
      {"N=21 (uneven batch chunks)", geom(21, 2, 6, 5, 3, 3, 3, 1, 1)},
      {"padding wider than the kernel (pad 3, 3x3)", geom(2, 2, 4, 3, 2, 3, 3, 3, 3)},
      {"1-D input narrower than the kernel (W=2, 1x3, pad_w=1)", geom(2, 2, 1, 2, 3, 1, 3, 0, 1)},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    compare_with_reference(c.g, true);
    compare_with_reference(c.g, false);
  }
}

TEST_CASE("cpu conv2d is bit-identical for 1 and 2 OpenMP threads") {
  const int saved = omp_get_max_threads();
  for (const ConvGeom& g : {geom(20, 16, 12, 12, 32, 3, 3, 0, 0), geom(5, 3, 9, 7, 4, 3, 3, 1, 1),
                            geom(17, 4, 1, 30, 8, 1, 3, 0, 1)}) {
    const FVec x = to_float(random_values(g.x_size(), 21)),
               w = to_float(random_values(g.w_size(), 22)), b = to_float(random_values(g.K, 23)),
               dy = to_float(random_values(g.y_size(), 24));
    FVec y[2], dx[2], dw[2], db[2];
    for (int t = 0; t < 2; ++t) {
      omp_set_num_threads(t + 1);
      y[t].assign(size_t(g.y_size()), 0.0f);
      dx[t].assign(size_t(g.x_size()), 0.5f);
      dw[t].assign(size_t(g.w_size()), 0.5f);
      db[t].assign(size_t(g.K), 0.5f);
      sg::cpu::conv2d_forward(g, x.data(), w.data(), b.data(), y[t].data());
      sg::cpu::conv2d_backward_data(g, dy.data(), w.data(), dx[t].data());
      sg::cpu::conv2d_backward_filter(g, x.data(), dy.data(), dw[t].data(), db[t].data());
    }
    omp_set_num_threads(saved);
    auto same = [](const FVec& a, const FVec& b) {
      return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
    };
    CHECK(same(y[0], y[1]));
    CHECK(same(dx[0], dx[1]));
    CHECK(same(dw[0], dw[1]));
    CHECK(same(db[0], db[1]));
  }
  CHECK(omp_get_max_threads() == saved);
}

TEST_CASE("conv2d backward skips null gradients, and db alone matches the reference") {
  const ConvGeom g = geom(3, 2, 6, 5, 4, 3, 3, 1, 1);
  const Vec x = random_values(g.x_size(), 41), w = random_values(g.w_size(), 42),
            dy = random_values(g.y_size(), 43);
  Vec db(size_t(g.K), 0.25);
  sg::ref::conv2d_backward_data(g, dy.data(), w.data(), nullptr);
  sg::ref::conv2d_backward_filter(g, x.data(), dy.data(), nullptr, db.data());
  const FVec fx = to_float(x), fw = to_float(w), fdy = to_float(dy);
  FVec fdb(size_t(g.K), 0.25f);
  sg::cpu::conv2d_backward_data(g, fdy.data(), fw.data(), nullptr);
  sg::cpu::conv2d_backward_filter(g, fx.data(), fdy.data(), nullptr, fdb.data());
  check_close(fdb, db, "db");
}

TEST_CASE("conv2d rejects a kernel larger than the padded input") {
  const ConvGeom g = geom(1, 1, 2, 2, 1, 3, 3, 0, 0);
  float f = 0;
  double d = 0;
  CHECK_THROWS(sg::cpu::conv2d_forward(g, &f, &f, nullptr, &f));
  CHECK_THROWS(sg::ref::conv2d_forward(g, &d, &d, nullptr, &d));
}

// Max-pooling kernels: the reference on a hand example and against finite differences,
// the CPU kernels against the reference (odd sizes, ties, 1-D windows), accumulation,
// and thread-count independence.
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/geometry.h"
#include "engine/random.h"
#include "kernels/cpu/maxpool.h"
#include "kernels/reference/maxpool.h"

namespace {

using sg::PoolGeom;
using Vec = std::vector<double>;
using FVec = std::vector<float>;

PoolGeom pool(int64_t N, int64_t C, int64_t H, int64_t W, int64_t ph, int64_t pw) {
  PoolGeom g;
  g.N = N, g.C = C, g.H = H, g.W = W, g.ph = ph, g.pw = pw;
  return g;
}

// Exact-float values in [-1, 1), or small integers 0..levels-1 when levels > 0 (many ties).
Vec random_values(int64_t n, uint64_t seed, int levels = 0) {
  sg::Rng rng(seed);
  Vec v(static_cast<size_t>(n));
  for (auto& e : v)
    e = levels > 0 ? double(rng.below(uint64_t(levels))) : double(float(rng.uniform(-1, 1)));
  return v;
}

FVec to_float(const Vec& v) { return FVec(v.begin(), v.end()); }

// Forward and backward (onto a nonzero dx) of the CPU kernels against the reference.
// y only selects, so it must be exact; dx = dx0 + dy differs by the float rounding of one add.
void compare_with_reference(const PoolGeom& g, int levels) {
  const Vec x = random_values(g.x_size(), 1, levels), dy = random_values(g.y_size(), 2),
            dx0 = random_values(g.x_size(), 3);
  Vec y(size_t(g.y_size())), dx = dx0;
  sg::ref::maxpool2d_forward(g, x.data(), y.data());
  sg::ref::maxpool2d_backward(g, x.data(), y.data(), dy.data(), dx.data());

  const FVec fx = to_float(x), fdy = to_float(dy);
  FVec fy(y.size(), 123.0f), fdx = to_float(dx0);
  sg::cpu::maxpool2d_forward(g, fx.data(), fy.data());
  sg::cpu::maxpool2d_backward(g, fx.data(), fy.data(), fdy.data(), fdx.data());
  for (size_t i = 0; i < y.size(); ++i) REQUIRE(double(fy[i]) == y[i]);
  for (size_t i = 0; i < dx.size(); ++i) REQUIRE(double(fdx[i]) == doctest::Approx(dx[i]));
}

}  // namespace

TEST_CASE("ref maxpool2d: hand example, 5x5 input, floor mode") {
  const PoolGeom g = pool(1, 1, 5, 5, 2, 2);
  const Vec x = {1, 9, 2, 3, 99,   //
                 4, 5, 8, 8, 99,   //
                 7, 7, 0, 1, 99,   //
                 7, 6, 1, 0, 99,   //
                 99, 99, 99, 99, 99};
  Vec y(4), dy = {1, 2, 3, 4}, dx(25, 0.0);
  sg::ref::maxpool2d_forward(g, x.data(), y.data());
  CHECK(y == Vec{9, 8, 7, 1});
  sg::ref::maxpool2d_backward(g, x.data(), y.data(), dy.data(), dx.data());
  Vec want(25, 0.0);
  want[1] = 1;   // 9
  want[7] = 2;   // first of the two 8s
  want[10] = 3;  // first of the three 7s
  want[13] = 4;  // first 1 (row-major: (2,3) comes before (3,2))
  CHECK(dx == want);  // the last row and column (99s) fill no window: no gradient
}

TEST_CASE("ref maxpool2d backward matches finite differences of sum(y*dy)") {
  const PoolGeom g = pool(2, 2, 5, 7, 2, 3);
  Vec x = random_values(g.x_size(), 11);  // distinct values: the max is locally linear
  const Vec dy = random_values(g.y_size(), 12);
  auto loss = [&](const Vec& xs) {
    Vec y(size_t(g.y_size()));
    sg::ref::maxpool2d_forward(g, xs.data(), y.data());
    double L = 0;
    for (size_t i = 0; i < y.size(); ++i) L += y[i] * dy[i];
    return L;
  };
  Vec y(size_t(g.y_size())), dx(x.size(), 0.0);
  sg::ref::maxpool2d_forward(g, x.data(), y.data());
  sg::ref::maxpool2d_backward(g, x.data(), y.data(), dy.data(), dx.data());
  const double h = 1e-6;  // far below the gap between distinct values
  for (size_t i = 0; i < x.size(); ++i) {
    const double keep = x[i];
    x[i] = keep + h;
    const double up = loss(x);
    x[i] = keep - h;
    const double down = loss(x);
    x[i] = keep;
    CHECK(dx[i] == doctest::Approx((up - down) / (2 * h)).epsilon(1e-6));
  }
}

TEST_CASE("cpu maxpool2d matches the reference") {
  SUBCASE("2x2 on odd 7x9 (floor)") { compare_with_reference(pool(2, 3, 7, 9, 2, 2), 0); }
  SUBCASE("2x2 on even 8x6, N=5") { compare_with_reference(pool(5, 2, 8, 6, 2, 2), 0); }
  SUBCASE("1-D 1x2 on H=1, W=11") { compare_with_reference(pool(3, 4, 1, 11, 1, 2), 0); }
  SUBCASE("3x2 window") { compare_with_reference(pool(2, 2, 7, 5, 3, 2), 0); }
  SUBCASE("many ties (values 0..2)") { compare_with_reference(pool(2, 3, 9, 7, 2, 2), 3); }
  SUBCASE("1-D with ties") { compare_with_reference(pool(2, 2, 1, 13, 1, 2), 2); }
}

TEST_CASE("cpu maxpool2d: constant input sends each gradient to the window's first element") {
  const PoolGeom g = pool(2, 2, 5, 7, 2, 2);  // floor: row 4 and column 6 fill no window
  const FVec x(size_t(g.x_size()), 1.5f), dy(size_t(g.y_size()), 1.0f);
  FVec y(size_t(g.y_size())), dx(size_t(g.x_size()), 0.25f);
  sg::cpu::maxpool2d_forward(g, x.data(), y.data());
  for (float v : y) CHECK(v == 1.5f);
  sg::cpu::maxpool2d_backward(g, x.data(), y.data(), dy.data(), dx.data());
  for (int64_t p = 0; p < g.N * g.C; ++p)
    for (int64_t i = 0; i < g.H; ++i)
      for (int64_t j = 0; j < g.W; ++j) {
        const bool first = i % 2 == 0 && j % 2 == 0 && i < 4 && j < 6;
        CHECK(dx[size_t((p * g.H + i) * g.W + j)] == (first ? 1.25f : 0.25f));
      }
}

TEST_CASE("maxpool2d backward skips a null dx") {
  const PoolGeom g = pool(1, 1, 4, 4, 2, 2);
  const Vec x(16, 1.0), y(4, 1.0), dy(4, 1.0);
  const FVec fx(16, 1.0f), fy(4, 1.0f), fdy(4, 1.0f);
  CHECK_NOTHROW(sg::ref::maxpool2d_backward(g, x.data(), y.data(), dy.data(), nullptr));
  CHECK_NOTHROW(sg::cpu::maxpool2d_backward(g, fx.data(), fy.data(), fdy.data(), nullptr));
}

TEST_CASE("cpu maxpool2d is bit-identical for 1 and 2 OpenMP threads") {
  const int saved = omp_get_max_threads();
  const PoolGeom g = pool(6, 5, 11, 9, 2, 2);
  const FVec x = to_float(random_values(g.x_size(), 31, 4)),
             dy = to_float(random_values(g.y_size(), 32));
  FVec y[2], dx[2];
  for (int t = 0; t < 2; ++t) {
    omp_set_num_threads(t + 1);
    y[t].assign(size_t(g.y_size()), 0.0f);
    dx[t].assign(size_t(g.x_size()), 0.0f);
    sg::cpu::maxpool2d_forward(g, x.data(), y[t].data());
    sg::cpu::maxpool2d_backward(g, x.data(), y[t].data(), dy.data(), dx[t].data());
  }
  omp_set_num_threads(saved);
  CHECK(std::memcmp(y[0].data(), y[1].data(), y[0].size() * 4) == 0);
  CHECK(std::memcmp(dx[0].data(), dx[1].data(), dx[0].size() * 4) == 0);
  CHECK(omp_get_max_threads() == saved);
}

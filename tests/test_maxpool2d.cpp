// Max pooling ops (2-D 2×2 and 1-D 2) through autograd on every backend, and the
// reference on a hand example with ties. The kernels themselves are the op table's.
#include <algorithm>

#include "kernels/reference/maxpool2d.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

namespace {
// Distinct values (no ties), so finite differences never switch the maximum.
Tensor distinct_tensor(const Shape& s, uint64_t seed, Device d) {
  Tensor t = Tensor::from_vector(distinct_values(shape_numel(s), seed), s, d);
  t.set_requires_grad(true);
  return t;
}
}  // namespace

TEST_CASE("ref maxpool2d: hand example, 5x5 input, floor mode, ties go to the first") {
  const PoolGeom g{1, 1, 5, 5, 2, 2};
  const std::vector<double> x = {1, 9, 2, 3, 99,   //
                                 4, 5, 8, 8, 99,   //
                                 7, 7, 0, 1, 99,   //
                                 7, 6, 1, 0, 99,   //
                                 99, 99, 99, 99, 99};
  std::vector<double> y(4), dy = {1, 2, 3, 4}, dx(25, 0.0);
  ref::maxpool2d_forward(g, x.data(), y.data());
  CHECK(y == std::vector<double>{9, 8, 7, 1});
  ref::maxpool2d_backward(g, x.data(), y.data(), dy.data(), dx.data());
  std::vector<double> want(25, 0.0);
  want[1] = 1;   // 9
  want[7] = 2;   // first of the two 8s
  want[10] = 3;  // first of the three 7s
  want[13] = 4;  // first 1 (row-major: (2,3) comes before (3,2))
  CHECK(dx == want);  // the last row and column (99s) fill no window: no gradient
}

TEST_CASE("maxpool2d: odd sizes floor, forward against the reference, gradients") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor x = distinct_tensor({2, 3, 7, 5}, 30, d);
    Tensor y = maxpool2d(x);
    REQUIRE(y.shape() == Shape{2, 3, 3, 2});
    PoolGeom g{2, 3, 7, 5, 2, 2};
    std::vector<double> vx = to_double(x), want(size_t(g.y_size()));
    ref::maxpool2d_forward(g, vx.data(), want.data());
    check_close(y.to_vector(), want, 0, 0, "maxpool2d");
    gradcheck("maxpool2d", [](auto& t) { return maxpool2d(t[0]); }, {x}, {1e-3, 1e-2, 1e-3});
  }
}

TEST_CASE("maxpool1d halves the length (floor)") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor x = distinct_tensor({3, 2, 9}, 31, d);
    Tensor y = maxpool1d(x);
    REQUIRE(y.shape() == Shape{3, 2, 4});
    std::vector<float> vx = x.to_vector(), vy = y.to_vector();
    for (int64_t p = 0; p < 6; ++p)
      for (int64_t j = 0; j < 4; ++j)
        CHECK(vy[size_t(p * 4 + j)] == std::max(vx[size_t(p * 9 + 2 * j)], vx[size_t(p * 9 + 2 * j + 1)]));
    gradcheck("maxpool1d", [](auto& t) { return maxpool1d(t[0]); }, {x}, {1e-3, 1e-2, 1e-3});
  }
}

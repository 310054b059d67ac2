// Max pooling ops (2-D 2×2 and 1-D 2) through autograd on every backend.
#include <algorithm>
#include <numeric>

#include "kernels/reference/maxpool.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

namespace {
// Distinct values 0.01 apart in shuffled order: no ties, so finite differences with a
// small eps never switch the maximum.
Tensor distinct_tensor(const Shape& s, uint64_t seed, Device d) {
  std::vector<float> v(size_t(shape_numel(s)));
  std::iota(v.begin(), v.end(), 0.0f);
  Rng rng(seed);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
  for (float& f : v) f *= 0.01f;
  Tensor t = Tensor::from_vector(v, s, d);
  t.set_requires_grad(true);
  return t;
}
}  // namespace

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
    gradcheck("maxpool2d", [](auto& t) { return maxpool2d(t[0]); }, {x}, 1e-3, 1e-2);
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
    gradcheck("maxpool1d", [](auto& t) { return maxpool1d(t[0]); }, {x}, 1e-3, 1e-2);
  }
}

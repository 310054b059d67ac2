// mul through autograd: y = a·b; da += g·b, db += g·a.
#include "tests/elementwise_op.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("mul: y = a·b on every backend; da += g·b, db += g·a") {
  check_binary_op("mul", mul, [](double a, double b) { return a * b; });
}

// The first contribution to a gradient assigns instead of adding to a zero fill
// (engine/ops/common.h, grad_or_null_for_overwrite): x·x gets 2x, and x used by mul and
// again by a sum, in either order of the backward, gets m + 1; a gradient that existed
// before the backward (a parameter's, kept between steps) is added to, not overwritten.
TEST_CASE("mul: a first gradient contribution is assigned, later ones add") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    const std::vector<float> xv = {1.5f, -2.0f, 0.25f, 3.0f}, mv = {2.0f, 0.0f, -1.0f, 0.5f};
    Tensor x = Tensor::from_vector(xv, {4}, d).set_requires_grad(true);
    Tensor m = Tensor::from_vector(mv, {4}, d);
    sum(mul(x, x)).backward();
    std::vector<float> g = x.grad().to_vector();
    for (int i = 0; i < 4; ++i) CHECK(g[size_t(i)] == doctest::Approx(2 * xv[size_t(i)]));
    // The gradient now exists: another backward adds m to it.
    sum(mul(x, m)).backward();
    g = x.grad().to_vector();
    for (int i = 0; i < 4; ++i) CHECK(g[size_t(i)] == doctest::Approx(2 * xv[size_t(i)] + mv[size_t(i)]));
    for (bool mul_first : {true, false}) {
      Tensor z = Tensor::from_vector(xv, {4}, d).set_requires_grad(true);
      Tensor loss = mul_first ? add(sum(mul(z, m)), sum(z)) : add(sum(z), sum(mul(z, m)));
      loss.backward();
      const std::vector<float> gz = z.grad().to_vector();
      for (int i = 0; i < 4; ++i) CHECK(gz[size_t(i)] == doctest::Approx(mv[size_t(i)] + 1));
    }
  }
}

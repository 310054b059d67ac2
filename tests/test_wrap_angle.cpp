// wrap_angle through autograd: an angle difference into one period, identity gradient.
#include <cmath>

#include "kernels/reference/wrap_angle.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("wrap_angle: one-sided and symmetric wraps, identity gradient") {
  const float P = float(2 * M_PI);
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    std::vector<float> v{-6.0f, -3.5f, -0.1f, 0.0f, 0.2f, 3.0f, 3.3f};
    Tensor x = Tensor::from_vector(v, {7}, d);
    for (bool sym : {false, true}) {
      std::vector<double> vx(v.begin(), v.end()), want(7);
      ref::wrap_angle(7, P, sym, vx.data(), want.data());
      check_close(wrap_angle(x, P, sym).to_vector(), want, 1e-6, 1e-6, "wrap");
    }
    // Analytic checks of the rule itself: -0.1 → 2π - 0.1 (one-sided); 3.3 → 3.3 - 2π.
    CHECK(wrap_angle(x, P, false).to_vector()[2] == doctest::Approx(P - 0.1f));
    CHECK(wrap_angle(x, P, true).to_vector()[6] == doctest::Approx(3.3f - P));
    Tensor g = random_tensor({7}, 9, d, true, 0.5f, 1.0f);
    gradcheck("wrap", [P](auto& in) { return wrap_angle(in[0], P, false); }, {g}, {1e-3, 1e-2, 1e-3});
  }
}

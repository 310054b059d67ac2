// sum and mean through autograd: y = Σx (mean: Σx / n); dx += g[0] (mean: g[0]/n).
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("sum and mean reduce in double and back-propagate") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor a = random_tensor({6, 11}, 4, d);
    double s = 0;
    for (double v : to_double(a)) s += v;
    CHECK(sum(a).item() == doctest::Approx(s).epsilon(1e-6));
    CHECK(mean(a).item() == doctest::Approx(s / 66).epsilon(1e-6));
    CHECK(sum(a).shape().empty());
    gradcheck("sum", [](auto& in) { return sum(in[0]); }, {a});
    gradcheck("mean", [](auto& in) { return mean(in[0]); }, {a});
  }
}

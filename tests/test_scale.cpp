// scale through autograd: y = s·x + t; dx += s·g.
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("scale: y = s·x + t on every backend; dx += s·g") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor a = random_tensor({3, 5, 7}, 1, d);
    std::vector<double> want;
    for (double v : to_double(a)) want.push_back(2.5 * v - 0.5);
    check_close(scale(a, 2.5f, -0.5f).to_vector(), want, 1e-6, 1e-6, "scale");
    gradcheck("scale", [](auto& in) { return scale(in[0], -1.5f, 3.0f); }, {a});
  }
}

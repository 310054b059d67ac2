// upsample2x through autograd: nearest-neighbour ×2; dx sums each 2×2 block of g.
#include "kernels/reference/upsample2x.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("upsample2x: nearest neighbour, gradient sums each 2×2 block") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor x = random_tensor({2, 3, 4, 5}, 40, d);
    Tensor y = upsample2x(x);
    REQUIRE(y.shape() == Shape{2, 3, 8, 10});
    std::vector<double> vx = to_double(x), want(size_t(y.numel()));
    ref::upsample2x_forward(6, 4, 5, vx.data(), want.data());
    check_close(y.to_vector(), want, 0, 0, "upsample2x");
    gradcheck("upsample2x", [](auto& t) { return upsample2x(t[0]); }, {x});
  }
}

// atan2 through autograd: the angle head, atan2 of (S, C) pairs.
#include "kernels/reference/atan2.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("atan2 of (S, C) pairs: forward against the reference, backward by differences") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor x = random_tensor({9, 2}, 7, d);
    std::vector<double> vx = to_double(x), want(9);
    ref::atan2_forward(9, vx.data(), want.data());
    check_close(atan2_pairs(x).to_vector(), want, 1e-6, 1e-6, "atan2");
    // Keep |(S, C)| away from 0 so the finite difference is well conditioned.
    Tensor y = random_tensor({9, 2}, 8, d, true, 0.3f, 1.0f);
    gradcheck("atan2", [](auto& in) { return atan2_pairs(in[0]); }, {y}, {1e-3, 1e-2, 1e-3});
    CHECK_THROWS_AS(atan2_pairs(Tensor::zeros({4, 3}, d)), Error);
  }
}

// relu through autograd: y = max(x, 0); dx += g·[x > 0].
#include "kernels/reference/relu.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("relu: forward against the reference, backward by finite differences") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    // Values at least 0.05 away from the kink, so finite differences stay on one side.
    Tensor x = Tensor::from_vector(away_from_zero(300, 3, 0.05f), {4, 3, 5, 5}, d);
    x.set_requires_grad(true);
    std::vector<double> vx = to_double(x), want(vx.size());
    ref::relu_forward(int64_t(vx.size()), vx.data(), want.data());
    check_close(relu(x).to_vector(), want, 0, 0, "relu");
    // eps 1e-3 keeps the perturbation off the kink for these inputs.
    gradcheck("relu", [](auto& in) { return relu(in[0]); }, {x}, {1e-3, 1e-2, 1e-3});
  }
}

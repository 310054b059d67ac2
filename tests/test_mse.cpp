// mse through autograd: y = mean (a-b)²; da += g·2(a-b)/n, db -= g·2(a-b)/n.
#include "kernels/reference/mse.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("mse reduces in double and back-propagates") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor a = random_tensor({6, 11}, 4, d), b = random_tensor({6, 11}, 5, d);
    std::vector<double> va = to_double(a), vb = to_double(b);
    CHECK(mse(a, b).item() ==
          doctest::Approx(ref::mse(int64_t(va.size()), va.data(), vb.data())).epsilon(1e-6));
    CHECK(mse(a, b).shape().empty());
    gradcheck("mse", [](auto& in) { return mse(in[0], in[1]); }, {a, b});
  }
}

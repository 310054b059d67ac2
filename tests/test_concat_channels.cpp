// concat_channels through autograd: y = [a, b] along axis 1; the gradient splits back.
#include "kernels/reference/concat_channels.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("concat_channels joins on axis 1 and splits the gradient back") {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    Tensor a = random_tensor({2, 3, 4, 4}, 41, d), b = random_tensor({2, 5, 4, 4}, 42, d);
    Tensor y = concat_channels(a, b);
    REQUIRE(y.shape() == Shape{2, 8, 4, 4});
    std::vector<double> va = to_double(a), vb = to_double(b), want(size_t(y.numel()));
    ref::concat_channels_forward(2, 3, 5, 16, va.data(), vb.data(), want.data());
    check_close(y.to_vector(), want, 0, 0, "concat");
    gradcheck("concat", [](auto& t) { return concat_channels(t[0], t[1]); }, {a, b});
    CHECK_THROWS_AS(concat_channels(a, Tensor::zeros({2, 5, 4, 3}, d)), Error);
  }
}

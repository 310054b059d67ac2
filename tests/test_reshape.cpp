// reshape, a view: the same memory in another shape; dx += g.
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("reshape shares memory and passes gradients through") {
  for (Device d : backends()) {
    Tensor x = random_tensor({2, 3, 4}, 6, d);
    Tensor y = reshape(x, {6, 4});
    CHECK(y.shape() == Shape{6, 4});
    CHECK(y.data() == x.data());
    CHECK(y.to_vector() == x.to_vector());
    gradcheck("reshape", [](auto& in) { return reshape(in[0], {4, 6}); }, {x});
    CHECK_THROWS_AS(reshape(x, {5, 5}), Error);
  }
}

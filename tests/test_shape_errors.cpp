// The element-wise ops of two tensors and mse check that the shapes agree, and their
// errors name both shapes.
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("shape mismatches throw errors that name both shapes") {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({3, 2});
  for (auto op : {add, sub, mul, mse}) {
    try {
      op(a, b);
      FAIL("no exception");
    } catch (const Error& e) {
      std::string m = e.what();
      CHECK(m.find("[2, 3]") != std::string::npos);
      CHECK(m.find("[3, 2]") != std::string::npos);
    }
  }
}

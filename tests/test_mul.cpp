// mul through autograd: y = a·b; da += g·b, db += g·a.
#include "tests/elementwise_op.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("mul: y = a·b on every backend; da += g·b, db += g·a") {
  check_binary_op("mul", mul, [](double a, double b) { return a * b; });
}

// sub through autograd: y = a - b; da += g, db -= g.
#include "tests/elementwise_op.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("sub: y = a - b on every backend; da += g, db -= g") {
  check_binary_op("sub", sub, [](double a, double b) { return a - b; });
}

// The same seed gives bit-identical training with 1 and 2 OpenMP threads: a few Adam
// steps of the Difference CNN on fixed random images, with dropout on.
#include "tests/cnn_steps.h"

using namespace sg;
using namespace sg::test;

TEST_CASE("training is bit-identical for 1 and 2 threads (2-D and 1-D CNN)") {
  for (Dims dims : {Dims::Two, Dims::One}) {
    auto one = cnn_weights_after_steps(dims, 1, true);
    auto two = cnn_weights_after_steps(dims, 2, true);
    REQUIRE(one.size() == two.size());
    for (size_t i = 0; i < one.size(); ++i) CHECK(one[i] == two[i]);
    // And the same run twice gives the same bits.
    auto again = cnn_weights_after_steps(dims, 1, true);
    CHECK(again == one);
  }
}

// The same seed gives bit-identical training with 1 and 2 OpenMP threads: a few Adam
// steps of the Difference CNN on fixed random images, with dropout on; with the CPU's
// direct and Winograd convs.
#include "tests/cnn_steps.h"
#include "tests/scoped_option.h"

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

// The CPU's Winograd path (kernels/cpu/conv_winograd.h) keeps both: one sample at a time,
// so 1 and 2 threads and the fused and unfused conv blocks give the same bits. It is a
// different rounding from the direct path, so the weights differ from the direct run's.
TEST_CASE("training with the CPU's Winograd convs is bit-identical for 1 and 2 threads") {
  Backend& cpu = backend_for(Device::CPU);
  std::vector<std::vector<float>> direct;
  {
    ScopedOption off(cpu, "winograd", "off");
    direct = cnn_weights_after_steps(Dims::Two, 1, true);
  }
  ScopedOption all(cpu, "winograd", "all");
  auto one = cnn_weights_after_steps(Dims::Two, 1, true);
  CHECK(cnn_weights_after_steps(Dims::Two, 2, true) == one);
  CHECK(cnn_weights_after_steps(Dims::Two, 1, false) == one);
  CHECK(one != direct);
}

// Both CPU conv paths (kernels/cpu/conv_path.h: direct loops, or im2col + GEMM) sum the
// weight gradient over the batch in fixed chunks and treat each sample alone otherwise:
// 1 and 2 threads, and the fused and unfused conv blocks, give the same bits with either;
// the two round differently.
TEST_CASE("training with each CPU conv path is bit-identical for 1 and 2 threads") {
  Backend& cpu = backend_for(Device::CPU);
  std::vector<std::vector<float>> first[2];
  int i = 0;
  for (const char* f : {"direct", "gemm"}) {
    CAPTURE(f);
    ScopedOption grad(cpu, "conv_path", f);
    first[i] = cnn_weights_after_steps(Dims::Two, 1, true);
    CHECK(cnn_weights_after_steps(Dims::Two, 2, true) == first[i]);
    CHECK(cnn_weights_after_steps(Dims::Two, 1, false) == first[i]);
    ++i;
  }
  CHECK(first[0] != first[1]);
}

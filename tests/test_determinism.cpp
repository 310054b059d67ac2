// The same seed gives bit-identical training with 1 and 2 OpenMP threads: a few Adam
// steps of the Difference CNN on fixed random images, with dropout on.
#include <omp.h>

#include "engine/optim/optimizer.h"
#include "models/difference.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

namespace {
std::vector<std::vector<float>> train_steps(int threads, Dims dims) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  auto cnn = make_difference_cnn(dims);
  Rng rng(123);
  const int64_t size = dims == Dims::Two ? 32 : 64;
  Shape in = difference_input_shape(dims, size);
  cnn->build(in, rng, Device::CPU);
  Adam opt(cnn->parameters());
  Shape batch{16};
  batch.insert(batch.end(), in.begin(), in.end());
  for (int step = 0; step < 3; ++step) {
    Tensor x = random_tensor(batch, 200 + step, Device::CPU, false, 0.0f, 1.0f);
    Tensor target = random_tensor({16, 2}, 300 + step, Device::CPU, false);
    Context ctx{true, 99, uint64_t(step) * 100};
    opt.zero_grad();
    mse(cnn->forward(x, ctx), target).backward();
    opt.step();
  }
  std::vector<std::vector<float>> w;
  for (NamedTensor& p : cnn->parameters()) w.push_back(p.tensor.to_vector());
  omp_set_num_threads(saved);
  return w;
}
}  // namespace

TEST_CASE("training is bit-identical for 1 and 2 threads (2-D and 1-D CNN)") {
  for (Dims dims : {Dims::Two, Dims::One}) {
    auto one = train_steps(1, dims), two = train_steps(2, dims);
    REQUIRE(one.size() == two.size());
    for (size_t i = 0; i < one.size(); ++i) CHECK(one[i] == two[i]);
    // And training moved the weights at all.
    auto again = train_steps(1, dims);
    CHECK(again == one);
  }
}

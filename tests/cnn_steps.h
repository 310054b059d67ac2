// A few Adam steps of the Difference CNN on fixed random images with dropout on: the
// workload of the tests that compare two ways of running the same training (thread
// counts, fused or unfused conv blocks), which must give the same bits.
#pragma once
#include <omp.h>

#include <vector>

#include "engine/optim/optimizer.h"
#include "models/difference.h"
#include "tests/op_harness.h"

namespace sg::test {

// The weights after 3 steps with `threads` OpenMP threads and conv-block fusion on or off.
inline std::vector<std::vector<float>> cnn_weights_after_steps(Dims dims, int threads,
                                                               bool fuse) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  auto cnn = make_difference_cnn(dims);
  cnn->set_fusion(fuse);
  Rng rng(123);
  const Shape in = difference_input_shape(dims, dims == Dims::Two ? 32 : 64);
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

}  // namespace sg::test

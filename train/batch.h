// Turning a Dataset (data/pairs.h) into tensors: the first and second images of the
// chosen pairs as [B, 1, H, W] (or [B, 1, L] for projections), on the training device.
#pragma once
#include <cstdint>
#include <vector>

#include "data/pairs.h"
#include "engine/tensor.h"

namespace sg {

struct PairBatch {
  Tensor first, second;            // images at θ and θ + δ
  std::vector<float> theta_deg;    // ground truth: evaluation and supervised mode only;
                                   // empty when the dataset has no angles
};

// Pairs idx[begin, end) of `ds`.
PairBatch make_batch(const Dataset& ds, const std::vector<int64_t>& idx, size_t begin,
                     size_t end, Device device);

// (sin nθ, cos nθ) rows [B, 2] for the supervised ("cheat") mode.
Tensor supervised_targets(const std::vector<float>& theta_deg, int order, Device device);

}  // namespace sg

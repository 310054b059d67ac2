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
  Tensor target_first, target_second;  // mode supervised: (sin nθ, cos nθ) rows [B, 2] of
                                       // θ and θ + δ (train_step.h); empty otherwise
};

// A batch on the host, as the training step uploads it (train/train_step.h): both images
// of each pair and, when asked for, the supervised targets of both.
struct HostBatch {
  Shape shape;  // of `first` and `second`: [B, 1, H, W] or [B, 1, L]
  std::vector<float> first, second, target_first, target_second, theta_deg;
};

// Pairs idx[begin, end) of `ds`; with `targets_of_order` n > 0 also the targets
// (sin nθ, cos nθ) of θ and θ + delta_deg.
HostBatch gather_batch(const Dataset& ds, const std::vector<int64_t>& idx, size_t begin, size_t end,
                       int targets_of_order = 0, double delta_deg = 0);

// Pairs idx[begin, end) of `ds`, on `device` (no targets).
PairBatch make_batch(const Dataset& ds, const std::vector<int64_t>& idx, size_t begin,
                     size_t end, Device device);

// (sin nθ, cos nθ) rows [B, 2] for the supervised ("cheat") mode.
std::vector<float> supervised_target_values(const std::vector<float>& theta_deg, int order);

}  // namespace sg

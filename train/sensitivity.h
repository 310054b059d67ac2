// How much a U-Net's output depends on the angle it is given (report §3.2: "the skip
// connections ... allow the model to minimise loss without using the bottleneck").
//
// On unseen pairs, with dropout off, the decoder draws the second image from the first
// image's angle + δ + Δ for several Δ. The output change
//   model(Δ) = mean_pairs mse(D(x₁, δ + Δ), D(x₁, δ))
// is set against the change of the real image over the same rotation,
//   truth(Δ) = mean_pairs mse(x(θ + δ + Δ), x(θ + δ)),
// generated with the same particles (same seed and sample counters, stereo angle δ + Δ).
// ratio = model/truth is near 1 for a decoder that draws the angle it is given, and near
// 0 for one that ignores it.
#pragma once
#include <vector>

#include <nlohmann/json.hpp>

#include "models/unet.h"
#include "train/config.h"

namespace sg {

struct ShiftSensitivity {
  double shift_deg = 0;
  double model_change = 0;  // mean mse(D(x₁, δ + Δ), D(x₁, δ))
  double true_change = 0;   // mean mse(x(θ + δ + Δ), x(θ + δ))
  double ratio() const { return true_change > 0 ? model_change / true_change : 0; }
};

struct Sensitivity {
  int64_t pairs = 0;
  double image_mse = 0;  // mse(D(x₁, δ), x₂): the training objective on unseen pairs
  double self_mse = 0;   // mse(D(x₁, 0), x₁)
  std::vector<ShiftSensitivity> shifts;
};

// The Δ measured: 0.5° … 45° (half the square's period).
const std::vector<double>& sensitivity_shifts_deg();

// On `pairs` unseen pairs of `config` (config.data's δ must leave room for δ + 45° < 180°).
Sensitivity angle_sensitivity(UNetModel& model, const TrainConfig& config, int64_t pairs);
nlohmann::json to_json(const Sensitivity& s);

}  // namespace sg

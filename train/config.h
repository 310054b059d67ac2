// A training run's every number, read from a JSON file (configs/ ships one per experiment
// of the report). Unknown keys, wrong types and out-of-range values are errors that name
// the key; keys left out take the defaults below (the report's §3.1 settings).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/pairs.h"
#include "models/angle_heatmap.h"
#include "models/difference.h"

namespace sg {

struct TrainConfig {
  std::string name = "difference-squares-10deg";
  std::string model = "difference2d";     // difference2d | difference1d | heatmap1d | heatmap2d | unet | autoencoder
  // The Difference Model's widths (keys "filters", "dense"); default = the report's net.
  DifferenceWidth width;
  std::string mode = "stereo";            // stereo (self-supervised) | supervised (cheat)
  // Mode supervised: "first" trains on each pair's first image (the report's check),
  // "both" on both, the second's label θ + δ (twice the images from one folder).
  std::string supervised_images = "first";
  std::string curriculum = "similarity";  // similarity | angle_range (ground truth) | none
  std::vector<double> stages{0.02, 0.10, 0.25, 0.33, 1.0};  // fractions of the ranking
  int64_t epochs_per_stage = 5;
  int64_t final_epochs = 5;               // then this many more on everything
  int64_t batch = 64;
  // Pairs per epoch: 0 = the stage's subset once (the report's literal schedule, only
  // two steps per epoch in the 2 % stage); N = N pairs cycled from the subset.
  int64_t epoch_pairs = 0;
  double lr = 1e-3;                       // Adam, Keras defaults otherwise
  double final_lr = 0;                    // lr of the final epochs; 0 = lr
  double lr_at(int64_t epoch) const {
    return final_lr > 0 && stage_at(epoch) >= int64_t(stages.size()) ? final_lr : lr;
  }
  std::string wrap = "symmetric";         // report (add 2π when negative) | symmetric | centred
  uint64_t seed = 1;                      // weights, reference image, shuffles, dropout
  int64_t eval_pairs = 1000;              // unseen pairs for the accuracy table
  // Inference reads each 2-D image at this many quarter turns (1, 2 or 4) and averages
  // the angles (train/predict_angles.h); eval and predict both.
  int test_rotations = 1;
  GenParams data;                         // the training pairs (data.count of them)
  // data.path: a dataset folder (docs/data.md, "Training from a folder") to train on
  // instead of generating; "" = generate. data's other keys then still describe the
  // unseen evaluation pairs, the model's size and the shape's order.
  std::string data_path;
  // The "unet" section, read for model unet (with skips) or autoencoder (without);
  // models/unet.h describes each.
  struct UNet {
    std::string bottleneck = "angle";     // angle (the report's) | sincos
    double dropout = 0.1;
    double self_weight = 0;               // weight of reconstructing x₁ from its own angle
  } unet;
  bool is_unet() const { return model == "unet" || model == "autoencoder"; }
  // The "heatmap" section, read for models heatmap1d and heatmap2d (models/angle_heatmap.h).
  HeatmapOptions heatmap;
  bool is_heatmap() const { return model == "heatmap1d" || model == "heatmap2d"; }
  bool is_difference() const { return model == "difference2d" || model == "difference1d"; }
  bool reads_projections() const { return model == "difference1d" || model == "heatmap1d"; }

  int64_t total_epochs() const { return epochs_per_stage * int64_t(stages.size()) + final_epochs; }
  // The fraction of the ranked pairs epoch e (from 0) trains on, and its stage number.
  double fraction_at(int64_t epoch) const;
  int64_t stage_at(int64_t epoch) const;
  void validate() const;
};

TrainConfig config_from_json(const nlohmann::json& j, const std::string& what);
TrainConfig load_config(const std::string& path);
TrainConfig config_from_text(const std::string& text, const std::string& what);  // JSON text
nlohmann::json to_json(const TrainConfig& c);

}  // namespace sg

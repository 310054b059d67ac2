// Training the full-orientation model (docs/particles3d.md, "Task full"; models/
// rotation_head.h) from tilt pairs and in-plane turns alone: `stereograd train-full`.
//
// The training pairs are generated from the config's data section (data/pairs3d.h, task
// full); their orientations are dropped unread: only the images, delta and the in-plane
// angles gamma (drawn here) reach the loss (train/rotation6d_loss.h). Per epoch e,
// gamma_i ~ U[-g_e, g_e] with g_e = gamma_max * min(1, (e + 1) / (ramp + 1)) (a curriculum
// of small turns first when ramp > 0). Adam at lr, the last final_epochs at final_lr.
// Every random choice is a function of the seed: data (seed, first index 0), weights
// (stream 1), the epoch's shuffle (stream 1000 + e) and gammas (stream 5000 + e).
#pragma once
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/pairs3d.h"
#include "models/rotation_head.h"

namespace sg {

struct FullConfig {
  std::string name = "particle-full";
  Gen3dParams data;  // task full; data.seed is the config's seed
  DifferenceWidth trunk;
  int64_t hidden = 256;
  int64_t epochs = 20, final_epochs = 5, batch = 32;
  double lr = 1e-3, final_lr = 1e-4;
  // The pair term's weight: 4 (1 - cos delta) = 0.06 at 10 deg is what a constant output
  // costs it, small beside the in-plane term's, so it is scaled up.
  // From epoch pair_weight_from (0-based) on; 1 before it (the in-plane term learnt
  // first: with the weight high from the start a run stalled, docs/particles3d.md).
  double pair_weight = 1;
  int64_t pair_weight_from = 0;
  double gamma_max_deg = 180;
  int64_t gamma_ramp_epochs = 0;
  // The cheat check: train on the true rotations (train/rotation6d_loss.h
  // supervised_rotation_loss) instead of the equivariances; the only mode that reads them.
  bool supervised = false;
  int64_t eval_pairs = 1000;  // unseen pairs scored after training (first index 1,000,000)
  uint64_t seed = 1;
  void validate() const;  // one line naming the bad field
};
// From a config file's JSON; unknown keys and bad values fail with one line naming `what`.
FullConfig full_config_from_json(const nlohmann::json& j, const std::string& what);
nlohmann::json to_json(const FullConfig& c);
inline constexpr const char* kFullCheckpointFormat = "stereograd-full-orientation";

// The model's input for images [n, S, S]: data/inplane_turn.h with gamma (degrees) per
// image, or 0 for all when gammas is empty.
std::vector<float> full_model_input(const float* images, int64_t n, int64_t size,
                                    const std::vector<double>& gammas_deg = {});

// The rotation (quaternion) the model gives each of n images [n, S, S], in batches.
std::vector<Quat> predict_rotations(RotationHeadModel& model, const float* images, int64_t n, int64_t size,
                                    Device device);

struct FullRun {
  FullConfig config;
  std::unique_ptr<RotationHeadModel> model;
};
// Trains to the end, writing out_dir/checkpoint.safetensors (with the config) and
// metrics.jsonl after every epoch; progress lines to log.
FullRun train_full(const FullConfig& config, const std::string& out_dir, Device device, std::FILE* log);
// A checkpoint written by train_full (anything else: one line naming the file).
FullRun load_full_checkpoint(const std::string& path, Device device);
bool is_full_checkpoint(const std::string& path);

}  // namespace sg

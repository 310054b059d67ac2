// A training checkpoint: one safetensors file holding the model's weights
// ("cnn.<layer>.<weight|bias>"), the optimiser's state ("adam.m.…", "adam.v.…"), and in
// its metadata the config (JSON), the epochs done, the Adam step and the loss history.
// The run's randomness is counter-based (seed, epoch, step), so these are all a resumed
// run needs to continue bit-identically. Two optional JSON entries serve predict: the
// training images' input profile (train/input_profile.h), written by every save, and
// the calibration eval found (train/calibration.h), added by eval and dropped by the
// next save (the weights it described are gone then).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/io/safetensors.h"
#include "engine/optim/optimizer.h"
#include "models/difference.h"
#include "train/config.h"

namespace sg {

// An epoch interrupted (Ctrl-C) after `steps` optimiser steps, whose losses × batch sizes
// sum to `loss_sum` (kept exactly, so the resumed epoch's mean loss is the same number).
struct PartialEpoch {
  int64_t steps = 0;
  double loss_sum = 0;
};

struct Checkpoint {
  TrainConfig config;
  int64_t epochs_done = 0;
  PartialEpoch partial;  // of epoch epochs_done + 1; steps == 0 at an epoch's end
  nlohmann::json history = nlohmann::json::array();
  nlohmann::json input_profile;  // null in checkpoints written before it was recorded
  nlohmann::json calibration;    // null until eval has stored one
  std::map<std::string, int64_t> optimizer_counters;
  SafetensorsFile file;
};

// The config's model, freshly initialised from its seed.
std::unique_ptr<PairModel> build_model(const TrainConfig& c, Device device);

// input_profile: null writes none.
void save_checkpoint(const std::string& path, const TrainConfig& config, int64_t epochs_done,
                     const PartialEpoch& partial, const nlohmann::json& history,
                     const nlohmann::json& input_profile, PairModel& model, Optimizer& opt);
// Reads and validates the file and its metadata (errors name the file and the problem).
Checkpoint read_checkpoint(const std::string& path);
// The metadata checks of read_checkpoint on a parsed file; `what` names it in errors.
Checkpoint checkpoint_from(SafetensorsFile file, const std::string& what);
// The config's model with the checkpoint's weights, on `device`.
std::unique_ptr<PairModel> model_from_checkpoint(const Checkpoint& c, Device device);
// Rewrites the checkpoint at `path` (atomically) with metadata `key` set to `json`'s text
// (null: removed); the tensors and every other entry are kept bit for bit.
void set_checkpoint_json(const std::string& path, const std::string& key, const nlohmann::json& json);
// Copies the optimiser's state and counters back from the checkpoint.
void restore_optimizer(const Checkpoint& c, Optimizer& opt);

}  // namespace sg

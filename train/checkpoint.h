// A training checkpoint: one safetensors file holding the model's weights
// ("cnn.<layer>.<weight|bias>"), the optimiser's state ("adam.m.…", "adam.v.…"), and in
// its metadata the config (JSON), the epochs done, the Adam step and the loss history.
// The run's randomness is counter-based (seed, epoch, step), so these are all a resumed
// run needs to continue bit-identically.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/io/safetensors.h"
#include "engine/optim/optimizer.h"
#include "models/difference.h"
#include "train/config.h"

namespace sg {

struct Checkpoint {
  TrainConfig config;
  int64_t epochs_done = 0;
  nlohmann::json history = nlohmann::json::array();
  SafetensorsFile file;
};

// The config's model, freshly initialised from its seed.
std::unique_ptr<PairModel> build_model(const TrainConfig& c, Device device);

void save_checkpoint(const std::string& path, const TrainConfig& config, int64_t epochs_done,
                     const nlohmann::json& history, PairModel& model, Optimizer& opt);
// Reads and validates the file and its metadata (errors name the file and the problem).
Checkpoint read_checkpoint(const std::string& path);
// The config's model with the checkpoint's weights, on `device`.
std::unique_ptr<PairModel> model_from_checkpoint(const Checkpoint& c, Device device);
// Copies the optimiser's state and counters back from the checkpoint.
void restore_optimizer(const Checkpoint& c, Optimizer& opt);

}  // namespace sg

// The training loop of the report's §3.1: stages of an expanding curriculum, Adam,
// a checkpoint after every epoch, resume, NaN detection, progress and metrics.
//
// Every random choice is a pure function of the config's seed and the position in the
// run (initial weights: stream 1; reference image: stream 2; epoch e's shuffle: stream
// 1000 + e; dropout: (seed, e·2³² + step·2⁸ + call)), so a run killed and resumed from
// its last checkpoint ends with the same bits as one never interrupted.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "data/pairs.h"
#include "engine/optim/optimizer.h"
#include "models/pair_model.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/curriculum.h"
#include "train/train_step.h"

namespace sg {

class Trainer {
 public:
  // Output goes to out_dir: checkpoint.safetensors, metrics.jsonl.
  Trainer(TrainConfig config, std::string out_dir, Device device);

  // Trains to the end; with `resume`, continues from out_dir's checkpoint (whose config
  // must match). Throws sg::Error on a NaN/Inf loss, naming the epoch and step; the last
  // good checkpoint stays in place.
  void run(bool resume, std::FILE* log);
  // Stop soon (Ctrl-C; async-signal-safe): checked after every step; the run then writes
  // a checkpoint of where it stopped (mid-epoch too), where --resume continues.
  void request_stop() { stop_requested_ = true; }
  // Stop after `epochs` epochs in total (a time-boxed run, continued later with resume).
  void set_epoch_limit(int64_t epochs) { epoch_limit_ = epochs; }
  // Stop as after Ctrl-C (a mid-epoch checkpoint) once `steps` steps of the run are done.
  void set_step_limit(int64_t steps) { step_limit_ = steps; }
  bool stopped_early() const { return stopped_early_; }

  PairModel& model() { return *model_; }
  // The run's config; with data.path, data.stereo_angle_deg is the folder's.
  const TrainConfig& config() const { return config_; }
  const Dataset& train_data() const { return train_; }
  const Ranking& ranking() const { return ranking_; }
  const TrainStep& train_step() const { return *step_; }
  // The pairs of epoch e in training order: the stage's subset shuffled (and cycled,
  // each cycle reshuffled, up to config.epoch_pairs).
  std::vector<int64_t> epoch_indices(int64_t epoch) const;
  const nlohmann::json& history() const { return history_; }
  std::string checkpoint_path() const { return out_dir_ + "/checkpoint.safetensors"; }
  int64_t epochs_done() const { return epochs_done_; }
  int64_t partial_steps() const { return partial_.steps; }  // of the epoch after epochs_done
  bool has_checkpoint() const { return has_checkpoint_; }  // one of this run is on disk

 private:
  // Trains epoch `epoch` from partial_ (steps already taken) on, until its end or a stop
  // request; partial_ then holds where it stopped. Returns true when the epoch is complete.
  bool train_epoch(int64_t epoch, class Progress& progress, int64_t& steps_done);
  // Writes the checkpoint and metrics.jsonl; a failure (full disk) names the last good
  // checkpoint, which the atomic write leaves intact.
  void save();
  int64_t epoch_size(int64_t epoch) const;  // epoch_indices(epoch).size(), without the shuffle

  TrainConfig config_;
  std::string out_dir_;
  Device device_;
  Dataset train_;
  Ranking ranking_;
  std::unique_ptr<PairModel> model_;
  std::unique_ptr<Adam> opt_;
  std::unique_ptr<TrainStep> step_;
  nlohmann::json history_ = nlohmann::json::array();
  nlohmann::json input_profile_;  // train/input_profile.h, saved with every checkpoint
  int64_t epochs_done_ = 0;
  PartialEpoch partial_;
  int64_t epoch_limit_ = -1, step_limit_ = -1;
  std::atomic<bool> stop_requested_{false};
  static_assert(std::atomic<bool>::is_always_lock_free, "request_stop runs in a signal handler");
  bool stopped_early_ = false;
  bool has_checkpoint_ = false;
};

// Mode supervised: the loss of each pair's first image against its targets (angle θ), or
// (both) the mean of that and the second image's (θ + δ): batch.target_first/second.
Tensor supervised_pair_loss(PairModel& model, const struct PairBatch& batch, bool both, Context& ctx);
// The step of `config` (stereo or supervised loss) for the trainer and bench_train.
std::unique_ptr<TrainStep> make_train_step(PairModel& model, Adam& opt, const TrainConfig& config,
                                           Device device);

// The unseen pairs a run is evaluated on: same generator, disjoint sample counters.
Dataset evaluation_data(const TrainConfig& config, int64_t pairs);

// The pairs of dataset folder `dir` (docs/data.md, "Training from a folder") for the model
// of `config`: what params.json leaves out comes from config.data, and the images must
// have the model's layout and size and the shape its order (errors name the file).
// angles.npy is read only when `angles_for` says why (data/dataset_io.h). `prepare_raw`
// (eval): a folder of raw 2-D images (params.json preprocess false) for a model trained
// on generated, preprocessed pairs is prepared as predict prepares its input
// (train/input_profile.h prepare_input), not scored as stored.
Dataset folder_data(const TrainConfig& config, const std::string& dir, const std::string& angles_for,
                    bool prepare_raw = false);
// Why a run of `config` needs the true angles ("" when it needs none: the stereo
// objective with the similarity curriculum or none).
std::string angles_needed_for(const TrainConfig& config);

}  // namespace sg

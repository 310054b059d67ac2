// The training loop of the report's §3.1: stages of an expanding curriculum, Adam,
// a checkpoint after every epoch, resume, NaN detection, progress and metrics.
//
// Every random choice is a pure function of the config's seed and the position in the
// run (initial weights: stream 1; reference image: stream 2; epoch e's shuffle: stream
// 1000 + e; dropout: (seed, e·2³² + step·2⁸ + call)), so a run killed and resumed from
// its last checkpoint ends with the same bits as one never interrupted.
#pragma once
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "data/pairs.h"
#include "engine/optim/optimizer.h"
#include "models/pair_model.h"
#include "train/config.h"
#include "train/curriculum.h"

namespace sg {

class Trainer {
 public:
  // Output goes to out_dir: checkpoint.safetensors, metrics.jsonl.
  Trainer(TrainConfig config, std::string out_dir, Device device);

  // Trains to the end; with `resume`, continues from out_dir's checkpoint (whose config
  // must match). Throws sg::Error on a NaN/Inf loss, naming the epoch and step; the last
  // good checkpoint stays in place.
  void run(bool resume, std::FILE* log);
  // Stop soon (Ctrl-C): checked between steps; the unfinished epoch is dropped, so the
  // last checkpoint (at most one epoch old) is where --resume continues.
  void request_stop() { stop_requested_ = true; }
  // Stop after `epochs` epochs in total (a time-boxed run, continued later with resume).
  void set_epoch_limit(int64_t epochs) { epoch_limit_ = epochs; }
  bool stopped_early() const { return stopped_early_; }

  PairModel& model() { return *model_; }
  const Dataset& train_data() const { return train_; }
  const Ranking& ranking() const { return ranking_; }
  const nlohmann::json& history() const { return history_; }
  std::string checkpoint_path() const { return out_dir_ + "/checkpoint.safetensors"; }
  int64_t epochs_done() const { return epochs_done_; }

 private:
  double train_epoch(int64_t epoch, class Progress& progress, int64_t& steps_done);
  // The pairs of epoch e in training order: the stage's subset shuffled (and cycled,
  // each cycle reshuffled, up to config.epoch_pairs).
  std::vector<int64_t> epoch_indices(int64_t epoch) const;
  int64_t epoch_size(int64_t epoch) const;  // epoch_indices(epoch).size(), without the shuffle

  TrainConfig config_;
  std::string out_dir_;
  Device device_;
  Dataset train_;
  Ranking ranking_;
  std::unique_ptr<PairModel> model_;
  std::unique_ptr<Adam> opt_;
  nlohmann::json history_ = nlohmann::json::array();
  int64_t epochs_done_ = 0;
  int64_t epoch_limit_ = -1;
  volatile bool stop_requested_ = false;
  bool stopped_early_ = false;
};

// The unseen pairs a run is evaluated on: same generator, disjoint sample counters.
Dataset evaluation_data(const TrainConfig& config, int64_t pairs);

}  // namespace sg

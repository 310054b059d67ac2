// What a finished run leaves behind: the accuracy on unseen pairs (eval.json) and the
// report's figures as SVG: θp against θt (figure 3.4), θp − θt against θt (figure 4.2),
// the loss per epoch, and the curriculum's reference-difference curve (figure 3.3).
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "models/pair_model.h"
#include "train/config.h"
#include "train/curriculum.h"
#include "train/evaluate.h"

namespace sg {

// The scoring half: the predictions of the first images of `test` and their accuracy;
// on 1-D projections modulo the shape's projection ambiguity (the 'T': θ ≡ 180° − θ,
// data/projection_symmetry.h), plus each pair read from both its projections
// (PairModel::predict_pair_deg), which fixes θ fully.
struct Scored {
  std::vector<float> predicted;
  Accuracy accuracy;
  std::optional<Accuracy> pair;  // projections only
};

// Evaluates `model` on config.eval_pairs unseen pairs and writes eval.json and the plots
// into out_dir. `train` and `ranking` (may be null) add the curriculum's figure (when the
// training pairs have their true angles).
Scored evaluate_run(PairModel& model, const TrainConfig& config, const std::string& out_dir,
                      const nlohmann::json& history, const Dataset* train, const Ranking* ranking);
// The same on the pairs of `test`, which must have their true angles (a folder for
// `eval --data`, or evaluation_data): score_on, then write_evaluation.
Scored evaluate_on(PairModel& model, const TrainConfig& config, const Dataset& test,
                     const std::string& out_dir, const nlohmann::json& history, const Dataset* train,
                     const Ranking* ranking);

Scored score_on(PairModel& model, const TrainConfig& config, const Dataset& test);
// The writing half: eval.json and the figures into out_dir (throws sg::Error naming the
// file that could not be written).
void write_evaluation(const Scored& s, const TrainConfig& config, const Dataset& test, const std::string& out_dir,
                      const nlohmann::json& history, const Dataset* train, const Ranking* ranking);

// Predicted orientations (degrees in [0, 360/n)) of the first images of every pair,
// each averaged over `rotations` quarter turns (train/predict_angles.h).
std::vector<float> predict_first_images(PairModel& model, const Dataset& ds, Device device, int rotations);

}  // namespace sg

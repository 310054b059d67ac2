// `stereograd eval --data DIR` on a folder of 3-D single-axis tilt pairs (`gen --shape
// ... --task single-axis`, data/pairs3d.h): the learned model beside the classical
// methods, on the same pairs (docs/particles3d.md).
//
// Rows (each scored modulo the task's identical set, data/single_axis.h, with the folded
// scoring of the projections, train/evaluate.h evaluate_angles_folded):
//   model, single   the checkpoint's angle of each first image (preprocessed as in
//                   training: train/trainer.h folder_data); label-free, so its offset
//                   (and mirror) is removed with the predictions themselves
//   model, pair     the circular mean of theta_1 and theta_2 - delta
//   match, single / pair   template matching against the KNOWN shape at the KNOWN R0
//                   (data/template_match3d.h): in the true frame, nothing removed
//   sync, pairs     angular synchronisation of the folder's own pairs over a nearest-
//                   neighbour graph of their images (data/tilt_pair_sync.h): label-free,
//                   no shape, transductive (it reads the evaluated images, never an angle)
// Accuracy: % within 2, 5 and 10 degrees and the median |error|, with the time per image.
// With an output folder: eval3d.json and, per row, the error against the true alpha and a
// grid of samples with true and predicted alpha (train/eval3d_figures.h).
// A checkpoint whose training folder (data.path, when it is there) holds another shape,
// R0 or axis is refused: it learned another particle.
// The ground truth (alpha of each orientations.npy quaternion) is read here and only
// here: no training, no choice of a run sees it.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "engine/tensor.h"
#include "train/args.h"
#include "train/config.h"

namespace sg {

// Whether dir holds a params.json of 3-D tilt pairs (a missing or unreadable one: false).
bool is_tilt_pairs_folder(const std::string& dir);

// What `predict` says about a model of the single-axis task: the particle and the task's
// identical set, from the params.json of the folder it was trained on.
struct SingleAxisTask {
  std::string shape;
  double period_deg = 360;
  bool fold = false;
  bool axis_x = false;  // the tilt axis is the image's x axis (either sign)
};
// The task of dir when it holds single-axis tilt pairs; nullopt otherwise (no such folder,
// 2-D pairs, the full-orientation task).
std::optional<SingleAxisTask> single_axis_task_of(const std::string& dir);

struct SyncResult;
// The synchronisation's diagnostics and its label-free check (data/tilt_pair_sync.h), as
// params.json (gen --pseudo-labels) and eval3d.json (the sync row) record them; when the
// check fails its one-line warning goes to stderr after `who`.
nlohmann::json sync_report(const SyncResult& r, const char* who);

// A heatmap2d model's half-turn view (heatmap.half_turn, half_turn_train) flips the image
// top to bottom, which is the particle turned by 180° about the image's x axis: it holds
// for a model of 3-D single-axis tilt pairs about x (its data.path) and for no other 2-D
// images (a top-down shape flipped is its mirror). One line otherwise; 1-D models pass.
void check_half_turn_view(const TrainConfig& config);

// The eval command on such a folder: p is eval's parsed options (train/cmd_eval.cpp);
// --method both (model with --checkpoint, and the classical rows), model, or classical.
int eval_tilt_pairs(const ArgParser& p, Device device);

}  // namespace sg

// Inference over a stack of single images, in chunks, optionally averaged over quarter
// turns of each image (test-time rotation).
//
// A quarter turn maps a particle at θ to one at θ − 90° (data/image.h rot90), and the
// stereo objective fixes the sign of what the model learns (p(θ + δ) − p(θ) = δ), so
// p(rot90ᵏ I) + 90k estimates the same angle for every k. Their errors are partly
// independent (the network is not equivariant), so the circular mean in nθ,
//   θ̂ = arg Σₖ exp(i n (p(rot90ᵏ I) + 90k)) / n,
// is more precise than one reading: σ 0.36° → 0.29° for the default model on 20–24 px
// squares (README, "Every particle size"). Needs square images whose particle is centred
// at the frame centre (size normalisation does that to a fraction of a pixel).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/tensor.h"
#include "models/pair_model.h"

namespace sg {

// images: `count` images of `per_image` shape ({1, H, W} or {1, L}), contiguous.
// rotations 1 reads each once; 2 or 4 need {1, n, n}. Degrees in [0, 360/n).
std::vector<float> predict_angles(PairModel& model, const float* images, int64_t count,
                                  const Shape& per_image, Device device, int rotations);

// Stereo pairs [N, 2, per...] (contiguous) split into the first images and the second
// images, each [N, per...].
void split_pairs(const float* pairs, int64_t count, int64_t per_image, std::vector<float>& first,
                 std::vector<float>& second);

// Each stereo pair read from both images (PairModel::predict_pair_deg: the first image's
// angle), in chunks of 256 pairs: first and second hold `count` images of `per_image`
// shape each (split_pairs), delta is the stereo angle in degrees.
std::vector<float> predict_pairs(PairModel& model, const std::vector<float>& first, const std::vector<float>& second,
                                 int64_t count, const Shape& per_image, Device device, double delta);

class ArgParser;
// `--rotations K` of eval and predict: K when given (1, 2 or 4, else a usage error),
// otherwise the checkpoint config's test_rotations.
int rotations_option(const ArgParser& p, int config_value);
inline constexpr const char* kRotationsHelp =
    "read each image at K quarter turns and average the angles: 1, 2 or 4 (default: the config's test_rotations)";
struct TrainConfig;
// `--half-turn on|off` of eval and predict: a heatmap model's read-out also reads each
// input in its half-turn view (models/angle_heatmap.h half_turn_view); sets
// config.heatmap.half_turn when given, a usage error for any other value or model, and an
// error where the view does not hold (train/eval3d.h check_half_turn_view).
void half_turn_option(const ArgParser& p, TrainConfig& config);
inline constexpr const char* kHalfTurnHelp =
    "heatmap models: also read each input turned by 180° (a projection reversed; a 3-D single-axis "
    "image flipped top to bottom) and average the heatmaps: on or off (default: the config's heatmap.half_turn)";

}  // namespace sg

// predict never answers silently wrong: the warnings it prints (on stderr, one line per
// problem, each naming the images concerned) when its answers cannot be trusted.
//
// Of the input, against the checkpoint's input profile (train/input_profile.h): no
// particle found; a particle touching the frame's edge; a particle size or intensity
// outside the trained range by more than a factor kRangeFactor; a background further
// from the trained one than kBackgroundFraction of the trained particle intensity. A
// checkpoint without a profile (written before it was recorded) gets no input warnings.
// Of the checkpoint: unfinished (fewer epochs done than its config plans); collapsed, as
// eval found it (the calibration it stored), or as its training loss says (a stereo
// Difference model whose last epoch's loss is at least half of what a constant
// prediction scores, (n·δ)², learnt nothing); and of the answers: near-constant
// predictions over many images (train/evaluate.h kCollapsedSpread).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "train/checkpoint.h"
#include "train/input_profile.h"

namespace sg {

inline constexpr double kRangeFactor = 1.25;
inline constexpr double kBackgroundFraction = 0.1;
inline constexpr int64_t kSpreadMinImages = 16;  // fewer may share one orientation by chance

// "image 3", "images 3 and 7", "images 3, 7, 12 and 40": up to four indices in full,
// beyond that the first three and "and 40 more".
std::string image_list(const std::vector<int64_t>& indices);

std::vector<std::string> input_warnings(const InputProfile& trained, const std::vector<ImageStats>& stats);
std::vector<std::string> checkpoint_warnings(const Checkpoint& c);
// "" unless at least kSpreadMinImages predictions are near-constant.
std::string spread_warning(const std::vector<float>& angles_deg, int order);

}  // namespace sg

// The closed-form orientation (data/moments.h) scored like a model: on the first image
// of every pair of a dataset, through the same evaluate_angles (offset and mirror
// removed with the predictions themselves, although the closed form needs neither:
// its zero is the renderer's, so the removed offset measures its bias).
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "data/moments.h"
#include "data/pairs.h"
#include "train/evaluate.h"

namespace sg {

struct MomentEvaluation {
  Accuracy accuracy;     // over the images that were not flagged
  int64_t flagged = 0;   // images with no angle (NaN), left out of `accuracy`
  std::vector<float> angles_deg;  // per pair, NaN where flagged
};

// Why the closed form cannot score `ds` ("" when it can): 1-D projections, order 1.
std::string moments_not_applicable(const Dataset& ds);

// Scores the closed form of order ds.order() on the pairs of `ds` (which must have their
// true angles); one line per flagged image and a summary go to `warnings`, each line
// starting with `prefix`. Throws when it does not apply or every image is flagged.
MomentEvaluation evaluate_moments(const Dataset& ds, std::ostream& warnings, const std::string& prefix);

}  // namespace sg

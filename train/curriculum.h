// The report's curriculum without ground truth (§3.1, figure 3.3): pick a random
// reference image, rank the training pairs by the standard deviation of the pixel
// difference between their first image and the reference, and train on the closest
// 2 %, 10 %, 25 %, 33 %, then 100 %. Similar images lie in a small angular range around
// the reference's, so the network meets an expanding range of angles without ever being
// told one. For comparison, the ground-truth version ranks by the angular distance to
// the reference's θ (the report's "expanding angle range").
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/pairs.h"

namespace sg {

struct Ranking {
  int64_t reference = 0;        // the reference pair
  std::vector<int64_t> order;   // pair indices, most similar first
  std::vector<double> score;    // score[i] of pair i (std of difference, or degrees)
};

// std over pixels of (first image of pair i) − (first image of the reference pair).
Ranking rank_by_similarity(const Dataset& ds, int64_t reference);
// Circular distance |θ_i − θ_ref| modulo 360/n (uses the ground truth).
Ranking rank_by_angle(const Dataset& ds, int64_t reference);
// No curriculum: every pair, in index order.
Ranking rank_none(const Dataset& ds);
// Dispatch on the config's name: "similarity", "angle_range" or "none".
Ranking make_ranking(const std::string& curriculum, const Dataset& ds, int64_t reference);

// The first ceil(fraction · N) pairs of the ranking (at least one).
std::vector<int64_t> closest(const Ranking& r, double fraction);

}  // namespace sg

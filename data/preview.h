// Pictures of a dataset to look at: a grid of sample stereo pairs. Each cell shows a
// pair side by side (theta | theta + stereo angle); 1-D projections are drawn as bar
// profiles, each column's height proportional to the projection value. Values are
// scaled to [0, 1] by the largest value shown; grid lines are drawn at 0.3.
#pragma once
#include <cstdint>

#include "data/image.h"
#include "data/pairs.h"

namespace sg {

Image pair_grid(const Dataset& ds, int64_t max_pairs = 8, int64_t columns = 4);

// A bar profile of n values in an image n wide and `height` tall: column j is filled
// from the bottom to height * values[j] / max_value (the top pixel partly).
Image profile_plot(const float* values, int64_t n, int64_t height, float max_value);

}  // namespace sg

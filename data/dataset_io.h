// A dataset on disk is a directory that numpy can read directly:
//   images.npy   float32 [N, 2, H, W] (or [N, 2, L] for projections)
//   angles.npy   float32 [N], theta of the first image in degrees, [0, 360)
//   params.json  every generation parameter and the seed (data/pairs.h to_json)
// e.g. np.load("DIR/images.npy"). load_dataset checks that the three agree with one
// another and rejects anything malformed, truncated or mismatched, naming the file.
#pragma once
#include <string>

#include "data/pairs.h"

namespace sg {

void save_dataset(const std::string& dir, const Dataset& ds);  // creates dir if needed
Dataset load_dataset(const std::string& dir);

}  // namespace sg

// Label-free angles of single-axis tilt pairs of 2-D images: the angular synchronisation
// of the 1-D projections (data/angle_sync.h) run unchanged on the images, which it only
// needs distances between.
//
// Two images of one particle at nearly the same alpha are near in pixel space once
// position, size and intensity are factored out: each image is resampled about its centre
// of mass to one rms radius (data/preprocess.h normalise_size, fraction 0.2 of the frame)
// and scaled to unit mean (thickness scales with the particle's size). The stereo partner
// sits delta further on, which fixes the scale and the direction; the global offset stays
// arbitrary. No angle is read: only the images, which of them form pairs, and delta.
#pragma once
#include <cstdint>
#include <vector>

#include "data/angle_sync.h"

namespace sg {

// The normalised copies of `count` images of size x size, in the same order.
std::vector<float> sync_normalised(const float* images, int64_t count, int64_t size);

// alpha of each pair's first image, degrees in [0, 360) up to a global offset; pairs
// [N, 2, size, size]. `diagnostics`, if given, receives the synchronisation's result.
std::vector<double> synchronise_tilt_pairs(const float* pairs, int64_t N, int64_t size, double delta_deg,
                                           SyncResult* diagnostics = nullptr);

}  // namespace sg

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
#include <string>
#include <vector>

#include "data/angle_sync.h"

namespace sg {

// The normalised copies of `count` images of size x size, in the same order.
std::vector<float> sync_normalised(const float* images, int64_t count, int64_t size);

// alpha of each pair's first image, degrees in [0, 360) up to a global offset; pairs
// [N, 2, size, size]. `diagnostics`, if given, receives the synchronisation's result.
std::vector<double> synchronise_tilt_pairs(const float* pairs, int64_t N, int64_t size, double delta_deg,
                                           SyncResult* diagnostics = nullptr);

// A label-free check of the result, two numbers of the eigenvector it came from:
// - the frustration 1 − λ, the top eigenvalue's distance from 1 (0 when every edge's
//   relative angle agrees with one assignment);
// - its spread (SyncResult::spread): near 1 when every image carries weight, near 0 when
//   the vector lives on a piece of the graph cut off from the rest (λ = 1 there: that
//   piece alone is consistent, and every other angle is noise).
// Measured on 64 × 64 pairs, δ = 10° (docs/particles3d.md, "When the synchronisation
// fails"): wherever it read ≥ 90 % within 2° (five shapes, seeds 1–5, and blur σ = 1 px
// with dose 30), 1 − λ = 1.7–5.3·10⁻⁵ and spread ≥ 0.993; where it failed (the
// icosahedron at seeds 2 and 3, and with blur and dose), 1 − λ = 1.9–9.6·10⁻⁴, or a
// spread of 0.0 (seed 3's 4,096 training pairs: 1 − λ = 10⁻¹², 2.1 % within 2°; since
// the eigenvector is taken on the graph's largest piece, data/angle_sync.h, that set
// reads 1 − λ = 2.7·10⁻⁴, still flagged). The limits sit between; past either the angles
// are flagged, not changed. Coarser images raise the frustration of a good run (48 × 48,
// supersample 2: 7.5·10⁻⁵, the test's): the limit is for the 64 × 64 anti-aliased data
// it was measured on.
constexpr double kTiltSyncFrustrationLimit = 1e-4;
constexpr double kTiltSyncSpreadLimit = 0.5;
inline double sync_frustration(const SyncResult& r) { return 1 - r.eigenvalue; }
// One line for the user when either check fails, "" otherwise.
std::string sync_reliability_warning(const SyncResult& r);

}  // namespace sg

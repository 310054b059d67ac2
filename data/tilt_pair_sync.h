// Label-free angles of single-axis tilt pairs of 2-D images: the angular synchronisation
// of the 1-D projections (data/angle_sync.h) run unchanged on the images, which it only
// needs distances between.
//
// Two images of one particle at nearly the same alpha are near in pixel space once
// position, size, intensity and blur are factored out (docs/particles3d.md, "The
// synchronisation's frame"). A turn about the tilt axis u (in the image plane) leaves
// every point's coordinate along u alone, so the image's marginal along u, and its
// variance σ_u², are the same at every alpha: that variance sets the scale, not the rms
// radius, which changes with alpha for most shapes. The probe blur adds σ_b² to it
// (a Gaussian of σ_b convolved with the particle), so the particle's own width is
// s = sqrt(σ_u² − σ_b²), shared by the pair (the mean of its two images' s). Each image is
// resampled about its centroid so that s becomes kSyncTargetStd of the frame, then
// blurred until its blur is kSyncBlurPx in that frame (σ_b / scale before: small particles,
// magnified more, carry more of it; without this their distances to large ones grow with
// the blur difference, not the angle), and scaled to unit mean (thickness scales with the
// particle's size). An axis out of the image plane has no invariant marginal: the images
// then use their own isotropic width sqrt((σ_x² + σ_y²)/2 − σ_b²). The stereo partner
// sits delta further on, which fixes the scale and the direction; the global offset stays
// arbitrary. No angle is read: only the images, which of them form pairs, delta, the
// tilt axis and the probe blur (params.json gives both).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/angle_sync.h"
#include "data/rotation.h"

namespace sg {

// What the images are known to carry besides the particle: the holder's axis (lab frame,
// x right, y down, z the beam) and the probe blur σ_b in pixels.
struct TiltSyncFrame {
  Vec3 tilt_axis{1, 0, 0};
  double blur_px = 0;
};
constexpr double kSyncTargetStd = 0.2 / 1.4142135623730951;  // of the frame: the rms radius 0.2 of before
constexpr double kSyncBlurPx = 3;  // the common blur, px of the normalised frame (σ_b > 0 only)

// The normalised copies of N pairs [N, 2, size, size], in the same order.
std::vector<float> sync_normalised(const float* pairs, int64_t N, int64_t size, const TiltSyncFrame& frame);

// alpha of each pair's first image, degrees in [0, 360) up to a global offset; pairs
// [N, 2, size, size]. `diagnostics`, if given, receives the synchronisation's result.
std::vector<double> synchronise_tilt_pairs(const float* pairs, int64_t N, int64_t size, double delta_deg,
                                           const TiltSyncFrame& frame, SyncResult* diagnostics = nullptr);

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

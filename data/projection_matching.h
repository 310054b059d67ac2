// Projection matching: the angle of a projection is the angle at which a 2-D object's
// projection (data/sinogram.h forward_project) is nearest to it, and the object is the
// filtered back projection of the projections at their angles. Alternating the two is
// how tomography and cryo-EM refine poses without labels; here it starts from the
// angular synchronisation (data/angle_sync.h), which is accurate to about a degree, and
// one round brings the angles to what matching against the true shape gives
// (docs/projections.md has the measurements).
//
// Costs are squared Euclidean distances between centred projections. A stereo pair is
// matched jointly: the cost of angle θ for pair (a, b) is |a - P_θ|² + |b - P_{θ+δ}|²,
// so the partner's evidence and the known δ decide together; a single projection is
// matched alone. The template grid's step divides δ, and the minimum is refined to a
// fraction of the step by the parabola through it and its two neighbours.
#pragma once
#include <cstdint>
#include <vector>

#include "data/angle_sync.h"
#include "data/image.h"
#include "data/shapes.h"

namespace sg {

struct Templates {
  double step_deg = 0;
  int64_t count = 0, length = 0;
  std::vector<float> rows;     // [count, length]: the object's projection at k * step_deg
  std::vector<double> norm2;   // |row k|²
};

// A grid step near `target_deg` that divides delta_deg: delta / round(delta / target).
double matching_step(double delta_deg, double target_deg = 0.25);
Templates make_templates(const Image& object, double step_deg);
// A stack of independent slices turned together (single-axis tomography of a 3-D
// particle: slice z is the particle's cut at position z along the tilt axis): row k is
// the slices' projections at k · step, one after another.
Templates make_templates(const std::vector<Image>& slices, double step_deg);
// The matcher that knows the shape (the ceiling a label-free method is judged against):
// the shape rendered at every grid angle at the rotation axis, projected and centred
// like the data (data/projection.h centre_projection).
Templates shape_templates(const ParticleShape& shape, int64_t size, double radius_px,
                          int supersample, double step_deg);

struct Matched {
  std::vector<double> angles_deg;  // per match, in [0, 360)
  std::vector<double> cost;        // its squared distance (summed over a pair's two)
  double mean_cost = 0;
  // match_pairs with a window: each projection of a pair matched alone within the window
  // of its joint angle, [2N] (firsts, then partners at joint + δ); NaN where the minimum
  // sits on the window's edge.
  std::vector<double> alone_deg;
};

// pairs [N, 2, L]: angles of the first projections (partners are at + delta_deg). With
// alone_window_deg > 0 also Matched::alone_deg, from the same distances.
Matched match_pairs(const Templates& t, const float* pairs, int64_t N, double delta_deg,
                    double alone_window_deg = 0);
// The same reading alone about given joint angles first_deg [N]: [2N], NaN on an edge.
std::vector<double> match_alone(const Templates& t, const float* pairs, int64_t N, double delta_deg,
                                const std::vector<double>& first_deg, double window_deg);
// projections [M, L], each alone.
Matched match_single(const Templates& t, const float* projections, int64_t M);

// The stereo angle fixes the scale of the angles everywhere on the circle, not only on
// average. Angles recovered as θ = t + w(t) with a smooth warp w (the synchronisation's
// error, ±2° with period 180° on a 'T' at dose 30) give an object warped to agree with
// them, and matching a pair jointly against it cannot see w: it holds the partner at
// exactly + δ. Matching each projection of a pair alone, near its joint angle, can: the
// first lands at t + w(t) and the partner at t + δ + w(t + δ), so their gap minus δ is
// d = w(t + δ) − w(t). A Fourier series w = Σ_h c_h cos hθ + s_h sin hθ, h = 1..H, is fitted
// to the d of all pairs by least squares (columns cos h(θ + δ) − cos hθ and likewise for
// sin; a second fit drops residuals over 3 robust σ); the constant is not observable
// and not needed (an offset of all angles).
// A fit whose peak passes kMaxWarpDeg is discarded (an empty warp: none taken out).
constexpr double kMaxWarpDeg = 30.0;
struct StereoWarp {
  std::vector<double> c, s;  // degrees, harmonics 1..H (none: w = 0)
  int64_t used = 0;          // pairs in the final fit
  double peak_deg = 0;       // max |w| on a 1° grid
};
// first_deg [N]: the pairs' joint angles; alone_deg [2N]: each projection matched alone
// near its own (Matched::alone_deg, match_alone); pairs with a NaN are left out.
StereoWarp fit_stereo_warp(const std::vector<double>& first_deg, const std::vector<double>& alone_deg,
                           double delta_deg, int harmonics);
double warp_at(const StereoWarp& w, double angle_deg);
// The joint angles with the warp taken out: θ − (w(θ) + w(θ + δ)) / 2, the pair's
// matched angle lying between its two projections' warps.
std::vector<double> unwarped(const StereoWarp& w, const std::vector<double>& first_deg, double delta_deg);

// [size, size] filtered back projection of [M, L] projections at irregular angles, each
// weighted by the arc it stands for (data/sinogram.h angular_weights).
Image back_project(const float* projections, int64_t M, int64_t L,
                   const std::vector<double>& angles_deg);

struct RecoverOptions {
  SyncOptions sync;
  // Each projection is `slices` 1-D projections of length L / slices, of independent
  // slices seen at one angle (make_templates of a stack); the synchronisation reads the
  // whole row. 1: a 2-D particle.
  int64_t slices = 1;
  int rounds = 3;            // matching rounds after the synchronisation, at least
  // More rounds, up to max_rounds, while each still lowers the best cost by more than
  // round_gain (relative): where the synchronisation starts far off (δ = 35°: 37–45 % of
  // training pairs within 2°) the cost is still falling after three rounds, and so is
  // the error; where it starts close the cost turns up after one or two, and the rounds
  // stop at `rounds`.
  int max_rounds = 12;
  double round_gain = 1e-3;
  // Restarts: the whole recovery once per neighbour count k, the lowest matching cost
  // kept (a label-free score). A graph that falls apart into pieces (an eigenvalue of 1)
  // costs ten times more than one that holds, so one good k is enough. Empty: sync.neighbours.
  std::vector<int> neighbour_tries = {6, 8, 12, 16};
  // And once per context threshold (SyncOptions::context_mixed), the stricter first: a
  // later restart replaces the best only if its cost is lower by more than tie_margin
  // (relative). The cost barely moves between two recoveries that both hold (59.6 and
  // 59.3 for 99.9 and 92.4 % of training pairs within 2° on one anti-aliased 'S' set),
  // and the stricter test is then the better one; a recovery that fails costs 1.5–8×
  // more. Empty: sync.context_mixed.
  std::vector<double> context_mixed_tries = {2.0, 1.0};
  // And once without and once with half-turn edges (SyncOptions::half_turn_edges), the
  // outermost loop, the plain graph first. A restart with them replaces a plain one only
  // if it costs half_turn_margin less: at δ = 3° the plain graph folds (cost 150–1,600)
  // and the one with half turns holds (59–62); where both hold they differ by about 2 %
  // either way (the binary 'S' at dose 30: 98.5–98.9 against 96.6–97.6), and the cost
  // does not say which reads better (there the plain one, 95.4 against 93.9 % of unseen
  // singles within 2°). Empty: sync.half_turn_edges.
  std::vector<bool> half_turn_tries = {false, true};
  double half_turn_margin = 0.10;
  double tie_margin = 0.01;
  double step_deg = 0.25;    // target template step
  // After each round's matching, fit a stereo warp of this many harmonics and take it
  // out of the angles the next round's object is built from (0: off). StereoWarp.
  int warp_harmonics = 16;
  double warp_window_deg = 4.0;
};

struct Recovered {
  std::vector<double> angles_deg;      // [2N]: first projections, then partners
  std::vector<Image> objects;          // the back projection at those angles, one per slice
  const Image& object() const { return objects.front(); }
  SyncResult sync;                     // the starting angles and their diagnostics
  std::vector<double> round_cost;      // mean pair cost of each matching round
  std::vector<double> round_warp_deg;  // the peak stereo warp taken out after each round
  int best_round = 0;                  // the round kept: the lowest cost (label-free)
  double cost = 0;                     // its mean pair cost (infinite with no round)
  int neighbours = 0;                  // the k of the restart kept
  double context_mixed = 0;            // the context threshold of the restart kept
  bool half_turn_edges = false;        // whether the restart kept had half-turn edges
  std::vector<double> try_cost;        // the cost of each restart: half_turn_tries outermost,
                                       // then context_mixed_tries, neighbour_tries inner
};

// Angles of unlabelled stereo pairs [N, 2, L] (centred, data/projection.h) from the
// projections and δ alone: synchronisation, then `rounds` rounds of back projection and
// joint pair matching; the round with the lowest mean matching cost is kept, and so is
// the restart (neighbour count) with the lowest. The cost
// can rise again after the first round (the object sharpens around its own errors), so
// the rounds are scored rather than simply run to the end.
Recovered recover_angles(const float* pairs, int64_t N, int64_t L, double delta_deg,
                         const RecoverOptions& options = {});

// RMSE of a reconstruction against the truth after the rotation (about the axis at
// index size/2) and mirror that fit best: projections fix an object only up to both
// (docs/projections.md). Searched over 0.5° then 0.02° steps, bilinear resampling.
// back_project of each slice: projection m is `slices` rows of length L, row z of
// slice z.
std::vector<Image> back_project_slices(const float* projections, int64_t M, int64_t slices, int64_t L,
                                       const std::vector<double>& angles_deg);

struct Alignment {
  double rmse = 0, angle_deg = 0;
  bool mirrored = false;
  double resampled_rmse = 0;  // the image turned by bilinear resampling (= rmse for an image)
};
Alignment aligned_rmse(const Image& reconstruction, const Image& truth);
// The same for the FBP of projections [M, L] at angles_deg, aligned exactly: the
// rotation and mirror are applied to the angles before back projection, not to the
// image (bilinear resampling blurs it, costing up to 15 % of RMSE at 64 px). angle_deg
// is then the offset added to the (negated, when mirrored) angles.
Alignment aligned_rmse(const float* projections, int64_t M, int64_t L, const std::vector<double>& angles_deg,
                       const Image& truth);

}  // namespace sg

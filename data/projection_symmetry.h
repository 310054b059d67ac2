// Which orientations give the same 1-D projection (docs/projections.md, first section).
//
// The projection P_θ of a shape X at θ is the image of R_θ X summed along y, R_θ the
// rotation of data/shapes.h (pixel coordinates, clockwise as displayed). For every shape,
// with F: y -> -y (a sum along y cannot see it) and F R_θ = R_{-θ} F:
//   P[R_{θ+180} X](s) = P[R_θ X](-s)       R_{θ+180} = -R_θ: the projection reversed
//   P[R_θ X] = P[R_{-θ} F X]               a shape and its mirror image F X project alike
// A rotation symmetry R_P X = X gives θ ≡ θ + P; a mirror symmetry of X about the axis at
// angle α of the shape's frame (the reflection R_{2α} F) gives F X = R_{-2α} X, hence
// θ ≡ c − θ with c = −2α. The identical set of θ is {θ + kP} ∪ {c − θ + kP}:
//   square, N-gon   P = 360/N, c = 0    (an edge normal lies on the u axis: α = 0)
//   'T'             P = 360,   c = 180  (mirror about its stem, the v axis: α = 90°)
//   'S'             P = 360, no fold    (no symmetry)
#pragma once

#include <vector>

#include "data/shapes.h"

namespace sg {

// θ ≡ θ + period (and, with a fold, θ ≡ fold − θ): degrees, in the true frame.
struct Ambiguity {
  double period_deg = 360;  // P = 360/n, a divisor of 360
  bool fold = false;        // a mirror of the shape makes θ and c − θ project alike
  double fold_deg = 0;      // c, defined modulo P
};

Ambiguity projection_ambiguity(const ParticleShape& shape);

// Every member of θ's identical set in [0, 360), ascending (a fixed point appears once).
std::vector<double> identical_set(double theta_deg, const Ambiguity& a);

// The representative of θ's identical set in the fundamental domain: [0, P) without a
// fold, [c/2, c/2 + P/2] (c/2 reduced modulo P/2, so inside [0, P)) with one. Members
// of one set map to the same value up to rounding.
double canonical_angle(double theta_deg, const Ambiguity& a);

// Signed error of θ against the nearest member of true_deg's identical set: the
// smallest in magnitude of wrap(θ − true) and, with a fold, wrap(θ − (c − true)), each
// wrapped into [−P/2, P/2).
double ambiguity_error(double theta_deg, double true_deg, const Ambiguity& a);

// The fold of an object learned without labels, read from its own projections: the c
// that minimises the mirror residual r(c) = Σ_k |T_k − T_{c−k}|² over the template grid
// (refined by a parabola), against the step residual s = Σ_k |T_k − T_{k+δ}|², the
// change over one stereo step. The object has a fold when r(c) < threshold · s; the
// 'S' (no mirror) measures r/s ≈ 1–3, the 'T' ≈ 0.01 (docs/projections.md). The
// learned frame's zero is arbitrary, so c is in that frame, not the true one.
struct Templates;  // data/projection_matching.h

struct DetectedFold {
  Ambiguity ambiguity;        // period 360; fold and fold_deg as detected
  double residual_ratio = 0;  // r(c) / s at the best c
};
DetectedFold detect_fold(const Templates& t, double delta_deg, double threshold = 0.2);

}  // namespace sg

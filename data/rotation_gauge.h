// Scoring learned 3-D orientations against the truth (docs/particles3d.md, "Task full"):
// the gauge, the shape's rotation group and the projection's mirror removed.
//
// A model trained without labels outputs P = L R g Rt C for the true R: C one global
// rotation (the gauge: the loss only sees rotations relative to each other), g any
// element of the shape's group G (R and R g project alike), and (L, Rt) one of the
// image's mirror alternatives: (I, I), or, since a projection cannot tell z from -z,
// (R_z(180), h) with h the shape's improper rotation (u -> -h u maps it onto itself;
// the identity for a centrosymmetric shape): M_z R P = R_z(180) R h P.
// The error of one prediction is then
//   e = min over allowed (L, Rt) of min_g angle(R, L^T P C^T Rt^T g)      (degrees),
// and C is fitted on the whole set: the best of the candidates C_i = R_i^T P_i (a
// prediction without error gives the gauge exactly) by a robust score, then refined by
// Procrustes on the matched (L, g) of the inliers: C = polar(sum (L R g Rt)^T P).
// The ground truth enters here and nowhere in training.
#pragma once
#include <vector>

#include "data/rotation.h"

namespace sg {

struct MirrorOption {
  Quat left, right;  // L, Rt
};
// {(I, I)} alone, or with the z-mirror's (R_z(180), improper).
std::vector<MirrorOption> mirror_options(const Quat& improper, bool with_mirror);

// The rotation nearest to m in the Frobenius norm (its polar factor, det +1).
Mat3 nearest_rotation(const Mat3& m);

struct OrientationMatch {
  double error_deg = 180;
  int option = 0;  // into the options
  int g = 0;       // into the group
};
// e above for one prediction at gauge C; `only` >= 0 restricts the options to that one.
OrientationMatch match_orientation(const Quat& truth, const Quat& pred, const Quat& gauge,
                                   const std::vector<Quat>& group,
                                   const std::vector<MirrorOption>& options, int only = -1);

struct GaugeFit {
  Quat gauge;
  std::vector<double> error_deg;  // per prediction, at the fitted gauge
};
// Fits C as above and scores every prediction; `only` (empty, or one entry per
// prediction: an option index or -1 for any) restricts each prediction's options.
// pred and truth must have the same, non-zero size (one line otherwise).
GaugeFit fit_gauge(const std::vector<Quat>& pred, const std::vector<Quat>& truth,
                   const std::vector<Quat>& group, const std::vector<MirrorOption>& options,
                   const std::vector<int>& only = {});

}  // namespace sg

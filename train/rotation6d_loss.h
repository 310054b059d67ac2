// The full-orientation task's head and loss (docs/particles3d.md, "Task full"), on the
// host: the network gives 6 numbers per image, turned here into a rotation, and the
// equivariance loss and its gradient w.r.t. the 6 numbers are computed here and handed
// back to autograd (train/train_full.cpp). A first version: the construction and loss
// are a few hundred flops per image, so an engine op (reference, CPU and CUDA kernels)
// would buy little on the CPU; it would on the GPU, where this costs a round trip.
//
// 6-D representation (Zhou et al. 2019): x = (a1, a2) in R^3 x R^3,
//   b1 = a1/|a1|,  u2 = a2 - (b1.a2) b1,  b2 = u2/|u2|,  b3 = b1 x b2,  F = [b1 b2 b3]
// (columns): continuous, every rotation reachable, and an output that cannot collapse
// to 0 (a plain 3x3 output can: f = 0 satisfies every equivariance).
//
// Loss of a training pair (I1, I2 = the particle tilted by delta about x) and I3 = I1
// turned in plane by gamma (the projection of R_z(gamma) R), with F_k = F(x_k):
//   L = w min_{s = +-1, g in G} |F2 - R_x(s delta) F1 g|^2
//     + min_{(t, H) in {(0, G), (pi, G h)}} |F3 - R_z(gamma + t) F1 H|^2       (Frobenius)
// G the shape's rotation group (R and R g project alike); s and t: the z-mirror (R and
// R_z(180) R h project alike, h the improper rotation, data/polyhedra.h), which turns
// R_x(delta) into R_x(-delta) and adds pi to an in-plane turn. The gradient flows through
// the minimising (s, g) and (t, H) only. Zero when F = R C for the true R (any C).
#pragma once
#include <vector>

#include "data/rotation.h"

namespace sg {

// F of one 6-vector; fails with one line when a1 or the part of a2 across it is ~0.
Mat3 rotation_from_6d(const float* x);
// dL/dx[6] of L(F(x)) from dL/dF (dF[i][j] = dL/dF_ij), by the chain rule through the
// steps above (cross product, normalisations, projection).
void rotation_from_6d_backward(const float* x, const Mat3& dF, double* dx);

// One way the other image A may relate to the first, F1: A = M F1 N for an N in `rights`.
struct Relation {
  Mat3 left;                       // M
  const std::vector<Mat3>* rights;  // the set N ranges over
};
// min over the relations and their N of |A - M F1 N|^2; adds its gradient, times
// `weight`, into dA and dF1.
double group_min_residual(const Mat3& a, const Mat3& f1, const std::vector<Relation>& relations,
                          double weight, Mat3& da, Mat3& df1);

struct EquivarianceBatch {
  // x: [3B, 6] network outputs, the B first images, then the B second, then the B turned.
  const float* x = nullptr;
  int64_t pairs = 0;
  double delta_rad = 0;
  std::vector<double> gamma_rad;  // [B]
  double pair_weight = 1;         // w: L = w L_pair + L_inplane
};
struct EquivarianceTerms {
  double pair = 0, inplane = 0;  // means over the batch, unweighted
  double weight = 1;             // the batch's pair_weight
  double total() const { return weight * pair + inplane; }
};
// The batch mean of L; grad [3B * 6] receives dL/dx. `group` G, `improper` h.
EquivarianceTerms equivariance_loss(const EquivarianceBatch& b, const std::vector<Quat>& group,
                                    const Quat& improper, std::vector<float>& grad);

// The "cheat" check (the report's term for training on the truth): the mean over n images
// of min_{(M, H) in {(I, G), (R_z(pi), G h)}} |F - M T H|^2 against their true rotations
// T (the gauge C = I); grad [n * 6] receives dL/dx. What the network can reach with
// labels, beside what it reaches without.
double supervised_rotation_loss(const float* x, const std::vector<Quat>& truth, const std::vector<Quat>& group,
                                const Quat& improper, std::vector<float>& grad);

}  // namespace sg

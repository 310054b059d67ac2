// The single-axis task of the 3-D particles (data/pairs3d.h, docs/particles3d.md):
// orientation R = R_a(alpha) R0, a the holder axis, R0 fixed per dataset; which alphas
// give the same image, and alpha read back from a stored orientation.
//
// The image is the thickness projection along z of X_alpha = R_a(alpha) R0 P. Two sources
// of coincidence (docs/particles3d.md derives both):
//   rotation  X_alpha = X_alpha'  iff  R0^-1 R_a(alpha - alpha') R0 in G, a rotation about
//             the body axis b = R0^-1 a: alpha is periodic with 360/k, k the largest order
//             of an element of G about b (k = 1 for a generic R0).
//   mirror    a projection cannot tell X from M_z X (M_z: z -> -z), and M_z R_a(alpha) =
//             R_a(-alpha) M_z for an axis a in the image plane. With M_z = -R_z(180) and the
//             shape's improper symmetries u -> -h g u (data/polyhedra.h), M_z X_alpha =
//             X_alpha' iff R_a(gamma) = R0 g h^-1 R0^-1 R_z(180) for some g in G, gamma =
//             -alpha - alpha': then alpha' = c - alpha with the fold c = -gamma. For a
//             generic R0 no g qualifies (a codimension-2 condition), so there is no fold;
//             for R0 = identity and a = x every shape here has one (c = 0).
// The result is an Ambiguity (data/projection_symmetry.h), so the folded scoring of the
// 1-D projections (train/evaluate.h evaluate_angles_folded) scores this task unchanged.
// "Generic" is exact for the rotation part; the projection could in principle coincide
// for other pairs too (a thickness image does not determine a body), which the renders in
// tests/test_single_axis.cpp would show as a period shorter than derived.
#pragma once
#include <vector>

#include "data/polyhedra.h"
#include "data/projection_symmetry.h"

namespace sg {

// The identical set of the task: period 360/k and the mirror fold, if any (degrees).
// axis: the holder axis in the lab frame, perpendicular to the beam z (else the mirror
// relation above does not hold; throws).
Ambiguity single_axis_ambiguity(const Polyhedron& p, const Quat& r0, const Vec3& axis);

// alpha of q = R_a(alpha) R0, degrees in [0, 360): the angle of q R0^-1 about a. Throws
// when q R0^-1 is not a rotation about a (to `tolerance` in its quaternion components):
// q is then not of the task.
double single_axis_angle(const Quat& q, const Quat& r0, const Vec3& axis, double tolerance = 1e-4);

}  // namespace sg

// Rotations of 3-D particles: unit quaternions q = (w, x, y, z) and 3x3 matrices.
//
// Conventions. Rotations are active: R maps a point u of the particle's own (body) frame
// to the point R u of the lab frame, with column vectors. The lab frame is the image's:
// x right, y down (image rows), z along the beam (into the screen), right-handed.
// A quaternion q rotates by R(q) u = q u q*; q and -q are the same rotation, and the
// functions here return the representative with w >= 0. Composition: mul(a, b) is
// "first b, then a", matrix(mul(a, b)) = matrix(a) * matrix(b). A positive angle turns
// anticlockwise about its axis (right-hand rule).
// ZYZ Euler angles (alpha, beta, gamma), degrees: R = Rz(alpha) Ry(beta) Rz(gamma),
// beta in [0, 180], alpha and gamma in (-180, 180]; at beta = 0 or 180 only alpha +- gamma
// is defined, and gamma is returned as 0.
#pragma once
#include <vector>

#include "engine/random.h"

namespace sg {

struct Vec3 {
  double x = 0, y = 0, z = 0;
};
struct Quat {
  double w = 1, x = 0, y = 0, z = 0;
};
struct Mat3 {
  double m[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};  // m[row][column]
};
struct EulerZYZ {
  double alpha = 0, beta = 0, gamma = 0;  // degrees
};

inline double dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 cross(const Vec3& a, const Vec3& b);
Vec3 normalised(const Vec3& v);  // throws sg::Error for a zero or non-finite vector

Quat normalised(const Quat& q);  // unit length, w >= 0; throws for zero or non-finite
Quat conj(const Quat& q);        // the inverse of a unit quaternion
Quat mul(const Quat& a, const Quat& b);
Quat axis_angle(const Vec3& axis, double deg);  // axis need not be unit
Mat3 to_matrix(const Quat& q);
Quat to_quat(const Mat3& r);  // r must be a rotation matrix (Shepperd's method)
Mat3 mul(const Mat3& a, const Mat3& b);
Vec3 apply(const Mat3& r, const Vec3& v);
Vec3 apply(const Quat& q, const Vec3& v);

Mat3 euler_zyz_to_matrix(const EulerZYZ& e);
EulerZYZ matrix_to_euler_zyz(const Mat3& r);

// Uniform on SO(3) (Haar measure), Shoemake's method: three uniforms u1, u2, u3 give
// q = (sqrt(1-u1) sin 2pi u2, sqrt(1-u1) cos 2pi u2, sqrt(u1) sin 2pi u3, sqrt(u1) cos 2pi u3),
// uniform on the 3-sphere. Draws exactly three values from rng.
Quat random_rotation(Rng& rng);

// Angle of the rotation a^-1 b, degrees in [0, 180]: 2 atan2(|vec(a* b)|, |w(a* b)|).
double geodesic_deg(const Quat& a, const Quat& b);
// min over g in `group` of geodesic_deg(a, b g): the distance between orientations of a
// particle whose symmetry rotations (body frame) are `group` (so R and R g look alike).
double geodesic_deg_mod(const Quat& a, const Quat& b, const std::vector<Quat>& group);

}  // namespace sg

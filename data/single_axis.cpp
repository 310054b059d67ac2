#include "data/single_axis.h"

#include <cmath>

#include "data/angles.h"
#include "engine/error.h"

namespace sg {

namespace {

// Whether the unit quaternion m is a rotation about the unit axis a (its vector part
// parallel to a, or zero), and then its signed angle about a in degrees, (-180, 180].
bool angle_about(const Quat& m, const Vec3& a, double tolerance, double& deg) {
  const Vec3 v{m.x, m.y, m.z};
  const double along = dot(v, a);
  const Vec3 off{v.x - along * a.x, v.y - along * a.y, v.z - along * a.z};
  if (std::sqrt(dot(off, off)) > tolerance) return false;
  deg = 2 * std::atan2(along, m.w) * 180 / kPi;
  return true;
}

}  // namespace

Ambiguity single_axis_ambiguity(const Polyhedron& p, const Quat& r0, const Vec3& axis) {
  const Vec3 a = normalised(axis);
  SG_CHECK(std::fabs(a.z) < 1e-9, "single-axis ambiguity: the tilt axis must lie in the image plane "
           "(perpendicular to the beam z), got (", a.x, ", ", a.y, ", ", a.z, ")");
  constexpr double kTol = 1e-7;
  const Quat r0i = conj(r0);
  // Rotation: R_a(beta) = R0 g R0^-1; the smallest non-zero |beta| is the period.
  double period = 360;
  for (const Quat& g : p.group) {
    double beta = 0;
    if (angle_about(mul(mul(r0, g), r0i), a, kTol, beta) && std::fabs(beta) > 1e-6)
      period = std::min(period, std::fabs(beta));
  }
  Ambiguity out;
  out.period_deg = 360.0 / std::round(360.0 / period);
  // Mirror: R_a(gamma) = R0 g h^-1 R0^-1 R_z(180) gives alpha' = -gamma - alpha.
  const Quat z180 = axis_angle({0, 0, 1}, 180), hi = conj(p.improper);
  for (const Quat& g : p.group) {
    double gamma = 0;
    if (!angle_about(mul(mul(mul(mul(r0, g), hi), r0i), z180), a, kTol, gamma)) continue;
    out.fold = true;
    out.fold_deg = wrap_positive(-gamma, out.period_deg);
    break;
  }
  return out;
}

double single_axis_angle(const Quat& q, const Quat& r0, const Vec3& axis, double tolerance) {
  double deg = 0;
  SG_CHECK(angle_about(mul(q, conj(r0)), normalised(axis), tolerance, deg),
           "orientation (", q.w, ", ", q.x, ", ", q.y, ", ", q.z,
           ") is not R_axis(alpha) R0 for this dataset's R0: not a single-axis orientation");
  return wrap_positive(deg);
}

}  // namespace sg

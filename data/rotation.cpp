#include "data/rotation.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace sg {

namespace {
constexpr double kDeg = 3.14159265358979323846 / 180.0;
}

Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

Vec3 normalised(const Vec3& v) {
  const double n = std::sqrt(dot(v, v));
  SG_CHECK(std::isfinite(n) && n > 0, "a direction must be a finite non-zero vector, got (", v.x,
           ", ", v.y, ", ", v.z, ")");
  return {v.x / n, v.y / n, v.z / n};
}

Quat normalised(const Quat& q) {
  const double n = std::sqrt(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z);
  SG_CHECK(std::isfinite(n) && n > 0, "a quaternion must be finite and non-zero");
  const double s = q.w < 0 ? -1 / n : 1 / n;
  return {q.w * s, q.x * s, q.y * s, q.z * s};
}

Quat conj(const Quat& q) { return {q.w, -q.x, -q.y, -q.z}; }

// Hamilton product; normalised so products of many factors stay on the sphere.
Quat mul(const Quat& a, const Quat& b) {
  return normalised(Quat{a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
                         a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
                         a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
                         a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w});
}

Quat axis_angle(const Vec3& axis, double deg) {
  const Vec3 u = normalised(axis);
  const double h = 0.5 * deg * kDeg, s = std::sin(h);
  return normalised(Quat{std::cos(h), u.x * s, u.y * s, u.z * s});
}

Mat3 to_matrix(const Quat& q) {
  const double w = q.w, x = q.x, y = q.y, z = q.z;
  Mat3 r;
  r.m[0][0] = 1 - 2 * (y * y + z * z), r.m[0][1] = 2 * (x * y - w * z), r.m[0][2] = 2 * (x * z + w * y);
  r.m[1][0] = 2 * (x * y + w * z), r.m[1][1] = 1 - 2 * (x * x + z * z), r.m[1][2] = 2 * (y * z - w * x);
  r.m[2][0] = 2 * (x * z - w * y), r.m[2][1] = 2 * (y * z + w * x), r.m[2][2] = 1 - 2 * (x * x + y * y);
  return r;
}

// Shepperd: take the square root of the largest of 1 + trace and 1 + 2 r_ii - trace, so
// the division that recovers the other three components is never by a small number.
Quat to_quat(const Mat3& r) {
  const auto& m = r.m;
  const double t = m[0][0] + m[1][1] + m[2][2];
  Quat q;
  if (t >= m[0][0] && t >= m[1][1] && t >= m[2][2]) {
    const double s = 2 * std::sqrt(1 + t);
    q = {s / 4, (m[2][1] - m[1][2]) / s, (m[0][2] - m[2][0]) / s, (m[1][0] - m[0][1]) / s};
  } else if (m[0][0] >= m[1][1] && m[0][0] >= m[2][2]) {
    const double s = 2 * std::sqrt(1 + 2 * m[0][0] - t);
    q = {(m[2][1] - m[1][2]) / s, s / 4, (m[0][1] + m[1][0]) / s, (m[0][2] + m[2][0]) / s};
  } else if (m[1][1] >= m[2][2]) {
    const double s = 2 * std::sqrt(1 + 2 * m[1][1] - t);
    q = {(m[0][2] - m[2][0]) / s, (m[0][1] + m[1][0]) / s, s / 4, (m[1][2] + m[2][1]) / s};
  } else {
    const double s = 2 * std::sqrt(1 + 2 * m[2][2] - t);
    q = {(m[1][0] - m[0][1]) / s, (m[0][2] + m[2][0]) / s, (m[1][2] + m[2][1]) / s, s / 4};
  }
  return normalised(q);
}

Mat3 mul(const Mat3& a, const Mat3& b) {
  Mat3 c;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      c.m[i][j] = a.m[i][0] * b.m[0][j] + a.m[i][1] * b.m[1][j] + a.m[i][2] * b.m[2][j];
  return c;
}

Vec3 apply(const Mat3& r, const Vec3& v) {
  const auto& m = r.m;
  return {m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z, m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
          m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z};
}

Vec3 apply(const Quat& q, const Vec3& v) { return apply(to_matrix(q), v); }

Mat3 euler_zyz_to_matrix(const EulerZYZ& e) {
  return to_matrix(mul(mul(axis_angle({0, 0, 1}, e.alpha), axis_angle({0, 1, 0}, e.beta)),
                       axis_angle({0, 0, 1}, e.gamma)));
}

// R = Rz(a) Ry(b) Rz(c) has third column (cos a sin b, sin a sin b, cos b) and third row
// (-sin b cos c, sin b sin c, cos b). At sin b = 0 it is Rz(a + c) (b = 0) or
// Ry(180) Rz(c - a) (b = 180); with c = 0, a is read from the upper-left block.
EulerZYZ matrix_to_euler_zyz(const Mat3& r) {
  const auto& m = r.m;
  const double sb = std::hypot(m[0][2], m[1][2]);
  EulerZYZ e;
  e.beta = std::atan2(sb, m[2][2]) / kDeg;
  if (sb > 1e-12) {
    e.alpha = std::atan2(m[1][2], m[0][2]) / kDeg;
    e.gamma = std::atan2(m[2][1], -m[2][0]) / kDeg;
  } else if (m[2][2] > 0) {
    e.alpha = std::atan2(m[1][0], m[0][0]) / kDeg;
  } else {
    e.alpha = std::atan2(-m[1][0], m[1][1]) / kDeg;
  }
  if (e.alpha <= -180) e.alpha += 360;
  if (e.gamma <= -180) e.gamma += 360;
  return e;
}

Quat random_rotation(Rng& rng) {
  const double u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform();
  const double a = std::sqrt(1 - u1), b = std::sqrt(u1), t2 = 2 * M_PI * u2, t3 = 2 * M_PI * u3;
  return normalised(Quat{b * std::cos(t3), a * std::sin(t2), a * std::cos(t2), b * std::sin(t3)});
}

double geodesic_deg(const Quat& a, const Quat& b) {
  const Quat d = mul(conj(a), b);
  return 2 * std::atan2(std::sqrt(d.x * d.x + d.y * d.y + d.z * d.z), std::fabs(d.w)) / kDeg;
}

double geodesic_deg_mod(const Quat& a, const Quat& b, const std::vector<Quat>& group) {
  double best = 180;
  for (const Quat& g : group) best = std::min(best, geodesic_deg(a, mul(b, g)));
  return best;
}

}  // namespace sg

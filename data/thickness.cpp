#include "data/thickness.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/error.h"

namespace sg {

namespace {
constexpr double kParallel = 1e-9;
constexpr double kInf = std::numeric_limits<double>::infinity();

void check_render_args(int supersample, double exponent, int64_t h, int64_t w) {
  SG_CHECK(supersample >= 1 && supersample <= 32, "thickness: supersample must be in [1, 32], got ",
           supersample);
  SG_CHECK(exponent > 0 && exponent <= 4, "thickness: exponent must be in (0, 4], got ", exponent);
  SG_CHECK(h > 0 && w > 0, "thickness: image size must be positive, got ", h, " x ", w);
}
}  // namespace

double chord_length(const Polyhedron& p, const Pose3d& pose, double x, double y) {
  const Mat3 r = to_matrix(pose.q);
  double lo = -kInf, hi = kInf;
  for (size_t f = 0; f < p.normals.size(); ++f) {
    const Vec3 m = apply(r, p.normals[f]);
    const double d = pose.radius * p.offsets[f];
    const double a = m.x * (x - pose.cx) + m.y * (y - pose.cy);
    if (std::fabs(m.z) < kParallel) {
      if (a > d) return 0;
    } else if (m.z > 0) {
      hi = std::min(hi, (d - a) / m.z);
    } else {
      lo = std::max(lo, (d - a) / m.z);
    }
  }
  return std::max(0.0, hi - lo);
}

void render_thickness(const Polyhedron& p, const Pose3d& pose, int supersample, double exponent,
                      int64_t h, int64_t w, float* out) {
  check_render_args(supersample, exponent, h, w);
  std::fill(out, out + h * w, 0.0f);
  const Mat3 r = to_matrix(pose.q);
  // t_f(x, y) = A + B x + C y with B = -m_x/m_z, C = -m_y/m_z, A = (s d + m_x cx + m_y cy)/m_z.
  struct Plane {
    double a, b, c;
  };
  std::vector<Plane> enter, exit, parallel;  // parallel: inside iff b x + c y <= a
  for (size_t f = 0; f < p.normals.size(); ++f) {
    const Vec3 m = apply(r, p.normals[f]);
    const double e = pose.radius * p.offsets[f] + m.x * pose.cx + m.y * pose.cy;
    if (std::fabs(m.z) < kParallel) parallel.push_back({e, m.x, m.y});
    else (m.z > 0 ? exit : enter).push_back({e / m.z, -m.x / m.z, -m.y / m.z});
  }
  double x0 = kInf, x1 = -kInf, y0 = kInf, y1 = -kInf;
  for (const Vec3& v : p.vertices) {
    const Vec3 u = apply(r, v);
    x0 = std::min(x0, pose.cx + pose.radius * u.x), x1 = std::max(x1, pose.cx + pose.radius * u.x);
    y0 = std::min(y0, pose.cy + pose.radius * u.y), y1 = std::max(y1, pose.cy + pose.radius * u.y);
  }
  const int64_t j0 = std::max<int64_t>(0, int64_t(std::floor(x0))), j1 = std::min<int64_t>(w, int64_t(std::floor(x1)) + 1);
  const int64_t i0 = std::max<int64_t>(0, int64_t(std::floor(y0))), i1 = std::min<int64_t>(h, int64_t(std::floor(y1)) + 1);
  if (j0 >= j1 || i0 >= i1) return;
  const int k = supersample;
  const int64_t n = (j1 - j0) * k;
  const size_t m = static_cast<size_t>(n);
  std::vector<double> xs(m), lo(m), hi(m), acc(static_cast<size_t>(j1 - j0));
  for (int64_t q = 0; q < n; ++q) xs[size_t(q)] = double(j0) + (double(q) + 0.5) / k;
  const double norm = 1.0 / (double(k) * k);
  for (int64_t i = i0; i < i1; ++i) {
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int b = 0; b < k; ++b) {
      const double y = double(i) + (b + 0.5) / k;
      std::fill(lo.begin(), lo.end(), -kInf);
      std::fill(hi.begin(), hi.end(), kInf);
      for (const Plane& f : enter) {
        const double base = f.a + f.c * y;
        for (int64_t q = 0; q < n; ++q) lo[q] = std::max(lo[q], base + f.b * xs[q]);
      }
      for (const Plane& f : exit) {
        const double base = f.a + f.c * y;
        for (int64_t q = 0; q < n; ++q) hi[q] = std::min(hi[q], base + f.b * xs[q]);
      }
      for (const Plane& f : parallel) {
        const double lim = f.a - f.c * y;
        for (int64_t q = 0; q < n; ++q) hi[q] = f.b * xs[q] > lim ? -kInf : hi[q];
      }
      for (int64_t q = 0; q < n; ++q) {
        const double l = std::max(0.0, hi[q] - lo[q]);
        acc[size_t(q / k)] += exponent == 1 ? l : std::pow(l, exponent);
      }
    }
    for (int64_t j = j0; j < j1; ++j) out[i * w + j] = float(acc[size_t(j - j0)] * norm);
  }
}

Image render_thickness_reference(const Polyhedron& p, const Pose3d& pose, int supersample,
                                 double exponent, int64_t h, int64_t w) {
  check_render_args(supersample, exponent, h, w);
  Image img(h, w);
  const int k = supersample;
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      double s = 0;
      for (int b = 0; b < k; ++b)
        for (int a = 0; a < k; ++a)
          s += std::pow(chord_length(p, pose, double(j) + (a + 0.5) / k, double(i) + (b + 0.5) / k), exponent);
      img.at(i, j) = float(s / (double(k) * k));
    }
  return img;
}

}  // namespace sg

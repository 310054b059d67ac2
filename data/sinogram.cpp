#include "data/sinogram.h"

#include <algorithm>
#include <cmath>

#include "data/angles.h"
#include "data/projection.h"
#include "engine/error.h"

namespace sg {

Pose sinogram_pose(int64_t size, double radius, double theta_deg) {
  const double axis = double(size / 2) + 0.5;
  return Pose{axis, axis, radius, theta_deg};
}

Sinogram make_sinogram(const ParticleShape& shape, int64_t size, double radius, double step_deg,
                       int supersample) {
  SG_CHECK(size >= 8, "sinogram: size must be >= 8, got ", size);
  SG_CHECK(step_deg > 0 && step_deg <= 180, "sinogram: step must be in (0, 180] degrees, got ",
           step_deg);
  const double steps = 360.0 / step_deg;
  const int64_t n = std::llround(steps);
  SG_CHECK(std::abs(steps - double(n)) < 1e-6 * steps, "sinogram: step ", step_deg,
           " does not divide 360 degrees evenly");
  SG_CHECK(radius > 0 && radius <= double(size) / 2 - 1, "sinogram: radius must be in (0, ",
           double(size) / 2 - 1, "] for size ", size, ", got ", radius);
  Sinogram s;
  s.rows = Image(n, size);
  Image img(size, size);
  for (int64_t a = 0; a < n; ++a) {
    const double theta = step_deg * double(a);
    s.angles_deg.push_back(theta);
    render(shape, sinogram_pose(size, radius, theta), supersample, size, size, img.px.data());
    project_y(img.px.data(), size, size, &s.rows.px[size_t(a * size)]);
  }
  return s;
}

Image filtered_back_projection(const Sinogram& sinogram) {
  const Image& sino = sinogram.rows;
  const int64_t n_angles = sino.h, size = sino.w;
  SG_CHECK(n_angles > 0 && int64_t(sinogram.angles_deg.size()) == n_angles,
           "filtered_back_projection: ", sinogram.angles_deg.size(), " angles for ", n_angles,
           " projections");
  // 1. Pad to the diagonal, keeping the rotation axis at index D / 2.
  const int64_t D = int64_t(std::ceil(std::sqrt(2.0) * double(size)));
  const int64_t before = D / 2 - size / 2;
  // 2. Ramp filter as a convolution with the spatial kernel 2 f[|d|].
  std::vector<double> kernel(size_t(D), 0.0);
  kernel[0] = 2 * 0.25;
  for (int64_t d = 1; d < D; d += 2) kernel[size_t(d)] = -2.0 / ((kPi * d) * (kPi * d));
  std::vector<double> filtered(size_t(n_angles * D), 0.0);
  for (int64_t a = 0; a < n_angles; ++a) {
    const float* p = &sino.px[size_t(a * size)];
    double* q = &filtered[size_t(a * D)];
    for (int64_t i = 0; i < D; ++i) {
      double acc = 0;
      for (int64_t j = 0; j < size; ++j)
        acc += double(p[j]) * kernel[size_t(std::abs(i - before - j))];
      q[i] = acc;
    }
  }
  if (!sinogram.weights.empty()) {
    SG_CHECK(int64_t(sinogram.weights.size()) == n_angles, "filtered_back_projection: ",
             sinogram.weights.size(), " weights for ", n_angles, " projections");
    for (int64_t a = 0; a < n_angles; ++a)
      for (int64_t i = 0; i < D; ++i) filtered[size_t(a * D + i)] *= sinogram.weights[size_t(a)];
  }
  // 3. Back-project with linear interpolation; 4. circle mask and scale.
  Image out(size, size);
  const int64_t centre = size / 2, mid = D / 2;
  const double radius2 = double(centre) * double(centre);
  std::vector<double> cos_t(static_cast<size_t>(n_angles)), sin_t(static_cast<size_t>(n_angles));
  for (int64_t a = 0; a < n_angles; ++a) {
    const double th = sinogram.angles_deg[size_t(a)] * (kPi / 180.0);
    cos_t[size_t(a)] = std::cos(th);
    sin_t[size_t(a)] = std::sin(th);
  }
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < size; ++r) {
    const double x = double(r - centre);
    for (int64_t c = 0; c < size; ++c) {
      const double y = double(c - centre);
      if (x * x + y * y > radius2) continue;
      double acc = 0;
      for (int64_t a = 0; a < n_angles; ++a) {
        // Position along the padded projection, in samples.
        const double t = y * cos_t[size_t(a)] - x * sin_t[size_t(a)] + double(mid);
        if (t < 0 || t > double(D - 1)) continue;  // np.interp(left=0, right=0)
        const int64_t i0 = std::min<int64_t>(int64_t(t), D - 2);
        const double frac = t - double(i0);
        const double* q = &filtered[size_t(a * D)];
        acc += q[i0] + frac * (q[i0 + 1] - q[i0]);
      }
      out.at(r, c) = float(acc * kPi / (2.0 * double(n_angles)));
    }
  }
  return out;
}

std::vector<double> angular_weights(const std::vector<double>& angles_deg) {
  const size_t n = angles_deg.size();
  std::vector<double> w(n, 1.0);
  if (n < 2) return w;
  std::vector<std::pair<double, size_t>> a(n);
  for (size_t i = 0; i < n; ++i) {
    double t = std::fmod(angles_deg[i], 360.0);
    a[i] = {t < 0 ? t + 360.0 : t, i};
  }
  std::sort(a.begin(), a.end());
  for (size_t k = 0; k < n; ++k) {
    const double prev = k == 0 ? a[n - 1].first - 360.0 : a[k - 1].first;
    const double next = k + 1 == n ? a[0].first + 360.0 : a[k + 1].first;
    w[a[k].second] = 0.5 * (next - prev) * double(n) / 360.0;
  }
  return w;
}

void forward_project(const Image& img, double theta_deg, float* out) {
  const int64_t size = img.w;
  SG_CHECK(img.h == size, "forward_project: image must be square, got ", img.h, "x", img.w);
  const double th = theta_deg * (kPi / 180.0), ct = std::cos(th), st = std::sin(th);
  const int64_t centre = size / 2;
  std::vector<double> acc(size_t(size), 0.0);
  for (int64_t r = 0; r < size; ++r) {
    const double x = double(r - centre);
    for (int64_t c = 0; c < size; ++c) {
      const double v = img.at(r, c);
      if (v == 0) continue;
      const double t = double(c - centre) * ct - x * st + double(centre);
      const double f = std::floor(t);
      const int64_t i0 = int64_t(f);
      const double frac = t - f;
      if (i0 >= 0 && i0 < size) acc[size_t(i0)] += v * (1 - frac);
      if (i0 + 1 >= 0 && i0 + 1 < size) acc[size_t(i0 + 1)] += v * frac;
    }
  }
  for (int64_t i = 0; i < size; ++i) out[i] = float(acc[size_t(i)]);
}

double rmse(const Image& a, const Image& b) {
  SG_CHECK(a.h == b.h && a.w == b.w, "rmse: image sizes differ (", a.h, "x", a.w, " vs ", b.h, "x",
           b.w, ")");
  double s = 0;
  for (size_t i = 0; i < a.px.size(); ++i) {
    const double d = double(a.px[i]) - double(b.px[i]);
    s += d * d;
  }
  return std::sqrt(s / double(a.px.size()));
}

}  // namespace sg

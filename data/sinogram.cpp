#include "data/sinogram.h"

#include <cmath>

#include "data/projection.h"
#include "engine/error.h"

namespace sg {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

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

#include "data/tilt_pair_sync.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "data/blur.h"
#include "data/preprocess.h"

namespace sg {

namespace {

// Centroid and second central moments of a non-negative image (x = column, y = row).
struct Moments2 {
  double cx = 0, cy = 0, xx = 0, xy = 0, yy = 0;
  bool empty = true;
};

Moments2 moments2(const float* px, int64_t size) {
  Moments2 m;
  double total = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < size; ++j) {
      const double v = px[i * size + j], x = double(j), y = double(i);
      total += v, sx += v * x, sy += v * y, sxx += v * x * x, sxy += v * x * y, syy += v * y * y;
    }
  if (!(total > 0)) return m;
  m.empty = false;
  m.cx = sx / total, m.cy = sy / total;
  m.xx = sxx / total - m.cx * m.cx, m.xy = sxy / total - m.cx * m.cy, m.yy = syy / total - m.cy * m.cy;
  return m;
}

}  // namespace

std::vector<float> sync_normalised(const float* pairs, int64_t N, int64_t size, const TiltSyncFrame& frame) {
  const int64_t n = size * size;
  std::vector<float> x(static_cast<size_t>(2 * N * n));
  const Vec3 a = normalised(frame.tilt_axis);
  const double in_plane = std::hypot(a.x, a.y);
  const bool invariant = in_plane > 1 - 1e-9;  // the axis lies in the image plane
  const double ux = invariant ? a.x / in_plane : 0, uy = invariant ? a.y / in_plane : 0;
  const double b2 = frame.blur_px * frame.blur_px, target = kSyncTargetStd * double(size);
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < N; ++p) {
    Moments2 m[2];
    double width[2];
    for (int k = 0; k < 2; ++k) {
      m[k] = moments2(pairs + (2 * p + k) * n, size);
      const double var = invariant ? ux * ux * m[k].xx + 2 * ux * uy * m[k].xy + uy * uy * m[k].yy
                                   : 0.5 * (m[k].xx + m[k].yy);
      width[k] = std::sqrt(std::max(var - b2, 0.25 * var));  // the blur never takes more than 3/4
    }
    for (int k = 0; k < 2; ++k) {
      const float* src = pairs + (2 * p + k) * n;
      float* img = x.data() + (2 * p + k) * n;
      const double w = invariant && !m[1 - k].empty ? 0.5 * (width[0] + width[1]) : width[k];
      if (m[k].empty || !(w > 0)) {
        std::copy(src, src + n, img);
        continue;
      }
      const double scale = w / target;  // input px per normalised px
      resample_about(src, size, size, m[k].cy, m[k].cx, scale, img);
      if (frame.blur_px > 0) {
        const double have = frame.blur_px / scale, want = kSyncBlurPx;
        if (want > have) gaussian_blur(img, size, size, std::sqrt(want * want - have * have));
      }
      double sum = 0;
      for (int64_t t = 0; t < n; ++t) sum += img[t];
      if (sum > 0)
        for (int64_t t = 0; t < n; ++t) img[t] = float(img[t] * double(n) / sum);
    }
  }
  return x;
}

std::vector<double> synchronise_tilt_pairs(const float* pairs, int64_t N, int64_t size, double delta_deg,
                                           const TiltSyncFrame& frame, SyncResult* diagnostics) {
  const std::vector<float> x = sync_normalised(pairs, N, size, frame);
  SyncResult r = synchronise_angles(x.data(), N, size * size, delta_deg);
  std::vector<double> firsts(r.angles_deg.begin(), r.angles_deg.begin() + N);
  if (diagnostics) *diagnostics = std::move(r);
  return firsts;
}

std::string sync_reliability_warning(const SyncResult& r) {
  const bool frustrated = sync_frustration(r) > kTiltSyncFrustrationLimit, cut = r.spread < kTiltSyncSpreadLimit;
  if (!frustrated && !cut) return "";
  char line[320];
  std::snprintf(line, sizeof line,
                "warning: the synchronisation looks wrong (%s: 1 - lambda = %.2g, limit %.0e; spread %.3f, limit %.1f): "
                "many of its angles are likely wrong (docs/particles3d.md)",
                frustrated ? "frustrated" : "its eigenvector lives on a cut-off piece of the graph",
                sync_frustration(r), kTiltSyncFrustrationLimit, r.spread, kTiltSyncSpreadLimit);
  return line;
}

}  // namespace sg

#include "data/preprocess.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "data/image.h"

namespace sg {

void remove_background(float* px, size_t n, float threshold) {
  for (size_t i = 0; i < n; ++i) px[i] = px[i] < threshold ? 0.0f : std::min(px[i], 1.0f);
}

bool centre_of_mass(const float* px, int64_t h, int64_t w, double& cy, double& cx) {
  // Per-column sums of v and of i * v: the inner loop runs along the row, element by
  // element, so it vectorises; only the final sums over columns are sequential.
  std::vector<double> col(size_t(w), 0.0), col_y(size_t(w), 0.0);
  for (int64_t i = 0; i < h; ++i) {
    const float* row = px + i * w;
    for (int64_t j = 0; j < w; ++j) {
      col[size_t(j)] += row[j];
      col_y[size_t(j)] += double(i) * row[j];
    }
  }
  double total = 0, sy = 0, sx = 0;
  for (int64_t j = 0; j < w; ++j) {
    total += col[size_t(j)];
    sx += double(j) * col[size_t(j)];
    sy += col_y[size_t(j)];
  }
  if (!(total > 0)) return false;
  cy = sy / total;
  cx = sx / total;
  return true;
}

void roll(float* px, int64_t h, int64_t w, int64_t dy, int64_t dx) {
  dy = ((dy % h) + h) % h;
  dx = ((dx % w) + w) % w;
  if (dy == 0 && dx == 0) return;
  std::vector<float> src(px, px + h * w);
  for (int64_t i = 0; i < h; ++i) {
    float* dst_row = px + ((i + dy) % h) * w;
    const float* src_row = src.data() + i * w;
    // Columns [0, w - dx) move right by dx; the last dx wrap round to the front.
    std::copy(src_row, src_row + (w - dx), dst_row + dx);
    std::copy(src_row + (w - dx), src_row + w, dst_row);
  }
}

void centre_by_mass(float* px, int64_t h, int64_t w) {
  double cy, cx;
  if (!centre_of_mass(px, h, w, cy, cx)) return;
  roll(px, h, w, std::lround(0.5 * double(h - 1) - cy), std::lround(0.5 * double(w - 1) - cx));
}

void preprocess(float* px, int64_t h, int64_t w, float threshold) {
  remove_background(px, size_t(h * w), threshold);
  centre_by_mass(px, h, w);
}

double rms_radius(const float* px, int64_t h, int64_t w) {
  double cy, cx;
  if (!centre_of_mass(px, h, w, cy, cx)) return 0;
  double total = 0, m2 = 0;
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      const double v = px[i * w + j], dy = double(i) - cy, dx = double(j) - cx;
      total += v;
      m2 += v * (dy * dy + dx * dx);
    }
  return std::sqrt(m2 / total);
}

double normalise_size(float* px, int64_t h, int64_t w, double target_px) {
  double cy, cx;
  if (!centre_of_mass(px, h, w, cy, cx)) return 0;
  const double r = rms_radius(px, h, w);
  if (!(r > 0)) return 0;
  const double scale = r / target_px;
  const std::vector<float> src(px, px + h * w);
  resample_about(src.data(), h, w, cy, cx, scale, px);
  return scale;
}

void resample_about(const float* in, int64_t h, int64_t w, double cy, double cx, double scale, float* out) {
  const double oy = 0.5 * double(h - 1), ox = 0.5 * double(w - 1);
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j)
      out[i * w + j] = float(bilinear(in, h, w, cy + (double(i) - oy) * scale, cx + (double(j) - ox) * scale));
}

void normalise_sizes(float* images, int64_t count, int64_t size, double fraction) {
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) normalise_size(images + i * size * size, size, size, fraction * double(size));
}

}  // namespace sg

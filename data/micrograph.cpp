#include "data/micrograph.h"

#include <algorithm>
#include <cmath>
#include <climits>

#include "engine/error.h"

namespace sg {

std::string flag_words(uint32_t flags) {
  std::string s;
  auto add = [&](uint32_t bit, const char* word) {
    if (flags & bit) s += (s.empty() ? "" : ";") + std::string(word);
  };
  add(kBorder, "border");
  add(kTouching, "touching");
  add(kSmall, "small");
  return s.empty() ? "ok" : s;
}

int64_t otsu_bin(const std::vector<double>& hist) {
  const int64_t n = int64_t(hist.size());
  SG_CHECK(n >= 2, "otsu: the histogram needs at least 2 bins");
  double total = 0, sum = 0;
  for (int64_t i = 0; i < n; ++i) total += hist[i], sum += double(i) * hist[i];
  // Between-class variance w0·w1·(μ0 − μ1)² = (μ·w0 − m0)² / (w0·(1 − w0)) in normalised
  // weights, with m0 the first moment of class 0: one pass over the cumulative sums.
  double w0 = 0, m0 = 0, best = -1;
  int64_t k_best = 1;
  for (int64_t k = 1; k < n; ++k) {
    w0 += hist[k - 1] / total;
    m0 += double(k - 1) * hist[k - 1] / total;
    if (w0 <= 0 || w0 >= 1) continue;
    const double d = sum / total * w0 - m0, v = d * d / (w0 * (1 - w0));
    if (v > best) best = v, k_best = k;
  }
  return k_best;
}

namespace {
int32_t find_root(std::vector<int32_t>& parent, int32_t a) {
  while (parent[a] != a) a = parent[a] = parent[parent[a]];  // path halving
  return a;
}
}  // namespace

int32_t label_components(const uint8_t* mask, int64_t h, int64_t w, std::vector<int32_t>& labels) {
  labels.assign(size_t(h * w), 0);
  std::vector<int32_t> parent{0};
  // Pass 1: each foreground pixel takes the smallest provisional label among its already
  // visited 8-neighbours (W, NW, N, NE) and unites the others with it.
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      if (!mask[i * w + j]) continue;
      int32_t nb[4], k = 0;
      if (j > 0 && labels[i * w + j - 1]) nb[k++] = labels[i * w + j - 1];
      if (i > 0) {
        for (int64_t dj = -1; dj <= 1; ++dj) {
          const int64_t jj = j + dj;
          if (jj >= 0 && jj < w && labels[(i - 1) * w + jj]) nb[k++] = labels[(i - 1) * w + jj];
        }
      }
      if (k == 0) {
        parent.push_back(int32_t(parent.size()));
        labels[i * w + j] = int32_t(parent.size() - 1);
        continue;
      }
      int32_t r = find_root(parent, nb[0]);
      for (int q = 1; q < k; ++q) {
        const int32_t s = find_root(parent, nb[q]);
        if (s != r) parent[std::max(r, s)] = std::min(r, s), r = std::min(r, s);
      }
      labels[i * w + j] = r;
    }
  // Pass 2: roots renumbered 1..count in raster order of first appearance.
  std::vector<int32_t> final_label(parent.size(), 0);
  int32_t count = 0;
  for (auto& l : labels) {
    if (!l) continue;
    const int32_t r = find_root(parent, l);
    if (!final_label[r]) final_label[r] = ++count;
    l = final_label[r];
  }
  return count;
}

namespace {
// b(x): tile medians, bilinear between tile centres (clamped at the edges); returns the
// residual r = v − b.
std::vector<float> residual_map(const float* px, int64_t h, int64_t w, int64_t tile) {
  const int64_t ty = (h + tile - 1) / tile, tx = (w + tile - 1) / tile;
  std::vector<double> med(size_t(ty * tx));
#pragma omp parallel
  {
    std::vector<float> buf;
#pragma omp for schedule(dynamic)
    for (int64_t t = 0; t < ty * tx; ++t) {
      const int64_t a = t / tx, b = t % tx;
      // Every other row and column: a quarter of the tile estimates its median to
      // ~1.25σ/√(tile²/4), 2 % of the noise for 128 px tiles, at a quarter of the work.
      buf.clear();
      for (int64_t i = a * tile; i < std::min(h, (a + 1) * tile); i += 2)
        for (int64_t j = b * tile; j < std::min(w, (b + 1) * tile); j += 2) buf.push_back(px[i * w + j]);
      std::nth_element(buf.begin(), buf.begin() + buf.size() / 2, buf.end());
      med[t] = buf[buf.size() / 2];
    }
  }
  std::vector<float> r(size_t(h * w));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < h; ++i) {
    const double fy = std::clamp((i + 0.5) / tile - 0.5, 0.0, double(ty - 1));
    const int64_t a0 = int64_t(fy), a1 = std::min(a0 + 1, ty - 1);
    const double sy = fy - a0;
    for (int64_t j = 0; j < w; ++j) {
      const double fx = std::clamp((j + 0.5) / tile - 0.5, 0.0, double(tx - 1));
      const int64_t b0 = int64_t(fx), b1 = std::min(b0 + 1, tx - 1);
      const double sx = fx - b0;
      const float b = float((1 - sy) * ((1 - sx) * med[a0 * tx + b0] + sx * med[a0 * tx + b1]) +
                            sy * ((1 - sx) * med[a1 * tx + b0] + sx * med[a1 * tx + b1]));
      r[i * w + j] = px[i * w + j] - b;
    }
  }
  return r;
}

// The 3x3 box mean of r (the window clipped at the frame's edge): column sums of three
// rows, then three columns; the interior has no branches, so it vectorises.
std::vector<float> box_mean3(const std::vector<float>& r, int64_t h, int64_t w) {
  std::vector<float> mean(r.size());
#pragma omp parallel
  {
    std::vector<float> col(static_cast<size_t>(w));
#pragma omp for schedule(static)
    for (int64_t i = 0; i < h; ++i) {
      const int64_t a0 = std::max<int64_t>(0, i - 1), a1 = std::min(h - 1, i + 1);
      for (int64_t j = 0; j < w; ++j) {
        float c = 0;
        for (int64_t a = a0; a <= a1; ++a) c += r[a * w + j];
        col[j] = c;
      }
      const float rows = float(a1 - a0 + 1);
      float* m = mean.data() + i * w;
      for (int64_t j = 1; j + 1 < w; ++j) m[j] = (col[j - 1] + col[j] + col[j + 1]) / (3 * rows);
      m[0] = (col[0] + col[1]) / (2 * rows);
      m[w - 1] = (col[w - 2] + col[w - 1]) / (2 * rows);
    }
  }
  return mean;
}

// Otsu's threshold on r, from the 1024-bin histogram of the 3x3 mean (per-thread
// histograms, summed: integer counts, so any thread count gives the same threshold).
double mean_threshold(const std::vector<float>& mean) {
  const int64_t n = int64_t(mean.size()), bins = 1024;
  float lo = mean[0], hi = mean[0];
#pragma omp parallel for schedule(static) reduction(min : lo) reduction(max : hi)
  for (int64_t k = 0; k < n; ++k) lo = std::min(lo, mean[k]), hi = std::max(hi, mean[k]);
  SG_CHECK(hi > lo, "the micrograph is flat: no particle");
  std::vector<int64_t> counts(size_t(bins), 0);
  const double scale = double(bins) / (double(hi) - double(lo));
#pragma omp parallel
  {
    std::vector<int64_t> local(size_t(bins), 0);
#pragma omp for schedule(static)
    for (int64_t k = 0; k < n; ++k) ++local[std::min(bins - 1, int64_t((double(mean[k]) - lo) * scale))];
#pragma omp critical
    for (int64_t b = 0; b < bins; ++b) counts[b] += local[b];
  }
  return lo + (double(hi) - lo) * double(otsu_bin(std::vector<double>(counts.begin(), counts.end()))) / bins;
}
}  // namespace

Detection detect_particles(const float* px, int64_t h, int64_t w, const DetectOptions& opt) {
  SG_CHECK(h >= 3 && w >= 3, "the micrograph is ", h, "x", w, "; detection needs at least 3x3 pixels");
  SG_CHECK(opt.tile >= 8, "detect: tile must be >= 8 pixels, got ", opt.tile);
  Detection d;
  d.h = h, d.w = w;
  d.residual = residual_map(px, h, w, opt.tile);
  const std::vector<float>& r = d.residual;
  const size_t n = size_t(h * w);
  // Otsu on the 3x3 box mean of r (white noise's variance / 9, so the two modes separate),
  // applied to r itself (so a straight edge keeps its pixels: the mean there is 1/3 or 2/3).
  const std::vector<float> mean = box_mean3(r, h, w);
  d.threshold = mean_threshold(mean);
  std::vector<uint8_t> mask(n);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < int64_t(n); ++k) mask[k] = double(r[k]) > d.threshold;
  const int32_t count = label_components(mask.data(), h, w, d.labels);

  // Per component: area, weighted sums for the centroid, bounding box.
  struct Acc {
    int64_t area = 0, x0 = INT64_MAX, y0 = INT64_MAX, x1 = -1, y1 = -1;
    double s = 0, sx = 0, sy = 0;
    float peak = -1e30f;  // largest 3x3 mean: a noise speck's stays below the threshold
  };
  std::vector<Acc> acc(size_t(count) + 1);
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      const int32_t l = d.labels[i * w + j];
      if (!l) continue;
      Acc& a = acc[l];
      const double v = r[i * w + j], x = j + 0.5, y = i + 0.5;
      ++a.area;
      a.peak = std::max(a.peak, mean[i * w + j]);
      a.s += v, a.sx += v * x, a.sy += v * y;
      a.x0 = std::min(a.x0, j), a.x1 = std::max(a.x1, j), a.y0 = std::min(a.y0, i), a.y1 = std::max(a.y1, i);
    }
  std::vector<int32_t> new_id(size_t(count) + 1, 0);
  std::vector<int64_t> areas;
  for (int32_t l = 1; l <= count; ++l) {
    const Acc& a = acc[l];
    if (a.area < opt.min_area || double(a.peak) <= d.threshold) continue;
    Particle p;
    p.id = int64_t(d.particles.size()) + 1;
    new_id[l] = int32_t(p.id);
    p.area_px = a.area;
    p.x = a.sx / a.s, p.y = a.sy / a.s;
    p.x0 = a.x0, p.y0 = a.y0, p.x1 = a.x1, p.y1 = a.y1;
    if (a.x0 == 0 || a.y0 == 0 || a.x1 == w - 1 || a.y1 == h - 1) p.flags |= kBorder;
    d.particles.push_back(p);
    areas.push_back(a.area);
  }
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < int64_t(n); ++k) d.labels[k] = new_id[d.labels[k]];
  std::vector<int64_t> sorted = areas;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median_area = sorted.empty() ? 0 : double(sorted[sorted.size() / 2]);
  // Circumradius, level and elongation: a second look at each particle's pixels, within
  // its bounding box (the same raster order as a whole-frame pass).
#pragma omp parallel
  {
    std::vector<float> values;
#pragma omp for schedule(dynamic, 16)
    for (int64_t k = 0; k < int64_t(d.particles.size()); ++k) {
      Particle& p = d.particles[k];
      double rmax = 0, cxx = 0, cyy = 0, cxy = 0;
      values.clear();
      for (int64_t i = p.y0; i <= p.y1; ++i)
        for (int64_t j = p.x0; j <= p.x1; ++j) {
          if (d.labels[i * w + j] != p.id) continue;
          const double dx = j + 0.5 - p.x, dy = i + 0.5 - p.y;
          rmax = std::max(rmax, dx * dx + dy * dy);
          cxx += dx * dx, cyy += dy * dy, cxy += dx * dy;
          values.push_back(r[i * w + j]);
        }
      p.radius_px = std::sqrt(rmax) + 0.5;
      std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
      p.level = values[values.size() / 2];
      // Eigenvalues of [[cxx, cxy], [cxy, cyy]]: m ± sqrt(q² + cxy²), m the mean, q half the difference.
      const double m = (cxx + cyy) / 2, q = (cxx - cyy) / 2, s = std::sqrt(q * q + cxy * cxy);
      const double elongation = m - s > 0 ? (m + s) / (m - s) : 1e9;
      if (double(p.area_px) > opt.merged_factor * median_area || elongation > opt.max_elongation) p.flags |= kTouching;
      if (double(p.area_px) < opt.small_fraction * median_area) p.flags |= kSmall;
    }
  }
  return d;
}

int64_t crop_factor(const Particle& p, int64_t size) {
  return std::max<int64_t>(1, int64_t(std::ceil(p.radius_px / (0.45 * double(size)))));
}

void crop_particle(const Detection& d, const Particle& p, int64_t size, int64_t factor, int grow, float* out) {
  const int64_t f = factor, h = d.h, w = d.w, g = grow;
  // Output pixel (i, j) averages micrograph rows y0 + i·f … + f − 1 (columns likewise);
  // the frame centre size/2 lands on the centroid to the nearest micrograph pixel.
  const int64_t y0 = std::llround(p.y - double(size * f) / 2), x0 = std::llround(p.x - double(size * f) / 2);
  const float inv_level = p.level > 0 ? float(1.0 / p.level) : 0.0f;
  // The grown component can only reach the bounding box ± g: its mask there, dilated by a
  // (2g+1)² square as a row pass then a column pass (a max filter is separable).
  const int64_t by0 = std::max<int64_t>(0, p.y0 - g), by1 = std::min(h - 1, p.y1 + g);
  const int64_t bx0 = std::max<int64_t>(0, p.x0 - g), bx1 = std::min(w - 1, p.x1 + g);
  const int64_t bh = by1 - by0 + 1, bw = bx1 - bx0 + 1;
  std::vector<uint8_t> own(size_t(bh * bw)), rows(size_t(bh * bw)), grown(size_t(bh * bw));
  for (int64_t i = 0; i < bh; ++i)
    for (int64_t j = 0; j < bw; ++j) own[i * bw + j] = d.labels[(by0 + i) * w + bx0 + j] == p.id;
  for (int64_t i = 0; i < bh; ++i)
    for (int64_t j = 0; j < bw; ++j) {
      uint8_t m = 0;
      for (int64_t b = std::max<int64_t>(0, j - g); b <= std::min(bw - 1, j + g); ++b) m |= own[i * bw + b];
      rows[i * bw + j] = m;
    }
  for (int64_t i = 0; i < bh; ++i)
    for (int64_t j = 0; j < bw; ++j) {
      uint8_t m = 0;
      for (int64_t a = std::max<int64_t>(0, i - g); a <= std::min(bh - 1, i + g); ++a) m |= rows[a * bw + j];
      grown[i * bw + j] = m;
    }
  std::fill(out, out + size * size, 0.0f);
  const int64_t i_lo = std::max<int64_t>(0, (by0 - y0) / f), i_hi = std::min(size - 1, (by1 - y0) / f);
  const int64_t j_lo = std::max<int64_t>(0, (bx0 - x0) / f), j_hi = std::min(size - 1, (bx1 - x0) / f);
  for (int64_t i = i_lo; i <= i_hi; ++i)
    for (int64_t j = j_lo; j <= j_hi; ++j) {
      double s = 0;
      for (int64_t a = 0; a < f; ++a)
        for (int64_t b = 0; b < f; ++b) {
          const int64_t y = y0 + i * f + a, x = x0 + j * f + b;
          if (y < by0 || y > by1 || x < bx0 || x > bx1 || !grown[(y - by0) * bw + x - bx0]) continue;
          s += std::clamp(d.residual[y * w + x] * inv_level, 0.0f, 1.0f);
        }
      out[i * size + j] = float(s / double(f * f));
    }
}

}  // namespace sg

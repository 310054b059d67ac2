#include "data/template_match3d.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "data/angles.h"
#include "data/blur.h"
#include "data/preprocess.h"
#include "data/projection_matching.h"
#include "data/thickness.h"
#include "engine/error.h"

namespace sg {

PoseEstimate estimate_pose(const SingleAxisMatcher& m, const float* image, int64_t size) {
  PoseEstimate e;
  double cy = 0, cx = 0, sum = 0;
  if (!centre_of_mass(image, size, size, cy, cx)) return e;
  for (int64_t i = 0; i < size * size; ++i) sum += image[i];
  e.cx = cx + 0.5;
  e.cy = cy + 0.5;
  e.radius = std::cbrt(sum / m.shape.volume);
  return e;
}

namespace {

// One sample's matching: renders on demand, costs summed over its images.
class SampleMatch {
 public:
  SampleMatch(const SingleAxisMatcher& m, const float* images, int64_t size,
              const std::vector<double>& offsets, const PoseEstimate& pose)
      : m_(m), images_(images), size_(size), offsets_(offsets), pose_(pose),
        buffer_(size_t(size * size)) {}

  // The template at alpha (degrees) into buffer_.
  void render(double alpha) {
    const Quat q = mul(axis_angle(m_.axis, alpha), m_.r0);
    render_thickness(m_.shape, Pose3d{q, pose_.cx, pose_.cy, pose_.radius}, m_.supersample, 1.0,
                     size_, size_, buffer_.data());
    gaussian_blur(buffer_.data(), size_, size_, m_.blur);
  }
  // |image k - buffer_|^2.
  double distance_to(size_t k) const {
    const float* img = images_ + int64_t(k) * size_ * size_;
    double d = 0;
    for (int64_t i = 0; i < size_ * size_; ++i) {
      const double r = double(img[i]) - double(buffer_[size_t(i)]);
      d += r * r;
    }
    return d;
  }
  double cost(double alpha) {
    double c = 0;
    for (size_t k = 0; k < offsets_.size(); ++k) {
      render(alpha + offsets_[k]);
      c += distance_to(k);
    }
    return c;
  }

  // The moment estimates carry the sampling's bias (up to 0.1 px at supersample 2, enough
  // to cost ~1 degree); the template at the right angle has the same bias, so moving it
  // until its centre of mass and sum equal the image's cancels it: a correction at a
  // candidate angle, averaged over the sample's images.
  void correct_pose(double alpha) {
    double dx = 0, dy = 0, ratio = 0;
    const double per = double(offsets_.size());
    for (size_t k = 0; k < offsets_.size(); ++k) {
      render(alpha + offsets_[k]);
      const float* img = images_ + int64_t(k) * size_ * size_;
      double iy = 0, ix = 0, ty = 0, tx = 0;
      if (!centre_of_mass(img, size_, size_, iy, ix) || !centre_of_mass(buffer_.data(), size_, size_, ty, tx)) return;
      double si = 0, st = 0;
      for (int64_t i = 0; i < size_ * size_; ++i) si += img[i], st += buffer_[size_t(i)];
      dx += (ix - tx) / per, dy += (iy - ty) / per, ratio += std::cbrt(si / st) / per;
    }
    pose_.cx += dx, pose_.cy += dy, pose_.radius *= ratio;
  }

  // Golden-section search of f over [lo, hi] to `tol`; x and fx hold the best so far and
  // are replaced when the search finds lower. Used for alpha between the fine minimum's
  // neighbours (the cost is V-shaped, not parabolic, where a face turns edge-on to the
  // beam, so a parabola's vertex can miss by half a step) and for the centre's y.
  template <typename F>
  static void golden_section(F f, double lo, double hi, double tol, double& x, double& fx) {
    const double g = 0.5 * (std::sqrt(5.0) - 1);
    double a = hi - g * (hi - lo), b = lo + g * (hi - lo), fa = f(a), fb = f(b);
    while (hi - lo > tol) {
      if (fa < fb) {
        hi = b, b = a, fb = fa, a = hi - g * (hi - lo), fa = f(a);
      } else {
        lo = a, a = b, fa = fb, b = lo + g * (hi - lo), fb = f(b);
      }
    }
    if (std::min(fa, fb) < fx) x = fa < fb ? a : b, fx = std::min(fa, fb);
  }

  double run() {
    // Coarse: every node rendered once; image k's distance at node j adds to the cost of
    // node j - o_k / step (the offsets are whole multiples of the step).
    const double step = offsets_.size() > 1 ? matching_step(offsets_[1], m_.coarse_deg) : m_.coarse_deg;
    const int64_t nodes = int64_t(std::lround(360.0 / step));
    const double grid = 360.0 / double(nodes);
    std::vector<double> coarse(size_t(nodes), 0.0);
    for (int64_t j = 0; j < nodes; ++j) {
      render(double(j) * grid);
      for (size_t k = 0; k < offsets_.size(); ++k) {
        const double d = distance_to(k);
        const int64_t shift = std::lround(offsets_[k] / grid);
        coarse[size_t(((j - shift) % nodes + nodes) % nodes)] += d;
      }
    }
    // The lowest local minima (cyclic) of the coarse costs.
    std::vector<int64_t> minima;
    for (int64_t j = 0; j < nodes; ++j) {
      const double c = coarse[size_t(j)];
      if (c <= coarse[size_t((j + 1) % nodes)] && c <= coarse[size_t((j + nodes - 1) % nodes)])
        minima.push_back(j);
    }
    std::sort(minima.begin(), minima.end(),
              [&](int64_t a, int64_t b) { return coarse[size_t(a)] < coarse[size_t(b)]; });
    minima.resize(std::min(minima.size(), size_t(std::max(1, m_.candidates))));
    double best = std::numeric_limits<double>::infinity(), best_alpha = 0;
    const double fine = grid / 4;
    const PoseEstimate start = pose_;
    for (int64_t j0 : minima) {
      const double centre = double(j0) * grid;
      pose_ = start;
      correct_pose(centre);
      double c[9];
      for (int t = 0; t < 9; ++t) c[t] = cost(centre + (t - 4) * fine);
      const int t = int(std::min_element(c, c + 9) - c);
      double alpha = centre + (t - 4) * fine, at = c[t];
      const auto by_alpha = [&](double x) { return cost(x); };
      if (t > 0 && t < 8) golden_section(by_alpha, alpha - fine, alpha + fine, 0.005, alpha, at);
      // A tilt about the axis moves features across it, so a centre error of 0.1 px
      // trades against ~1 degree where the image changes mostly by that motion: fit the
      // centre's component across the axis (y for the x axis) at the angle found, then
      // alpha again.
      for (int round = 0; round < 2; ++round) {
        const PoseEstimate now = pose_;
        const auto by_shift = [&](double d) {
          pose_.cx = now.cx - d * m_.axis.y, pose_.cy = now.cy + d * m_.axis.x;
          return cost(alpha);
        };
        double shift = 0, fs = at;
        golden_section(by_shift, -0.25, 0.25, 0.005, shift, fs);
        by_shift(shift);
        golden_section(by_alpha, alpha - fine, alpha + fine, 0.005, alpha, at);
      }
      if (at < best) {
        best = at;
        best_alpha = alpha;
      }
    }
    return wrap_positive(best_alpha);
  }

 private:
  const SingleAxisMatcher& m_;
  const float* images_;
  int64_t size_;
  const std::vector<double>& offsets_;
  PoseEstimate pose_;
  std::vector<float> buffer_;
};

}  // namespace

std::vector<double> match_single_axis(const SingleAxisMatcher& m, const float* images, int64_t count,
                                      int64_t size, const std::vector<double>& offsets_deg) {
  SG_CHECK(!offsets_deg.empty() && offsets_deg[0] == 0, "match_single_axis: offsets must start at 0");
  SG_CHECK(offsets_deg.size() <= 2, "match_single_axis: one image or a pair per sample");
  SG_CHECK(m.coarse_deg > 0 && m.coarse_deg <= 10, "match_single_axis: coarse step must be in (0, 10] degrees");
  const int64_t per = int64_t(offsets_deg.size()), n = size * size;
  std::vector<double> out(size_t(count), 0.0);
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t i = 0; i < count; ++i) {
    const float* sample = images + i * per * n;
    PoseEstimate pose;
    for (int64_t k = 0; k < per; ++k) {  // the same particle: average the estimates
      const PoseEstimate e = estimate_pose(m, sample + k * n, size);
      pose.cx += e.cx / double(per);
      pose.cy += e.cy / double(per);
      pose.radius += e.radius / double(per);
    }
    if (!(pose.radius > 0)) continue;  // an empty image: no particle to match (alpha 0)
    out[size_t(i)] = SampleMatch(m, sample, size, offsets_deg, pose).run();
  }
  return out;
}

}  // namespace sg

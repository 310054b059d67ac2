#include "data/projection_symmetry.h"

#include <algorithm>
#include <cmath>

#include "data/angles.h"
#include "data/projection_matching.h"
#include "engine/error.h"

namespace sg {

Ambiguity projection_ambiguity(const ParticleShape& shape) {
  switch (shape.kind()) {
    case ShapeKind::Square:
    case ShapeKind::Polygon:
      return Ambiguity{360.0 / shape.sides(), true, 0.0};
    case ShapeKind::T:
      return Ambiguity{360.0, true, 180.0};
    case ShapeKind::S:
      break;
  }
  return Ambiguity{360.0, false, 0.0};
}

std::vector<double> identical_set(double theta_deg, const Ambiguity& a) {
  SG_CHECK(a.period_deg > 0 && a.period_deg <= 360, "ambiguity: period must be in (0, 360], got ",
           a.period_deg);
  std::vector<double> out;
  const int copies = int(std::lround(360.0 / a.period_deg));
  for (double base : {theta_deg, a.fold_deg - theta_deg}) {
    const double b = wrap_positive(base, a.period_deg);
    for (int k = 0; k < copies; ++k) out.push_back(b + k * a.period_deg);
    if (!a.fold) break;
  }
  std::sort(out.begin(), out.end());
  // A fixed point of the fold (2θ ≡ c) is the same orientation twice.
  out.erase(std::unique(out.begin(), out.end(),
                        [](double x, double y) { return std::abs(x - y) < 1e-9; }),
            out.end());
  return out;
}

double canonical_angle(double theta_deg, const Ambiguity& a) {
  if (!a.fold) return wrap_positive(theta_deg, a.period_deg);
  // Fixed points of θ -> c − θ sit at c/2 + kP/2; measured from one of them, x and P − x
  // are one set, so fold [0, P) onto [0, P/2].
  const double half = 0.5 * a.period_deg;
  const double lo = wrap_positive(0.5 * a.fold_deg, half);
  const double x = wrap_positive(theta_deg - lo, a.period_deg);
  return lo + std::min(x, a.period_deg - x);
}

double ambiguity_error(double theta_deg, double true_deg, const Ambiguity& a) {
  const double direct = wrap_symmetric(theta_deg - true_deg, a.period_deg);
  if (!a.fold) return direct;
  const double folded = wrap_symmetric(theta_deg - (a.fold_deg - true_deg), a.period_deg);
  return std::abs(folded) < std::abs(direct) ? folded : direct;
}

DetectedFold detect_fold(const Templates& t, double delta_deg, double threshold) {
  const int64_t K = t.count, L = t.length;
  const int64_t shift = std::lround(delta_deg / t.step_deg);
  SG_CHECK(K >= 8 && shift >= 1 && shift < K, "detect_fold: needs a template grid finer than the stereo "
           "angle, got ", K, " templates for δ = ", delta_deg, "°");
  const auto dist = [&](int64_t a, int64_t b) {
    const float *x = t.rows.data() + ((a % K + K) % K) * L, *y = t.rows.data() + ((b % K + K) % K) * L;
    double d = 0;
    for (int64_t i = 0; i < L; ++i) d += double(x[i] - y[i]) * double(x[i] - y[i]);
    return d;
  };
  double step = 0;
  for (int64_t k = 0; k < K; ++k) step += dist(k, k + shift);
  std::vector<double> r(static_cast<size_t>(K), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t m = 0; m < K; ++m)
    for (int64_t k = 0; k < K; ++k) r[size_t(m)] += dist(k, m - k);
  const int64_t best = int64_t(std::min_element(r.begin(), r.end()) - r.begin());
  // Parabola through the minimum and its neighbours: the vertex, within half a step.
  const double a = r[size_t((best + K - 1) % K)], b = r[size_t(best)], c = r[size_t((best + 1) % K)];
  const double den = a - 2 * b + c;
  const double frac = den > 0 ? std::clamp(0.5 * (a - c) / den, -0.5, 0.5) : 0.0;
  DetectedFold f;
  f.residual_ratio = step > 0 ? b / step : 0;
  f.ambiguity.fold = f.residual_ratio < threshold;
  f.ambiguity.fold_deg = f.ambiguity.fold ? wrap_positive((double(best) + frac) * t.step_deg) : 0;
  return f;
}

}  // namespace sg

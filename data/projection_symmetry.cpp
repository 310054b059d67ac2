#include "data/projection_symmetry.h"

#include <algorithm>
#include <cmath>

#include "data/angles.h"
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

}  // namespace sg

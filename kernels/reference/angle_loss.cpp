#include "kernels/reference/angle_loss.h"

#include <cmath>
#include <tuple>

namespace sg::ref {

double wrap_difference(double d, double period, AngleWrap wrap, double target) {
  switch (wrap) {
    case AngleWrap::Report: return d < 0 ? d + period : d;
    case AngleWrap::Symmetric: return d - period * std::nearbyint(d / period);
    case AngleWrap::Centred: break;
  }
  const double c = d - target;
  return target + c - period * std::nearbyint(c / period);
}

namespace {
double error(int64_t i, double period, AngleWrap wrap, double target, const double* sc1, const double* sc2) {
  const double d = std::atan2(sc2[2 * i], sc2[2 * i + 1]) - std::atan2(sc1[2 * i], sc1[2 * i + 1]);
  return wrap_difference(d, period, wrap, target) - target;
}
}  // namespace

double angle_loss_forward(int64_t n, double period, AngleWrap wrap, double target, const double* sc1,
                          const double* sc2) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double e = error(i, period, wrap, target, sc1, sc2);
    s += e * e;
  }
  return n ? s / double(n) : 0.0;
}

// dφ2 = e, dφ1 = −e with e = 2g(w − t)/n; dS += dφ·C/r², dC −= dφ·S/r².
void angle_loss_backward(int64_t n, double period, AngleWrap wrap, double target, const double* sc1,
                         const double* sc2, double g, double* dsc1, double* dsc2) {
  for (int64_t i = 0; i < n; ++i) {
    const double e = 2 * g * error(i, period, wrap, target, sc1, sc2) / double(n);
    for (auto [sc, d, sign] : {std::tuple{sc1, dsc1, -1.0}, std::tuple{sc2, dsc2, 1.0}}) {
      const double S = sc[2 * i], C = sc[2 * i + 1], r2 = S * S + C * C;
      if (!d || r2 == 0) continue;
      d[2 * i] += sign * e * C / r2;
      d[2 * i + 1] -= sign * e * S / r2;
    }
  }
}

}  // namespace sg::ref

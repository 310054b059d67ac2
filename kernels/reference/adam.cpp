#include "kernels/reference/adam.h"

#include <cmath>

namespace sg::ref {

void adam_update(int64_t n, const AdamParams& a, const double* g, double* p, double* m,
                 double* v) {
  const double t = double(a.step);
  const double lr_t = a.lr * std::sqrt(1 - std::pow(double(a.beta2), t)) /
                      (1 - std::pow(double(a.beta1), t));
  for (int64_t i = 0; i < n; ++i) {
    m[i] = a.beta1 * m[i] + (1 - a.beta1) * g[i];
    v[i] = a.beta2 * v[i] + (1 - a.beta2) * g[i] * g[i];
    p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + a.eps);
  }
}

}  // namespace sg::ref

// Optimiser updates on the CPU (formulas in engine/backend.h).
#include <cmath>

#include "kernels/cpu/backend.h"

namespace sg {

void CpuBackend::adam_update(int64_t n, const AdamParams& a, const float* g, float* p,
                             float* m, float* v) {
  const double t = double(a.step);
  const float lr_t =
      float(a.lr * std::sqrt(1.0 - std::pow(double(a.beta2), t)) /
            (1.0 - std::pow(double(a.beta1), t)));
  for (int64_t i = 0; i < n; ++i) {
    m[i] = a.beta1 * m[i] + (1.0f - a.beta1) * g[i];
    v[i] = a.beta2 * v[i] + (1.0f - a.beta2) * g[i] * g[i];
    p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + a.eps);
  }
}

void CpuBackend::sgd_update(int64_t n, float lr, float momentum, const float* g, float* p,
                            float* vel) {
  for (int64_t i = 0; i < n; ++i) {
    if (vel) {
      vel[i] = momentum * vel[i] - lr * g[i];
      p[i] += vel[i];
    } else {
      p[i] -= lr * g[i];
    }
  }
}

}  // namespace sg

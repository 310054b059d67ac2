// SGD on the CPU: vel = μ·vel - lr·g, p += vel (or p -= lr·g without a velocity).
#include "kernels/cpu/backend.h"

namespace sg {

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

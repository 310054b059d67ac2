// atan2 on the CPU, the angle head: y[i] = atan2(S, C) of (S, C) pairs;
// dS += dy·C/(S²+C²), dC -= dy·S/(S²+C²).
#include <cmath>

#include "kernels/cpu/backend.h"

namespace sg {

void CpuBackend::atan2_forward(int64_t n, const float* sc, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::atan2(sc[2 * i], sc[2 * i + 1]);
}

void CpuBackend::atan2_backward(int64_t n, const float* sc, const float* dy, float* dsc) {
  if (!dsc) return;
  for (int64_t i = 0; i < n; ++i) {
    float s = sc[2 * i], c = sc[2 * i + 1];
    float r2 = s * s + c * c;
    if (r2 == 0.0f) continue;  // atan2(0, 0): no direction to move in
    dsc[2 * i] += dy[i] * c / r2;
    dsc[2 * i + 1] -= dy[i] * s / r2;
  }
}

}  // namespace sg

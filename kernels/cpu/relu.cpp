// relu on the CPU: y = max(x, 0);  dx += dy·[x > 0]. Each element is independent
// (parallel_for.h).
#include "kernels/cpu/backend.h"
#include "kernels/cpu/parallel_for.h"

namespace sg {

void CpuBackend::relu_forward(int64_t n, const float* x, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void CpuBackend::relu_backward(int64_t n, const float* x, const float* dy, float* dx) {
  if (!dx) return;
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}

}  // namespace sg

// mul on the CPU: y = a·b. Each element is independent (parallel_for.h).
#include "kernels/cpu/backend.h"
#include "kernels/cpu/parallel_for.h"

namespace sg {

void CpuBackend::mul(int64_t n, const float* a, const float* b, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}

}  // namespace sg

// axpy on the CPU: y += a·x. Each element is independent (parallel_for.h).
#include "kernels/cpu/backend.h"
#include "kernels/cpu/parallel_for.h"

namespace sg {

void CpuBackend::axpy(int64_t n, float a, const float* x, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

}  // namespace sg

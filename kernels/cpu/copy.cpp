// copy on the CPU: y = x. Each element is independent (parallel_for.h).
#include "kernels/cpu/backend.h"
#include "kernels/cpu/parallel_for.h"

namespace sg {

void CpuBackend::copy(int64_t n, const float* x, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = x[i];
}

}  // namespace sg

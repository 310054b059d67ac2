// scale on the CPU: y = s·x + t. Each element is independent (parallel_for.h).
#include "kernels/cpu/backend.h"
#include "kernels/cpu/parallel_for.h"

namespace sg {

void CpuBackend::scale(int64_t n, float s, float t, const float* x, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = s * x[i] + t;
}

}  // namespace sg

// wrap_angle on the CPU: an angle difference into one period P, one-sided
// (y = x + P·[x < 0]) or symmetric (y = x - P·round(x/P)).
#include <cmath>

#include "kernels/cpu/backend.h"

namespace sg {

void CpuBackend::wrap_angle(int64_t n, float period, bool symmetric, const float* x,
                            float* y) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = symmetric ? x[i] - period * std::nearbyint(x[i] / period)
                     : x[i] + (x[i] < 0.0f ? period : 0.0f);
}

}  // namespace sg

// bias_add on the CPU, Dense's bias: y[r,c] += b[c];  db[c] += Σ_r dy[r,c].
#include "kernels/cpu/backend.h"

namespace sg {

void CpuBackend::bias_add(int64_t rows, int64_t cols, const float* b, float* y) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) y[r * cols + c] += b[c];
}

void CpuBackend::bias_backward(int64_t rows, int64_t cols, const float* dy, float* db) {
  if (!db) return;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) db[c] += dy[r * cols + c];
}

}  // namespace sg

// bias_add_channels on the CPU, the bias of NC(S) tensors: y[n,c,s] += b[c];
// db[c] += Σ_{n,s} dy[n,c,s].
#include "kernels/cpu/backend.h"

namespace sg {

void CpuBackend::bias_add_channels(int64_t N, int64_t C, int64_t S, const float* b,
                                   float* y) {
#pragma omp parallel for schedule(static) if (N * C * S >= (1 << 15))
  for (int64_t p = 0; p < N * C; ++p) {
    const float v = b[p % C];
    float* row = y + p * S;
    for (int64_t s = 0; s < S; ++s) row[s] += v;
  }
}

// Per channel, sums in a fixed (n, s) order: bit-identical for any thread count.
void CpuBackend::bias_backward_channels(int64_t N, int64_t C, int64_t S, const float* dy,
                                        float* db) {
  if (!db) return;
#pragma omp parallel for schedule(static) if (N * C * S >= (1 << 15))
  for (int64_t c = 0; c < C; ++c) {
    double acc = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      const float* row = dy + (n * C + c) * S;
      for (int64_t s = 0; s < S; ++s) acc += row[s];
    }
    db[c] += float(acc);
  }
}

}  // namespace sg

// Concatenation on the channel axis: per sample, a's Ca·S values then b's Cb·S values.
#include "kernels/cpu/backend.h"

namespace sg {

void CpuBackend::concat_channels_forward(int64_t N, int64_t Ca, int64_t Cb, int64_t S,
                                         const float* a, const float* b, float* y) {
  const int64_t A = Ca * S, B = Cb * S;
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t i = 0; i < A; ++i) y[n * (A + B) + i] = a[n * A + i];
    for (int64_t i = 0; i < B; ++i) y[n * (A + B) + A + i] = b[n * B + i];
  }
}

void CpuBackend::concat_channels_backward(int64_t N, int64_t Ca, int64_t Cb, int64_t S,
                                          const float* dy, float* da, float* db) {
  const int64_t A = Ca * S, B = Cb * S;
  for (int64_t n = 0; n < N; ++n) {
    if (da)
      for (int64_t i = 0; i < A; ++i) da[n * A + i] += dy[n * (A + B) + i];
    if (db)
      for (int64_t i = 0; i < B; ++i) db[n * B + i] += dy[n * (A + B) + A + i];
  }
}

}  // namespace sg

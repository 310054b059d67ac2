// Reductions on the CPU: sequential in double, so the result has the same bits for any
// thread count (the tensors reduced here are losses and small activations).
#include "kernels/cpu/backend.h"

namespace sg {

void CpuBackend::sum(int64_t n, const float* x, float* out) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  out[0] = float(s);
}

void CpuBackend::mse_forward(int64_t n, const float* a, const float* b, float* out) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    double d = double(a[i]) - double(b[i]);
    s += d * d;
  }
  out[0] = n ? float(s / double(n)) : 0.0f;
}

void CpuBackend::mse_backward(int64_t n, const float* a, const float* b, const float* dout,
                              float* da, float* db) {
  const float k = n ? 2.0f * dout[0] / float(n) : 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    float d = k * (a[i] - b[i]);
    if (da) da[i] += d;
    if (db) db[i] -= d;
  }
}

}  // namespace sg

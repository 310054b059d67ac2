// The mse loss on the CPU: out[0] = (1/n) Σ (a-b)², sequential in double like the sum
// (sum.cpp), so the result has the same bits for any thread count;
// da += k·(a-b), db -= k·(a-b), k = 2·dout[0]/n.
#include "kernels/cpu/backend.h"

namespace sg {

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

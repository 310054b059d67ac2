#include "kernels/reference/gemm.h"

namespace sg::ref {

void linear_forward(int64_t N, int64_t in, int64_t out, const double* x, const double* w,
                    const double* b, double* y) {
  for (int64_t r = 0; r < N; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = b ? b[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += x[r * in + i] * w[o * in + i];
      y[r * out + o] = s;
    }
}

}  // namespace sg::ref

#include "kernels/reference/relu.h"

namespace sg::ref {

void relu_forward(int64_t n, const double* x, double* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0 ? x[i] : 0;
}

}  // namespace sg::ref

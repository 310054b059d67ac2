#include "kernels/reference/mse.h"

namespace sg::ref {

double mse(int64_t n, const double* a, const double* b) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return n ? s / double(n) : 0.0;
}

}  // namespace sg::ref

#include "kernels/reference/atan2.h"

#include <cmath>

namespace sg::ref {

void atan2_forward(int64_t n, const double* sc, double* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::atan2(sc[2 * i], sc[2 * i + 1]);
}

}  // namespace sg::ref

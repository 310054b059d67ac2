#include "kernels/reference/wrap_angle.h"

#include <cmath>

namespace sg::ref {

// One-sided: add one period to negative differences (the report's "add 2π/n if the
// second angle came out lower"). Symmetric: bring into [-P/2, P/2].
void wrap_angle(int64_t n, double period, bool symmetric, const double* x, double* y) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = symmetric ? x[i] - period * std::nearbyint(x[i] / period)
                     : (x[i] < 0 ? x[i] + period : x[i]);
}

}  // namespace sg::ref

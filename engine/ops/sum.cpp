// sum: y = Σx;  dx += g[0].   mean: y = Σx / n;  dx += g[0]/n.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

// sum and mean share one body: y = k · Σx, dx += k · g.
static Tensor scaled_sum(const Tensor& x, const char* name, bool average) {
  check_defined(x, name, "input");
  const float k = average ? (x.numel() ? 1.0f / float(x.numel()) : 0.0f) : 1.0f;
  Tensor y = Tensor::empty({}, x.device());
  x.backend().sum(x.numel(), x.data(), y.data());
  if (average) x.backend().scale(1, k, 0.0f, y.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, name, {x}, [x, k](const Tensor& g) {
      // dx[n×1] += k · ones[n×1] · g[1×1]: a broadcast that keeps g on the device.
      Tensor ones = Tensor::full({x.numel()}, 1.0f, x.device());
      x.backend().gemm(false, false, x.numel(), 1, 1, k, ones.data(), g.data(), 1.0f,
                       grad_or_null(x));
    });
  return y;
}

Tensor sum(const Tensor& x) { return scaled_sum(x, "sum", false); }
Tensor mean(const Tensor& x) { return scaled_sum(x, "mean", true); }

}  // namespace sg

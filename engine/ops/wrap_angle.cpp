// wrap_angle: a difference into one period (a piecewise shift);  dx += g.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor wrap_angle(const Tensor& x, float period, bool symmetric) {
  check_defined(x, "wrap_angle", "input");
  SG_CHECK(period > 0.0f, "wrap_angle: period must be positive, got ", period);
  Tensor y = Tensor::empty(x.shape(), x.device());
  x.backend().wrap_angle(x.numel(), period, symmetric, x.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, "wrap_angle", {x}, [x](const Tensor& g) {
      x.backend().axpy(x.numel(), 1.0f, g.data(), grad_or_null(x));
    });
  return y;
}

}  // namespace sg

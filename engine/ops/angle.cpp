// The angle head: φ = atan2(S, C) per row, and the wrap of a difference into a period.
//   atan2: dS += g·C/(S²+C²), dC += -g·S/(S²+C²);   wrap: dx += g (piecewise shift)
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor atan2_pairs(const Tensor& x) {
  check_rank(x, 2, "atan2", "input");
  SG_CHECK(x.dim(1) == 2, "atan2: input must be [N, 2] (S, C) pairs, got ",
           shape_str(x.shape()));
  const int64_t n = x.dim(0);
  Tensor y = Tensor::empty({n}, x.device());
  x.backend().atan2_forward(n, x.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, "atan2", {x}, [x, n](const Tensor& g) {
      x.backend().atan2_backward(n, x.data(), g.data(), grad_or_null(x));
    });
  return y;
}

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

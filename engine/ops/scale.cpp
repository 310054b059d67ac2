// scale: y = s·x + t;  dx += s·g.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor scale(const Tensor& x, float s, float t) {
  check_defined(x, "scale", "input");
  Tensor y = Tensor::empty(x.shape(), x.device());
  x.backend().scale(x.numel(), s, t, x.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, "scale", {x}, [x, s](const Tensor& g) {
      x.backend().axpy(x.numel(), s, g.data(), grad_or_null(x));
    });
  return y;
}

}  // namespace sg

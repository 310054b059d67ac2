// relu: y = max(x, 0);  dx += g·[x > 0].
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor relu(const Tensor& x) {
  check_defined(x, "relu", "input");
  Tensor y = Tensor::empty(x.shape(), x.device());
  x.backend().relu_forward(x.numel(), x.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, "relu", {x}, [x](const Tensor& g) {
      x.backend().relu_backward(x.numel(), x.data(), g.data(), grad_or_null(x));
    });
  return y;
}

}  // namespace sg

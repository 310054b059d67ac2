// mul: y = a·b;  da += g·b, db += g·a (the backend's mul_acc; mul itself where the gradient
// is written first, e.g. an input used once: no zero fill, one fewer read).
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor mul(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "mul");
  Tensor y = Tensor::empty(a.shape(), a.device());
  a.backend().mul(a.numel(), a.data(), b.data(), y.data());
  if (needs_grad({&a, &b}))
    attach_grad(y, "mul", {a, b}, [a, b](const Tensor& g) {
      bool assign = false;
      if (float* da = grad_or_null_for_overwrite(a, assign))
        assign ? a.backend().mul(a.numel(), g.data(), b.data(), da)
               : a.backend().mul_acc(a.numel(), g.data(), b.data(), da);
      if (float* db = grad_or_null_for_overwrite(b, assign))
        assign ? b.backend().mul(b.numel(), g.data(), a.data(), db)
               : b.backend().mul_acc(b.numel(), g.data(), a.data(), db);
    });
  return y;
}

}  // namespace sg

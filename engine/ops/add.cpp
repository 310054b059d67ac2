// add: y = a + b;  da += g, db += g.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor add(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "add");
  Tensor y = Tensor::empty(a.shape(), a.device());
  a.backend().add(a.numel(), a.data(), b.data(), y.data());
  if (needs_grad({&a, &b}))
    attach_grad(y, "add", {a, b}, [a, b](const Tensor& g) {
      if (float* da = grad_or_null(a)) a.backend().axpy(a.numel(), 1.0f, g.data(), da);
      if (float* db = grad_or_null(b)) b.backend().axpy(b.numel(), 1.0f, g.data(), db);
    });
  return y;
}

}  // namespace sg

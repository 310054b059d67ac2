// reshape: a view of the same values in another shape, an autograd op with no kernel of
// its own (so not in SG_OPS);  dx += g.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined(x, "reshape", "input");
  SG_CHECK(shape_numel(shape) == x.numel(), "reshape: cannot view ", shape_str(x.shape()),
           " (", x.numel(), " values) as ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->data = x.impl()->data;
  Tensor y(std::move(impl));
  if (needs_grad({&x}))
    attach_grad(y, "reshape", {x}, [x](const Tensor& g) {
      x.backend().axpy(x.numel(), 1.0f, g.data(), grad_or_null(x));
    });
  return y;
}

}  // namespace sg

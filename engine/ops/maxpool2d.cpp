// maxpool2d, and maxpool1d (the same kernel on one row): 2×2 (2-D) or 2 (1-D), stride =
// window, floor: dx += g at each window's first maximum, found again from x and y by the
// backend.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

namespace {
Tensor pool_impl(const char* op, const Tensor& x, const PoolGeom& g, const Shape& out_shape) {
  SG_CHECK(g.OH() >= 1 && g.OW() >= 1, op, ": input ", shape_str(x.shape()),
           " is smaller than the pooling window");
  Tensor y = Tensor::empty(out_shape, x.device());
  x.backend().maxpool2d_forward(g, x.data(), y.data());
  if (needs_grad({&x})) {
    Tensor y_saved = y.detach();  // not y itself: the node must not own its output
    attach_grad(y, op, {x}, [x, y_saved, g](const Tensor& gy) {
      x.backend().maxpool2d_backward(g, x.data(), y_saved.data(), gy.data(), grad_or_null(x));
    });
  }
  return y;
}
}  // namespace

Tensor maxpool2d(const Tensor& x) {
  check_rank(x, 4, "maxpool2d", "input");
  PoolGeom g{x.dim(0), x.dim(1), x.dim(2), x.dim(3), 2, 2};
  return pool_impl("maxpool2d", x, g, {g.N, g.C, g.OH(), g.OW()});
}

Tensor maxpool1d(const Tensor& x) {
  check_rank(x, 3, "maxpool1d", "input");
  PoolGeom g{x.dim(0), x.dim(1), 1, x.dim(2), 1, 2};
  return pool_impl("maxpool1d", x, g, {g.N, g.C, g.OW()});
}

}  // namespace sg

// Nearest-neighbour ×2 up-sampling of the U-Net decoder: y[2i+a, 2j+b] = x[i, j];
//   dx[i,j] += Σ_{a,b∈{0,1}} g[2i+a, 2j+b]
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor upsample2x(const Tensor& x) {
  check_rank(x, 4, "upsample2x", "input");
  const int64_t planes = x.dim(0) * x.dim(1), H = x.dim(2), W = x.dim(3);
  Tensor y = Tensor::empty({x.dim(0), x.dim(1), 2 * H, 2 * W}, x.device());
  x.backend().upsample2x_forward(planes, H, W, x.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, "upsample2x", {x}, [x, planes, H, W](const Tensor& g) {
      x.backend().upsample2x_backward(planes, H, W, g.data(), grad_or_null(x));
    });
  return y;
}

}  // namespace sg

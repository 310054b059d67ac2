// atan2, the angle head: φ = atan2(S, C) per row;  dS += g·C/(S²+C²), dC += -g·S/(S²+C²).
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

}  // namespace sg

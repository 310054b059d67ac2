// dropout, the autograd op of the kernel dropout_mask. Inverted dropout:
//   y = x · mask, mask ∈ {0, 1/(1-p)};  dx += g · mask.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor dropout(const Tensor& x, float p, bool training, uint64_t seed, uint64_t stream,
               const uint64_t* stream_base) {
  check_defined(x, "dropout", "input");
  SG_CHECK(p >= 0.0f && p < 1.0f, "dropout: rate must be in [0, 1), got ", p);
  if (!training || p == 0.0f) return x;
  Tensor mask = Tensor::empty(x.shape(), x.device());
  x.backend().dropout_mask(x.numel(), p, seed, stream, stream_base, mask.data());
  return mul(x, mask);
}

}  // namespace sg

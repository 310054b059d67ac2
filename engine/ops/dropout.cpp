// dropout, the autograd op of the kernel dropout. Inverted dropout:
//   y = x · m, m ∈ {0, 1/(1-p)};  dx += g · m,
// with m drawn again in the backward from (seed, stream, i): no mask tensor is kept.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor dropout(const Tensor& x, float p, bool training, uint64_t seed, uint64_t stream,
               const uint64_t* stream_base) {
  check_defined(x, "dropout", "input");
  SG_CHECK(p >= 0.0f && p < 1.0f, "dropout: rate must be in [0, 1), got ", p);
  if (!training || p == 0.0f) return x;
  Tensor y = Tensor::empty(x.shape(), x.device());
  x.backend().dropout(x.numel(), p, seed, stream, stream_base, x.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, "dropout", {x}, [x, p, seed, stream, stream_base](const Tensor& g) {
      bool assign = false;
      float* dx = grad_or_null_for_overwrite(x, assign);
      if (!dx) return;
      Backend& be = x.backend();
      if (assign) return be.dropout(x.numel(), p, seed, stream, stream_base, g.data(), dx);
      Tensor gm = Tensor::empty(x.shape(), x.device());
      be.dropout(x.numel(), p, seed, stream, stream_base, g.data(), gm.data());
      be.axpy(x.numel(), 1.0f, gm.data(), dx);
    });
  return y;
}

}  // namespace sg

// Dense (linear), the autograd op of the kernels gemm and bias_add:
// x [N,in], w [out,in], b [out].  y = x wᵀ + b
//   dx += g w,   dw += gᵀ x,   db += Σ_rows g
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  check_rank(x, 2, "dense", "input");
  check_rank(w, 2, "dense", "weight");
  check_same_device(x, w, "dense");
  const int64_t N = x.dim(0), in = x.dim(1), out = w.dim(0);
  SG_CHECK(w.dim(1) == in, "dense: input has ", in, " features but the weight is ",
           shape_str(w.shape()), " ([out, in])");
  if (b.defined())
    SG_CHECK(b.shape() == Shape{out}, "dense: bias must be [", out, "], got ",
             shape_str(b.shape()));
  Tensor y = Tensor::empty({N, out}, x.device());
  Backend& be = x.backend();
  be.gemm(false, true, N, out, in, 1.0f, x.data(), w.data(), 0.0f, y.data());
  if (b.defined()) be.bias_add(N, out, b.data(), y.data());
  if (needs_grad({&x, &w, &b}))
    attach_grad(y, "dense", {x, w, b}, [x, w, b, N, in, out](const Tensor& g) {
      Backend& be = x.backend();
      if (float* dx = grad_or_null(x)) be.gemm(false, false, N, in, out, 1.0f, g.data(), w.data(), 1.0f, dx);
      if (float* dw = grad_or_null(w)) be.gemm(true, false, out, in, N, 1.0f, g.data(), x.data(), 1.0f, dw);
      if (float* db = grad_or_null(b)) be.bias_backward(N, out, g.data(), db);
    });
  return y;
}

}  // namespace sg

// conv2d and the ops made of its kernels (conv_transpose2d's bias: bias_add_channels).
// conv1d is conv2d with H = 1 and a 1-high kernel. conv_transpose2d is the adjoint of
// conv2d: its forward is conv2d's backward-data, its data gradient is conv2d's forward,
// and its weight gradient is conv2d's backward-filter with x and g swapped.
//   conv2d:  dx += conv2d_backward_data(g, w),  dw += Σ_n g ⋆ x,  db += Σ g
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

void detail::check_bias(const Tensor& b, int64_t K, const char* op) {
  if (b.defined())
    SG_CHECK(b.shape() == Shape{K}, op, ": bias must be [", K, "], got ", shape_str(b.shape()));
}

void detail::check_conv_output(const Tensor& x, const Tensor& b, const ConvGeom& g, const char* op) {
  SG_CHECK(g.OH() >= 1 && g.OW() >= 1, op, ": input ", shape_str(x.shape()),
           " is too small for a ", g.R, "x", g.S, " kernel with padding ", g.pad_w);
  check_bias(b, g.K, op);
}

void detail::conv_backward(const ConvGeom& g, const Tensor& x, const Tensor& w, const Tensor& b,
                           const float* gy) {
  Backend& be = x.backend();
  if (float* dx = grad_or_null(x)) be.conv2d_backward_data(g, gy, w.data(), dx);
  float* dw = grad_or_null(w);
  float* db = grad_or_null(b);
  if (dw || db) be.conv2d_backward_filter(g, x.data(), gy, dw, db);
}

namespace {

// y = conv(x4, w4) for 4-D views; `out_shape` is the caller's (1-D or 2-D) output shape.
Tensor conv_impl(const char* op, const Tensor& x, const Tensor& w, const Tensor& b,
                 const ConvGeom& g, const Shape& out_shape) {
  check_conv_output(x, b, g, op);
  Tensor y = Tensor::empty(out_shape, x.device());
  x.backend().conv2d_forward(g, x.data(), w.data(), b.defined() ? b.data() : nullptr,
                             y.data());
  if (needs_grad({&x, &w, &b}))
    attach_grad(y, op, {x, w, b}, [x, w, b, g](const Tensor& gy) { conv_backward(g, x, w, b, gy.data()); });
  return y;
}

}  // namespace

namespace {

// x and w of rank `rank` on one device, with the input channels w expects.
void check_operands(const Tensor& x, const Tensor& w, int rank, const char* op) {
  check_rank(x, rank, op, "input");
  check_rank(w, rank, op, "weight");
  check_same_device(x, w, op);
  SG_CHECK(w.dim(1) == x.dim(1), op, ": input has ", x.dim(1), " channels but the weight ",
           shape_str(w.shape()), " expects ", w.dim(1));
}

}  // namespace

ConvGeom detail::conv2d_geom(const Tensor& x, const Tensor& w, int64_t pad, const char* op) {
  check_operands(x, w, 4, op);
  return {x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(2), w.dim(3), pad, pad};
}

ConvGeom detail::conv1d_geom(const Tensor& x, const Tensor& w, int64_t pad, const char* op) {
  check_operands(x, w, 3, op);
  return {x.dim(0), x.dim(1), 1, x.dim(2), w.dim(0), 1, w.dim(2), 0, pad};
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  const ConvGeom g = conv2d_geom(x, w, pad, "conv2d");
  return conv_impl("conv2d", x, w, b, g, {g.N, g.K, g.OH(), g.OW()});
}

Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  const ConvGeom g = conv1d_geom(x, w, pad, "conv1d");
  return conv_impl("conv1d", x, w, b, g, {g.N, g.K, g.OW()});
}

// x [N,C,H,W], w [C,K,R,S]. As a conv2d, the output y [N,K,OH,OW] is the conv's input and
// x its output: H = OH + 2p - R + 1, so OH = H - 2p + R - 1.
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  check_rank(x, 4, "conv_transpose2d", "input");
  check_rank(w, 4, "conv_transpose2d", "weight");
  check_same_device(x, w, "conv_transpose2d");
  SG_CHECK(w.dim(0) == x.dim(1), "conv_transpose2d: input has ", x.dim(1),
           " channels but the weight ", shape_str(w.shape()), " ([in, out, kh, kw]) expects ",
           w.dim(0));
  SG_CHECK(pad >= 0 && pad < w.dim(2) && pad < w.dim(3), "conv_transpose2d: padding ", pad,
           " out of range for a ", w.dim(2), "x", w.dim(3), " kernel");
  const int64_t N = x.dim(0), K = w.dim(1);
  const int64_t OH = x.dim(2) - 2 * pad + w.dim(2) - 1, OW = x.dim(3) - 2 * pad + w.dim(3) - 1;
  SG_CHECK(OH >= 1 && OW >= 1, "conv_transpose2d: input ", shape_str(x.shape()),
           " too small for padding ", pad);
  check_bias(b, K, "conv_transpose2d");
  // The conv whose input is y: C = K channels of OH×OW, producing x's C channels.
  ConvGeom g{N, K, OH, OW, x.dim(1), w.dim(2), w.dim(3), pad, pad};
  Tensor y = Tensor::zeros({N, K, OH, OW}, x.device());
  Backend& be = x.backend();
  be.conv2d_backward_data(g, x.data(), w.data(), y.data());
  if (b.defined()) be.bias_add_channels(N, K, OH * OW, b.data(), y.data());
  if (needs_grad({&x, &w, &b}))
    attach_grad(y, "conv_transpose2d", {x, w, b}, [x, w, b, g](const Tensor& gy) {
      Backend& be = x.backend();
      if (float* dx = grad_or_null(x)) {
        // dx += conv2d(gy, w): run the forward into scratch, then accumulate.
        Tensor t = Tensor::empty(x.shape(), x.device());
        be.conv2d_forward(g, gy.data(), w.data(), nullptr, t.data());
        be.axpy(x.numel(), 1.0f, t.data(), dx);
      }
      if (float* dw = grad_or_null(w)) be.conv2d_backward_filter(g, gy.data(), x.data(), dw, nullptr);
      if (float* db = grad_or_null(b)) be.bias_backward_channels(g.N, g.C, g.H * g.W, gy.data(), db);
    });
  return y;
}

}  // namespace sg

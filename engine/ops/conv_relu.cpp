// Conv followed by its bias and ReLU as one op: y = relu(conv(x, w) + b), where the
// backend folds the bias and the ReLU into the conv's store (the CUDA kernel's epilogue:
// no separate ReLU pass over y, one temporary less). y > 0 exactly where conv + b > 0, so
// the backward needs only y:
//   dz = dy·[y > 0];  dx += conv_backward_data(dz, w);  dw += Σ dz ⋆ x;  db += Σ dz
// the values and gradients of conv2d followed by relu, bit for bit.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

namespace {

Tensor conv_relu_impl(const char* op, const Tensor& x, const Tensor& w, const Tensor& b,
                      const ConvGeom& g, const Shape& out_shape) {
  SG_CHECK(g.OH() >= 1 && g.OW() >= 1, op, ": input ", shape_str(x.shape()),
           " is too small for a ", g.R, "x", g.S, " kernel with padding ", g.pad_w);
  check_bias(b, g.K, op);
  Tensor y = Tensor::empty(out_shape, x.device());
  x.backend().conv_relu_forward(g, x.data(), w.data(), b.defined() ? b.data() : nullptr, y.data());
  if (needs_grad({&x, &w, &b}))
    attach_grad(y, op, {x, w, b}, [x, w, b, g, y_saved = y.detach()](const Tensor& gy) {
      Backend& be = x.backend();
      Tensor dz = Tensor::zeros(gy.shape(), x.device());
      be.relu_backward(dz.numel(), y_saved.data(), gy.data(), dz.data());
      if (float* dx = grad_or_null(x)) be.conv2d_backward_data(g, dz.data(), w.data(), dx);
      float* dw = grad_or_null(w);
      float* db = grad_or_null(b);
      if (dw || db) be.conv2d_backward_filter(g, x.data(), dz.data(), dw, db);
    });
  return y;
}

}  // namespace

Tensor conv2d_relu(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  const ConvGeom g = conv2d_geom(x, w, pad, "conv2d_relu");
  return conv_relu_impl("conv2d_relu", x, w, b, g, {g.N, g.K, g.OH(), g.OW()});
}

Tensor conv1d_relu(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  const ConvGeom g = conv1d_geom(x, w, pad, "conv1d_relu");
  return conv_relu_impl("conv1d_relu", x, w, b, g, {g.N, g.K, g.OW()});
}

}  // namespace sg

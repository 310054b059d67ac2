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
  check_conv_output(x, b, g, op);
  Tensor y = Tensor::empty(out_shape, x.device());
  x.backend().conv_relu_forward(g, x.data(), w.data(), b.defined() ? b.data() : nullptr, y.data());
  if (needs_grad({&x, &w, &b}))
    attach_grad(y, op, {x, w, b}, [x, w, b, g, y_saved = y.detach()](const Tensor& gy) {
      Tensor dz = Tensor::zeros(gy.shape(), x.device());
      x.backend().relu_backward(dz.numel(), y_saved.data(), gy.data(), dz.data());
      conv_backward(g, x, w, b, dz.data());
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

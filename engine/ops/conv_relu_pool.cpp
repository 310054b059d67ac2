// The fused conv block: y = maxpool(relu(conv(x, w) + b)). A backend with Op::ConvReluPool
// keeps z = relu(conv) inside and hands back y and, for the backward pass, the offset
// `at` of each window's maximum (-1 where the ReLU cut the whole window):
//   dz = dy scattered to at;  dx += conv_backward_data(dz, w);  dw += Σ dz ⋆ x;  db += Σ dz
// Other backends run the three ops one after the other.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

namespace {

Tensor fused(const char* op, const Tensor& x, const Tensor& w, const Tensor& b,
             const ConvGeom& g, int64_t ph, int64_t pw, const Shape& out_shape) {
  SG_CHECK(g.OH() / ph >= 1 && g.OW() / pw >= 1, op, ": input ", shape_str(x.shape()),
           " leaves nothing to pool after the ", g.R, "x", g.S, " kernel");
  check_bias(b, g.K, op);
  Tensor y = Tensor::empty(out_shape, x.device());
  Tensor at = Tensor::empty(out_shape, x.device());
  x.backend().conv_relu_pool_forward(g, ph, pw, x.data(), w.data(),
                                     b.defined() ? b.data() : nullptr, y.data(), at.data());
  if (needs_grad({&x, &w, &b}))
    attach_grad(y, op, {x, w, b}, [x, w, b, at, g, ph, pw](const Tensor& gy) {
      x.backend().conv_relu_pool_backward(g, ph, pw, x.data(), w.data(), at.data(), gy.data(),
                                          grad_or_null(x), grad_or_null(w), grad_or_null(b));
    });
  return y;
}

}  // namespace

Tensor conv_relu_pool2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  const ConvGeom g = conv2d_geom(x, w, pad, "conv_relu_pool2d");
  if (!x.backend().supports(Op::ConvReluPool)) return maxpool2d(relu(conv2d(x, w, b, pad)));
  return fused("conv_relu_pool2d", x, w, b, g, 2, 2, {g.N, g.K, g.OH() / 2, g.OW() / 2});
}

Tensor conv_relu_pool1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  const ConvGeom g = conv1d_geom(x, w, pad, "conv_relu_pool1d");
  if (!x.backend().supports(Op::ConvReluPool)) return maxpool1d(relu(conv1d(x, w, b, pad)));
  return fused("conv_relu_pool1d", x, w, b, g, 1, 2, {g.N, g.K, g.OW() / 2});
}

}  // namespace sg

// The fused conv block: y = maxpool(relu(conv(x, w) + b)). A backend with Op::ConvReluPool
// keeps z = relu(conv) inside and hands back y and, for the backward pass, the offset
// `at` of each window's maximum (-1 where the ReLU cut the whole window):
//   dz = dy scattered to at;  dx += conv_backward_data(dz, w);  dw += Σ dz ⋆ x;  db += Σ dz
// Other backends run the three ops one after the other.
#include <optional>

#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

namespace detail {

Tensor conv_relu_pool_block(const char* op, const Tensor& x, const Tensor& w, const Tensor& b,
                            const ConvGeom& g, int64_t ph, int64_t pw, const DropoutMask* m) {
  SG_CHECK(g.OH() / ph >= 1 && g.OW() / pw >= 1, op, ": input ", shape_str(x.shape()),
           " leaves nothing to pool after the ", g.R, "x", g.S, " kernel");
  check_bias(b, g.K, op);
  const Shape out_shape = x.rank() == 4 ? Shape{g.N, g.K, g.OH() / ph, g.OW() / pw}
                                        : Shape{g.N, g.K, g.OW() / pw};
  Tensor y = Tensor::empty(out_shape, x.device());
  Tensor at = Tensor::empty(out_shape, x.device());
  const float* bias = b.defined() ? b.data() : nullptr;
  Backend& be = x.backend();
  if (m)
    be.conv_relu_pool_dropout_forward(g, ph, pw, x.data(), w.data(), bias, *m, y.data(), at.data());
  else
    be.conv_relu_pool_forward(g, ph, pw, x.data(), w.data(), bias, y.data(), at.data());
  if (needs_grad({&x, &w, &b})) {
    const std::optional<DropoutMask> mask = m ? std::optional<DropoutMask>(*m) : std::nullopt;
    attach_grad(y, op, {x, w, b}, [x, w, b, at, g, ph, pw, mask](const Tensor& gy) {
      Backend& be = x.backend();
      float *dx = grad_or_null(x), *dw = grad_or_null(w), *db = grad_or_null(b);
      if (mask)
        be.conv_relu_pool_dropout_backward(g, ph, pw, x.data(), w.data(), at.data(), *mask,
                                           gy.data(), dx, dw, db);
      else
        be.conv_relu_pool_backward(g, ph, pw, x.data(), w.data(), at.data(), gy.data(), dx, dw, db);
    });
  }
  return y;
}

}  // namespace detail

Tensor conv_relu_pool2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  const ConvGeom g = conv2d_geom(x, w, pad, "conv_relu_pool2d");
  if (!x.backend().supports(Op::ConvReluPool)) return maxpool2d(relu(conv2d(x, w, b, pad)));
  return conv_relu_pool_block("conv_relu_pool2d", x, w, b, g, 2, 2, nullptr);
}

Tensor conv_relu_pool1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad) {
  const ConvGeom g = conv1d_geom(x, w, pad, "conv_relu_pool1d");
  if (!x.backend().supports(Op::ConvReluPool)) return maxpool1d(relu(conv1d(x, w, b, pad)));
  return conv_relu_pool_block("conv_relu_pool1d", x, w, b, g, 1, 2, nullptr);
}

}  // namespace sg

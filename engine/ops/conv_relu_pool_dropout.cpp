// The fused conv block with the dropout after it: dropout(maxpool(relu(conv(x, w) + b))).
// The forward writes y·m only (the pre-dropout y is needed by nothing: the block's backward
// reads `at`), and the backward hands the block dy·m without writing it out:
//   y = pool(relu(conv))·m;  dz = (dy·m) scattered to at;  then the conv's backward.
// m is Backend::dropout's mask over y's elements, so the values and gradients are those of
// the two ops, bit for bit. A backend without Op::ConvReluPoolDropout runs the two ops.
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

namespace {

using Block = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, int64_t);

// ph: 2 for the 2-D block, 1 for the 1-D one; `block` is that block without the mask.
Tensor with_dropout(const char* op, const ConvGeom& g, int64_t ph, Block block, const Tensor& x,
                    const Tensor& w, const Tensor& b, int64_t pad, const DropoutMask& m) {
  SG_CHECK(m.p >= 0.0f && m.p < 1.0f, op, ": dropout rate must be in [0, 1), got ", m.p);
  if (!x.backend().supports(Op::ConvReluPoolDropout) || m.p == 0.0f)
    return dropout(block(x, w, b, pad), m.p, true, m.seed, m.stream, m.stream_base);
  return conv_relu_pool_block(op, x, w, b, g, ph, 2, &m);
}

}  // namespace

Tensor conv_relu_pool_dropout2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad,
                                const DropoutMask& m) {
  const char* op = "conv_relu_pool_dropout2d";
  return with_dropout(op, conv2d_geom(x, w, pad, op), 2, conv_relu_pool2d, x, w, b, pad, m);
}

Tensor conv_relu_pool_dropout1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad,
                                const DropoutMask& m) {
  const char* op = "conv_relu_pool_dropout1d";
  return with_dropout(op, conv1d_geom(x, w, pad, op), 1, conv_relu_pool1d, x, w, b, pad, m);
}

}  // namespace sg

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

void check_mask(const DropoutMask& m, const char* op) {
  SG_CHECK(m.p >= 0.0f && m.p < 1.0f, op, ": dropout rate must be in [0, 1), got ", m.p);
}

}  // namespace

Tensor conv_relu_pool_dropout2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad,
                                const DropoutMask& m) {
  const char* op = "conv_relu_pool_dropout2d";
  const ConvGeom g = conv2d_geom(x, w, pad, op);
  check_mask(m, op);
  if (!x.backend().supports(Op::ConvReluPoolDropout) || m.p == 0.0f)
    return dropout(conv_relu_pool2d(x, w, b, pad), m.p, true, m.seed, m.stream, m.stream_base);
  return conv_relu_pool_block(op, x, w, b, g, 2, 2, &m);
}

Tensor conv_relu_pool_dropout1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad,
                                const DropoutMask& m) {
  const char* op = "conv_relu_pool_dropout1d";
  const ConvGeom g = conv1d_geom(x, w, pad, op);
  check_mask(m, op);
  if (!x.backend().supports(Op::ConvReluPoolDropout) || m.p == 0.0f)
    return dropout(conv_relu_pool1d(x, w, b, pad), m.p, true, m.seed, m.stream, m.stream_base);
  return conv_relu_pool_block(op, x, w, b, g, 1, 2, &m);
}

}  // namespace sg

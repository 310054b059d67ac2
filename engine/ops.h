// The differentiable ops. Each builds its output through the tensor's backend and, when
// an input needs a gradient, records how to send the gradient back (engine/autograd.h).
// Shapes are checked here, once, for every backend; a mismatch throws sg::Error naming
// the op and both shapes.
#pragma once
#include <cstdint>

#include "engine/tensor.h"

namespace sg {

// Element-wise (equal shapes).        y = a + b | a - b | a * b | s*x + t
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, float s, float t = 0.0f);
Tensor relu(const Tensor& x);

// Reductions to a one-element tensor of shape [].
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);
Tensor mse(const Tensor& prediction, const Tensor& target);  // mean (p - t)²

// The angle head. x [N, 2] holds (S, C) rows; y [N] = atan2(S, C).
Tensor atan2_pairs(const Tensor& x);
// The report's wrap of an angle difference into one period (backend.h gives the rule).
Tensor wrap_angle(const Tensor& x, float period, bool symmetric);
// The stereo loss of two [N, 2] (S, C) tensors in one op (Backend::angle_loss_forward):
// mean (wrap(atan2(sc2) − atan2(sc1)) − target)², a scalar; the same as mse of wrap_angle of
// the difference of atan2_pairs against a full target, within float rounding.
Tensor angle_loss(const Tensor& sc1, const Tensor& sc2, float period, AngleWrap wrap, float target);

// Dense: x [N, in], w [out, in] (PyTorch's layout), b [out] or undefined.  y = x wᵀ + b
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);

// Convolutions, stride 1, zero padding `pad` on each side of each spatial axis.
// conv2d:   x [N,C,H,W], w [K,C,R,S], b [K]            → [N,K,H+2p-R+1,W+2p-S+1]
// conv1d:   x [N,C,L],   w [K,C,S],   b [K]            → [N,K,L+2p-S+1]
// conv_transpose2d: x [N,C,H,W], w [C,K,R,S] (PyTorch's ConvTranspose2d layout), b [K]
//           → [N,K,H-2p+R-1,W-2p+S-1]: the adjoint of conv2d, so 'same' is p = (R-1)/2
//           and 'valid' is p = 0 (Keras semantics for stride 1).
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad);
Tensor conv1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad);
Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad);

// Max pooling, window = stride = 2, floor. 2-D on [N,C,H,W], 1-D on [N,C,L].
Tensor maxpool2d(const Tensor& x);
Tensor maxpool1d(const Tensor& x);

// Conv + bias + ReLU in one op: relu(conv2d(x, w, b, pad)) and its 1-D twin, the same
// values and gradients bit for bit (engine/ops/conv_relu.cpp).
Tensor conv2d_relu(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad);
Tensor conv1d_relu(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad);
// The conv block, fused: maxpool2d(relu(conv2d(x, w, b, pad))) and its 1-D twin, same
// values and gradients bit for bit, without storing the full-size activation where the
// backend supports Op::ConvReluPool (else it is those three ops).
Tensor conv_relu_pool2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad);
Tensor conv_relu_pool1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad);
// The block with the dropout that follows it in training:
// dropout(conv_relu_pool2d(x, w, b, pad), m.p, true, m.seed, m.stream, m.stream_base), the
// same values and gradients bit for bit, with the mask applied inside the block where the
// backend supports Op::ConvReluPoolDropout (engine/ops/conv_relu_pool_dropout.cpp).
Tensor conv_relu_pool_dropout2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad,
                                const DropoutMask& m);
Tensor conv_relu_pool_dropout1d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t pad,
                                const DropoutMask& m);

// Inverted dropout with rate p: identity unless `training`; the mask of element i is
// drawn from (seed, stream, i), so it is reproducible and independent of thread count.
// stream_base: null, or a device pointer whose value is added to stream.
Tensor dropout(const Tensor& x, float p, bool training, uint64_t seed, uint64_t stream,
               const uint64_t* stream_base = nullptr);

// Nearest ×2 up-sampling of [N,C,H,W].
Tensor upsample2x(const Tensor& x);
// Concatenation on the channel axis: [N,Ca,...] and [N,Cb,...] → [N,Ca+Cb,...].
Tensor concat_channels(const Tensor& a, const Tensor& b);
// Same values, new shape (same element count); shares memory with x.
Tensor reshape(const Tensor& x, const Shape& shape);

}  // namespace sg

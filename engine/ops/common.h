// Small helpers the op files share.
#pragma once
#include "engine/autograd.h"
#include "engine/geometry.h"
#include "engine/error.h"
#include "engine/tensor.h"

namespace sg::detail {

inline void check_defined(const Tensor& t, const char* op, const char* what) {
  SG_CHECK(t.defined(), op, ": ", what, " is undefined");
}

inline void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  SG_CHECK(a.device() == b.device(), op, ": tensors on different devices (",
           device_name(a.device()), " and ", device_name(b.device()), ")");
}

inline void check_same_shape(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op, "first operand");
  check_defined(b, op, "second operand");
  SG_CHECK(a.shape() == b.shape(), op, ": shapes differ: ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  check_same_device(a, b, op);
}

inline void check_rank(const Tensor& t, int rank, const char* op, const char* what) {
  check_defined(t, op, what);
  SG_CHECK(t.rank() == rank, op, ": ", what, " must be ", rank, "-D, got shape ",
           shape_str(t.shape()));
}

// The gradient buffer of t when it wants one, else null (backends skip null outputs).
inline float* grad_or_null(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return nullptr;
  Tensor copy = t;
  return copy.grad_data();
}
// The same for a contribution that writes every element of t's gradient: where t has none
// yet its buffer comes without the zero fill and `assign` is set, so the caller writes
// (=) where it would add (+=): one pass over the gradient instead of a fill and an add.
inline float* grad_or_null_for_overwrite(const Tensor& t, bool& assign) {
  assign = false;
  if (!t.defined() || !t.requires_grad()) return nullptr;
  Tensor copy = t;
  return copy.grad_data_for_overwrite(assign);
}

// The geometry of conv2d (x [N,C,H,W], w [K,C,R,S]) and conv1d (x [N,C,L], w [K,C,S]) with
// `pad` zeros on each side, after checking ranks, devices and channels (ops/conv2d.cpp).
ConvGeom conv2d_geom(const Tensor& x, const Tensor& w, int64_t pad, const char* op);
ConvGeom conv1d_geom(const Tensor& x, const Tensor& w, int64_t pad, const char* op);
// b undefined, or [K].
void check_bias(const Tensor& b, int64_t K, const char* op);
// Before a conv's forward: an output of at least 1×1, and b undefined or [K].
void check_conv_output(const Tensor& x, const Tensor& b, const ConvGeom& g, const char* op);
// The conv's backward for the output gradient gy: dx += conv2d_backward_data(gy, w);
// dw += Σ gy ⋆ x, db += Σ gy, each where wanted (ops/conv.cpp, ops/conv_relu.cpp).
void conv_backward(const ConvGeom& g, const Tensor& x, const Tensor& w, const Tensor& b,
                   const float* gy);

// The fused block (engine/ops/conv_relu_pool.cpp) on a backend with Op::ConvReluPool, its
// output [N, K, OH/ph, OW/pw] (or [N, K, OW/pw] for a 3-D x), with dropout's mask m folded in
// when m is not null (Op::ConvReluPoolDropout).
Tensor conv_relu_pool_block(const char* op, const Tensor& x, const Tensor& w, const Tensor& b,
                            const ConvGeom& g, int64_t ph, int64_t pw, const DropoutMask* m);

}  // namespace sg::detail

// The fused conv block with dropout's mask (engine/backend.h, Op::ConvReluPoolDropout). On
// the GPU it is the block's kernels and the dropout kernel one after the other: the mask in
// place on y forward, and dy·m into a scratch for the block's backward. Memory traffic is
// cheap there next to the CPU's; what the op keeps is one code path for every backend and
// the same values and gradients as conv_relu_pool then dropout, bit for bit.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

int64_t pooled_size(const ConvGeom& g, int64_t ph, int64_t pw) {
  return g.N * g.K * (g.OH() / ph) * (g.OW() / pw);
}

}  // namespace

void CudaBackend::conv_relu_pool_dropout_forward(const ConvGeom& g, int64_t ph, int64_t pw,
                                                 const float* x, const float* w, const float* b,
                                                 const DropoutMask& m, float* y, float* at) {
  conv_relu_pool_forward(g, ph, pw, x, w, b, y, at);
  // Element by element: in place is safe.
  dropout(pooled_size(g, ph, pw), m.p, m.seed, m.stream, m.stream_base, y, y);
}

void CudaBackend::conv_relu_pool_dropout_backward(const ConvGeom& g, int64_t ph, int64_t pw,
                                                  const float* x, const float* w,
                                                  const float* at, const DropoutMask& m,
                                                  const float* dy, float* dx, float* dw,
                                                  float* db) {
  if (!dx && !dw && !db) return;
  const int64_t n = pooled_size(g, ph, pw);
  Scratch masked(*this, n);
  dropout(n, m.p, m.seed, m.stream, m.stream_base, dy, masked.get());
  conv_relu_pool_backward(g, ph, pw, x, w, at, masked.get(), dx, dw, db);
}

}  // namespace sg::SG_CUDA_NS

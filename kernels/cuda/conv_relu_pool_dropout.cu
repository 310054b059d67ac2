// The fused conv block with dropout's mask (engine/backend.h, Op::ConvReluPoolDropout). On
// the GPU it is the block's kernels and one more pass each way: forward, y·m in place and
// at = −1 where a value is dropped; backward, dy·(1/(1 − p)) into a scratch (the scale
// kernel) for the block's backward, which routes nothing where at = −1. The same values and gradients as
// conv_relu_pool then dropout (docs/ops.md), and the same `at` as the CPU's.
//
// Mapping: grid-stride, one thread per pooled element. Bytes: forward reads and writes y and
// at (16·|y|), backward reads dy and writes the scratch (8·|y|).
#include "kernels/cuda/exec/device.h"

#include "engine/random.h"
#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

int64_t pooled_size(const ConvGeom& g, int64_t ph, int64_t pw) {
  return g.N * g.K * (g.OH() / ph) * (g.OW() / pw);
}

// Dropout's draw (dropout.cu) on y in place, and at = −1 where it drops.
__global__ void mask_kernel(int64_t n, uint32_t threshold, float keep, uint64_t seed,
                            uint64_t stream, const uint64_t* stream_base, float* y, float* at) {
  const uint64_t key = random_key(seed, stream_base ? stream + *stream_base : stream);
  SG_GRID_STRIDE(i, n) {
    const bool drop = random_below(key, uint64_t(i), threshold);
    y[i] = y[i] * (drop ? 0.0f : keep);
    if (drop) at[i] = -1.0f;
  }
}

}  // namespace

void CudaBackend::conv_relu_pool_dropout_forward(const ConvGeom& g, int64_t ph, int64_t pw,
                                                 const float* x, const float* w, const float* b,
                                                 const DropoutMask& m, float* y, float* at) {
  conv_relu_pool_forward(g, ph, pw, x, w, b, y, at);
  const int64_t n = pooled_size(g, ph, pw);
  if (n > 0)
    SG_LAUNCH(mask_kernel, blocks_for(n), kBlock, 0, stream_, n, random_below_threshold(m.p),
              m.keep(), m.seed, m.stream, m.stream_base, y, at);
}

void CudaBackend::conv_relu_pool_dropout_backward(const ConvGeom& g, int64_t ph, int64_t pw,
                                                  const float* x, const float* w,
                                                  const float* at, const DropoutMask& m,
                                                  const float* dy, float* dx, float* dw,
                                                  float* db) {
  if (!dx && !dw && !db) return;
  const int64_t n = pooled_size(g, ph, pw);
  Scratch kept(*this, n);
  scale(n, m.keep(), 0.0f, dy, kept.get());  // dy·(1/(1 − p)) + 0: a −0 turns +0, routed alike
  conv_relu_pool_backward(g, ph, pw, x, w, at, kept.get(), dx, dw, db);
}

}  // namespace sg::SG_CUDA_NS

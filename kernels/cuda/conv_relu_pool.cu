// The fused conv block, Conv (ReLU) + MaxPooling (engine/backend.h, Op::ConvReluPool).
// On the GPU the convolution itself is conv2d.cu's (or cuDNN's) into a scratch buffer z;
// what the fusion saves is the rest: the ReLU is folded into the pooling, which writes
// only y and the window offsets `at`, and z is released at once instead of being kept
// for the backward pass. The backward writes dz (dy at `at`, zero elsewhere) into a
// scratch and runs the conv backward on it. Same values and gradients as conv → relu →
// maxpool, bit for bit.
//
// Mapping: grid-stride; forward one thread per pooled element (n, k, i, j) scanning its
// window, backward one thread per dz element. Bytes: forward reads the covered part of z
// and writes y and at (4·(|z| + 2|y|)); backward reads at and dy and writes dz
// (4·(|z| + 2|y|)).
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

struct BlockDims {
  int OH, OW, ph, pw, QH, QW;  // conv output, window, pooled output
};

// Offset in z of the top-left corner of pooled element o's window.
__device__ inline int window_origin(const BlockDims& d, int o) {
  const int plane = o / (d.QH * d.QW), ij = o % (d.QH * d.QW);
  const int i = ij / d.QW, j = ij % d.QW;
  return (plane * d.OH + i * d.ph) * d.OW + j * d.pw;
}

// y[o] = max(0, window of z); at[o] = offset a·pw + b of its first maximum, -1 if y = 0
__global__ void relu_pool_kernel(int n, BlockDims d, const float* z, float* y, float* at) {
  SG_GRID_STRIDE(o, n) {
    const float* win = z + window_origin(d, int(o));
    float m = 0.0f;  // strict > keeps the first maximum, as the CPU does
    int best = -1;
    for (int a = 0; a < d.ph; ++a)
      for (int b = 0; b < d.pw; ++b) {
        const float v = win[a * d.OW + b];
        if (v > m) m = v, best = a * d.pw + b;
      }
    y[o] = m;
    at[o] = float(best);
  }
}

// dz[plane, oy, ox] = dy[o] where (oy, ox) is at[o], the first maximum of pooled element
// o's window, else 0 (also in the rows and columns past the last whole window): the
// zero-fill and the scatter of the backward in one pass that writes every dz element once.
__global__ void unpool_kernel(int n, BlockDims d, const float* at, const float* dy,
                              float* dz) {
  SG_GRID_STRIDE(e, n) {
    const int plane = int(e) / (d.OH * d.OW), p = int(e) % (d.OH * d.OW);
    const int oy = p / d.OW, ox = p % d.OW, i = oy / d.ph, j = ox / d.pw;
    float v = 0.0f;
    if (i < d.QH && j < d.QW) {
      const int o = (plane * d.QH + i) * d.QW + j;
      if (int(at[o]) == (oy - i * d.ph) * d.pw + ox - j * d.pw) v = dy[o];
    }
    dz[e] = v;
  }
}

BlockDims checked_dims(const ConvGeom& g, int64_t ph, int64_t pw) {
  check_conv_pool(g, ph, pw);
  check_int32(g.y_size(), "conv_relu_pool conv output");
  return BlockDims{int(g.OH()), int(g.OW()), int(ph), int(pw), int(g.OH() / ph),
                   int(g.OW() / pw)};
}

}  // namespace

void CudaBackend::conv_relu_pool_forward(const ConvGeom& g, int64_t ph, int64_t pw,
                                         const float* x, const float* w, const float* b,
                                         float* y, float* at) {
  const BlockDims d = checked_dims(g, ph, pw);
  Scratch z(*this, g.y_size());
  conv2d_forward(g, x, w, b, z.get());
  const int n = int(g.N * g.K) * d.QH * d.QW;
  if (n > 0) SG_LAUNCH(relu_pool_kernel, blocks_for(n), kBlock, 0, stream_, n, d, z.get(), y, at);
}

void CudaBackend::conv_relu_pool_backward(const ConvGeom& g, int64_t ph, int64_t pw,
                                          const float* x, const float* w, const float* at,
                                          const float* dy, float* dx, float* dw, float* db) {
  const BlockDims d = checked_dims(g, ph, pw);
  if (!dx && !dw && !db) return;
  Scratch dz(*this, g.y_size());
  const int n = int(g.y_size());
  if (n > 0) SG_LAUNCH(unpool_kernel, blocks_for(n), kBlock, 0, stream_, n, d, at, dy, dz.get());
  if (dx) conv2d_backward_data(g, dz.get(), w, dx);
  if (dw || db) conv2d_backward_filter(g, x, dz.get(), dw, db);
}

}  // namespace sg::SG_CUDA_NS

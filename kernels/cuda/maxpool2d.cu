// Max pooling, window = stride = ph×pw, floor mode (same contract as
// kernels/cpu/maxpool2d.cpp).
// Mapping: grid-stride, one thread per output element (n, c, i, j): it scans its window.
// Windows do not overlap, so in the backward each dx element has at most one writer:
// no atomics, deterministic. Bytes moved: forward 4·(x_size + y_size) (trailing rows and
// columns that fill no window are never read); backward reads x's windows, y and dy, and
// reads and writes one dx element per window.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

struct PoolDims {
  int H, W, ph, pw, OH, OW;
};

// Offset in x of the top-left corner of output element o's window.
__device__ inline int window_origin(const PoolDims& d, int o) {
  const int plane = o / (d.OH * d.OW), ij = o % (d.OH * d.OW);
  const int i = ij / d.OW, j = ij % d.OW;
  return (plane * d.H + i * d.ph) * d.W + j * d.pw;
}

// y[o] = max over the window (NaN-free inputs; same comparison order as the CPU)
__global__ void maxpool_forward_kernel(int n, PoolDims d, const float* x, float* y) {
  SG_GRID_STRIDE(o, n) {
    const float* win = x + window_origin(d, int(o));
    float m = win[0];
    for (int a = 0; a < d.ph; ++a)
      for (int b = 0; b < d.pw; ++b) {
        const float v = win[a * d.W + b];
        m = v > m ? v : m;
      }
    y[o] = m;
  }
}

// dx[first (a, b) in row-major order with x == y] += dy[o]
__global__ void maxpool_backward_kernel(int n, PoolDims d, const float* x, const float* y,
                                        const float* dy, float* dx) {
  SG_GRID_STRIDE(o, n) {
    const int origin = window_origin(d, int(o));
    const float m = y[o];
    int at = -1;  // stays -1 only for a window of NaNs
    for (int a = 0; a < d.ph && at < 0; ++a)
      for (int b = 0; b < d.pw; ++b)
        if (x[origin + a * d.W + b] == m) {
          at = origin + a * d.W + b;
          break;
        }
    if (at >= 0) dx[at] += dy[o];
  }
}

PoolDims checked_dims(const PoolGeom& g) {
  check_geometry(g);
  check_int32(g.x_size(), "maxpool2d input");
  return PoolDims{int(g.H), int(g.W), int(g.ph), int(g.pw), int(g.OH()), int(g.OW())};
}

}  // namespace

void CudaBackend::maxpool2d_forward(const PoolGeom& g, const float* x, float* y) {
  const PoolDims d = checked_dims(g);
  const int n = int(g.y_size());
  if (n > 0) SG_LAUNCH(maxpool_forward_kernel, blocks_for(n), kBlock, 0, stream_, n, d, x, y);
}

void CudaBackend::maxpool2d_backward(const PoolGeom& g, const float* x, const float* y,
                                     const float* dy, float* dx) {
  const PoolDims d = checked_dims(g);
  const int n = int(g.y_size());
  if (n > 0 && dx)
    SG_LAUNCH(maxpool_backward_kernel, blocks_for(n), kBlock, 0, stream_, n, d, x, y, dy, dx);
}

}  // namespace sg::SG_CUDA_NS

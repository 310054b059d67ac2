// Nearest-neighbour ×2 up-sampling over planes of H×W (Keras UpSampling2D(2)).
// Forward: one thread per output element (grid-stride), y[p, i, j] = x[p, i/2, j/2];
// bytes moved 4·(n/4 + n) for n outputs (each input read by 4 neighbouring threads).
// Backward: one thread per input element, dx += the sum of its 2×2 block of dy in the
// CPU's order (d00 + d01 + d10 + d11); no two threads write the same dx, so no atomics.
// Bytes moved 4·(4m + 2m) for m inputs.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__global__ void upsample2x_forward_kernel(int64_t n, int64_t H, int64_t W, const float* x,
                                          float* y) {
  SG_GRID_STRIDE(o, n) {
    const int64_t j = o % (2 * W), i = (o / (2 * W)) % (2 * H), p = o / (4 * H * W);
    y[o] = x[(p * H + i / 2) * W + j / 2];
  }
}

__global__ void upsample2x_backward_kernel(int64_t n, int64_t H, int64_t W, const float* dy,
                                           float* dx) {
  SG_GRID_STRIDE(e, n) {
    const int64_t j = e % W, i = (e / W) % H, p = e / (H * W);
    const float* d = dy + (p * 2 * H + 2 * i) * 2 * W + 2 * j;
    dx[e] += d[0] + d[1] + d[2 * W] + d[2 * W + 1];
  }
}

}  // namespace

void CudaBackend::upsample2x_forward(int64_t planes, int64_t H, int64_t W, const float* x,
                                     float* y) {
  const int64_t n = planes * 4 * H * W;
  if (n > 0) SG_LAUNCH(upsample2x_forward_kernel, blocks_for(n), kBlock, 0, stream_, n, H, W, x, y);
}

void CudaBackend::upsample2x_backward(int64_t planes, int64_t H, int64_t W, const float* dy,
                                      float* dx) {
  const int64_t n = planes * H * W;
  if (n > 0 && dx)
    SG_LAUNCH(upsample2x_backward_kernel, blocks_for(n), kBlock, 0, stream_, n, H, W, dy, dx);
}

}  // namespace sg::SG_CUDA_NS

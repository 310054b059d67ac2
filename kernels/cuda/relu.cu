// relu: y = max(x, 0), 8n bytes moved;  dx += dy·[x > 0], 16n bytes moved.
// Mapping: grid-stride (SG_GRID_STRIDE, common.h), one thread per element, coalesced.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

// y = max(x, 0)
__global__ void relu_forward_kernel(int64_t n, const float* x, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
// dx += dy·[x > 0]
__global__ void relu_backward_kernel(int64_t n, const float* x, const float* dy, float* dx) {
  SG_GRID_STRIDE(i, n) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}

}  // namespace

// Nothing to do for n = 0 (a grid of zero blocks is not launchable).
void CudaBackend::relu_forward(int64_t n, const float* x, float* y) {
  if (n > 0) SG_LAUNCH(relu_forward_kernel, blocks_for(n), kBlock, 0, stream_, n, x, y);
}
void CudaBackend::relu_backward(int64_t n, const float* x, const float* dy, float* dx) {
  if (n > 0 && dx) SG_LAUNCH(relu_backward_kernel, blocks_for(n), kBlock, 0, stream_, n, x, dy, dx);
}

}  // namespace sg::SG_CUDA_NS

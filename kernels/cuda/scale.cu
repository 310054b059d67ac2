// scale: y = s·x + t; 8n bytes moved.
// Mapping: grid-stride (SG_GRID_STRIDE, common.h), one thread per element, coalesced.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__global__ void scale_kernel(int64_t n, float s, float t, const float* x, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = s * x[i] + t;
}

}  // namespace

// Nothing to do for n = 0 (a grid of zero blocks is not launchable).
void CudaBackend::scale(int64_t n, float s, float t, const float* x, float* y) {
  if (n > 0) SG_LAUNCH(scale_kernel, blocks_for(n), kBlock, 0, stream_, n, s, t, x, y);
}

}  // namespace sg::SG_CUDA_NS

// copy: y = x; 8n bytes moved.
// Mapping: grid-stride (SG_GRID_STRIDE, common.h), one thread per element, coalesced.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__global__ void copy_kernel(int64_t n, const float* x, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = x[i];
}

}  // namespace

// Nothing to do for n = 0 (a grid of zero blocks is not launchable).
void CudaBackend::copy(int64_t n, const float* x, float* y) {
  if (n > 0) SG_LAUNCH(copy_kernel, blocks_for(n), kBlock, 0, stream_, n, x, y);
}

}  // namespace sg::SG_CUDA_NS

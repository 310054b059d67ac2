// axpy: y += a·x; 12n bytes moved (x read, y read and written).
// Mapping: grid-stride (SG_GRID_STRIDE, common.h), one thread per element, coalesced.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__global__ void axpy_kernel(int64_t n, float a, const float* x, float* y) {
  SG_GRID_STRIDE(i, n) y[i] += a * x[i];
}

}  // namespace

// Nothing to do for n = 0 (a grid of zero blocks is not launchable).
void CudaBackend::axpy(int64_t n, float a, const float* x, float* y) {
  if (n > 0) SG_LAUNCH(axpy_kernel, blocks_for(n), kBlock, 0, stream_, n, a, x, y);
}

}  // namespace sg::SG_CUDA_NS

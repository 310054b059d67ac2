// add: y = a + b; 12n bytes moved.
// Mapping: grid-stride (SG_GRID_STRIDE, common.h), one thread per element, coalesced.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__global__ void add_kernel(int64_t n, const float* a, const float* b, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = a[i] + b[i];
}

}  // namespace

// Nothing to do for n = 0 (a grid of zero blocks is not launchable).
void CudaBackend::add(int64_t n, const float* a, const float* b, float* y) {
  if (n > 0) SG_LAUNCH(add_kernel, blocks_for(n), kBlock, 0, stream_, n, a, b, y);
}

}  // namespace sg::SG_CUDA_NS

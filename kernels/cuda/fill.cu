// fill: y = v; 4n bytes moved (written).
// Mapping: grid-stride (SG_GRID_STRIDE, common.h), one thread per element, coalesced.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__global__ void fill_kernel(int64_t n, float v, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = v;
}

}  // namespace

// Nothing to do for n = 0 (a grid of zero blocks is not launchable).
void CudaBackend::fill(int64_t n, float v, float* y) {
  if (n > 0) SG_LAUNCH(fill_kernel, blocks_for(n), kBlock, 0, stream_, n, v, y);
}

}  // namespace sg::SG_CUDA_NS

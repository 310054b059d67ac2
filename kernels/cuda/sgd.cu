// SGD, the same float formulas as kernels/cpu/sgd.cpp. Mapping: grid-stride, one thread
// per parameter. Bytes moved: 20n with momentum (g, p, vel read; p, vel written), 12n
// without.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

// vel = μ vel - lr g; p += vel   (or p -= lr g without a velocity buffer)
__global__ void sgd_kernel(int64_t n, float lr, float momentum, const float* g, float* p,
                           float* vel) {
  SG_GRID_STRIDE(i, n) {
    if (vel) {
      const float v = momentum * vel[i] - lr * g[i];
      vel[i] = v;
      p[i] += v;
    } else {
      p[i] -= lr * g[i];
    }
  }
}

}  // namespace

void CudaBackend::sgd_update(int64_t n, float lr, float momentum, const float* g, float* p,
                             float* vel) {
  if (n > 0) SG_LAUNCH(sgd_kernel, blocks_for(n), kBlock, 0, stream_, n, lr, momentum, g, p, vel);
}

}  // namespace sg::SG_CUDA_NS

// wrap_angle: an angle difference into one period. Mapping: grid-stride, thread t
// handles element t, t + G, ... Bytes moved 8n.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

// y = x - P·round(x/P) (symmetric, ties to even like std::nearbyint) or y = x + P·[x < 0]
__global__ void wrap_angle_kernel(int64_t n, float period, bool symmetric, const float* x,
                                  float* y) {
  SG_GRID_STRIDE(i, n) {
    const float v = x[i];
    y[i] = symmetric ? v - period * rintf(v / period) : v + (v < 0.0f ? period : 0.0f);
  }
}

}  // namespace

void CudaBackend::wrap_angle(int64_t n, float period, bool symmetric, const float* x,
                             float* y) {
  if (n > 0)
    SG_LAUNCH(wrap_angle_kernel, blocks_for(n), kBlock, 0, stream_, n, period, symmetric, x, y);
}

}  // namespace sg::SG_CUDA_NS

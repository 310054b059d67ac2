// atan2, the angle head: y = atan2(S, C) of (S, C) pairs. Mapping: grid-stride, thread t
// handles pair t, t + G, ... Bytes moved: forward 12n (8n of pairs in, 4n out), backward
// 20n (+8n for dsc written).
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

// y[i] = atan2(S, C), sc[2i] = S, sc[2i+1] = C
__global__ void atan2_forward_kernel(int64_t n, const float* sc, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = atan2f(sc[2 * i], sc[2 * i + 1]);
}

// dS += dy·C/(S²+C²), dC -= dy·S/(S²+C²); nothing at S = C = 0 (no direction)
__global__ void atan2_backward_kernel(int64_t n, const float* sc, const float* dy,
                                      float* dsc) {
  SG_GRID_STRIDE(i, n) {
    const float s = sc[2 * i], c = sc[2 * i + 1];
    const float r2 = s * s + c * c;
    if (r2 == 0.0f) continue;
    dsc[2 * i] += dy[i] * c / r2;
    dsc[2 * i + 1] -= dy[i] * s / r2;
  }
}

}  // namespace

void CudaBackend::atan2_forward(int64_t n, const float* sc, float* y) {
  if (n > 0) SG_LAUNCH(atan2_forward_kernel, blocks_for(n), kBlock, 0, stream_, n, sc, y);
}
void CudaBackend::atan2_backward(int64_t n, const float* sc, const float* dy, float* dsc) {
  if (n > 0 && dsc)
    SG_LAUNCH(atan2_backward_kernel, blocks_for(n), kBlock, 0, stream_, n, sc, dy, dsc);
}

}  // namespace sg::SG_CUDA_NS

// bias_add_channels, the bias of NC(S) tensors: y[n, c, s] += b[c], grid-stride, one
// thread per element of y, 8 bytes moved per element (the bias reads hit the cache).
// bias_backward_channels: db[c] += Σ_{n,s} dy, the segmented sum of segmented_sum.cu,
// one segment per channel, deterministic.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

// y[n, c, s] += b[c]
__global__ void bias_add_channels_kernel(int64_t n, int64_t C, int64_t S, const float* b,
                                         float* y) {
  SG_GRID_STRIDE(i, n) y[i] += b[(i / S) % C];
}

}  // namespace

void CudaBackend::bias_add_channels(int64_t N, int64_t C, int64_t S, const float* b,
                                    float* y) {
  const int64_t n = N * C * S;
  if (n > 0)
    SG_LAUNCH(bias_add_channels_kernel, blocks_for(n), kBlock, 0, stream_, n, C, S, b, y);
}

void CudaBackend::bias_backward_channels(int64_t N, int64_t C, int64_t S, const float* dy,
                                         float* db) {
  if (!db || C <= 0) return;
  check_int32(N * C * S, "bias_backward_channels");
  segmented_sum(Segments{int(C), int(N * S), int(S > 0 ? S : 1), int(C * S)}, dy, nullptr,
                1.0f, true, db);
}

}  // namespace sg::SG_CUDA_NS

// Concatenation on the channel axis: per sample n, y[n] = [a[n] (A = Ca·S values),
// b[n] (B = Cb·S values)]. Mapping: grid-stride, one thread per element of y (forward:
// it copies from a or b; backward: it adds dy into da or db, skipping a null one).
// Bytes moved: 8 per element of y (forward), 12 (backward: dy read, da/db read and written).
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__global__ void concat_forward_kernel(int64_t n, int64_t A, int64_t B, const float* a,
                                      const float* b, float* y) {
  SG_GRID_STRIDE(i, n) {
    const int64_t s = i / (A + B), k = i % (A + B);
    y[i] = k < A ? a[s * A + k] : b[s * B + k - A];
  }
}

__global__ void concat_backward_kernel(int64_t n, int64_t A, int64_t B, const float* dy,
                                       float* da, float* db) {
  SG_GRID_STRIDE(i, n) {
    const int64_t s = i / (A + B), k = i % (A + B);
    if (k < A) {
      if (da) da[s * A + k] += dy[i];
    } else if (db) {
      db[s * B + k - A] += dy[i];
    }
  }
}

}  // namespace

void CudaBackend::concat_channels_forward(int64_t N, int64_t Ca, int64_t Cb, int64_t S,
                                          const float* a, const float* b, float* y) {
  const int64_t n = N * (Ca + Cb) * S;
  if (n > 0)
    SG_LAUNCH(concat_forward_kernel, blocks_for(n), kBlock, 0, stream_, n, Ca * S, Cb * S, a, b, y);
}

void CudaBackend::concat_channels_backward(int64_t N, int64_t Ca, int64_t Cb, int64_t S,
                                           const float* dy, float* da, float* db) {
  const int64_t n = N * (Ca + Cb) * S;
  if (n > 0 && (da || db))
    SG_LAUNCH(concat_backward_kernel, blocks_for(n), kBlock, 0, stream_, n, Ca * S, Cb * S, dy, da,
              db);
}

}  // namespace sg::SG_CUDA_NS

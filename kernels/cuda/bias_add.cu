// bias_add, Dense's bias: y[r, c] += b[c], grid-stride, one thread per element of y, 8
// bytes moved per element (the bias reads hit the cache). bias_backward: db[c] += Σ_r dy,
// the segmented sum of segmented_sum.cu, one segment per column, deterministic.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

// y[r, c] += b[c]
__global__ void bias_add_kernel(int64_t n, int64_t cols, const float* b, float* y) {
  SG_GRID_STRIDE(i, n) y[i] += b[i % cols];
}

}  // namespace

void CudaBackend::bias_add(int64_t rows, int64_t cols, const float* b, float* y) {
  const int64_t n = rows * cols;
  if (n > 0) SG_LAUNCH(bias_add_kernel, blocks_for(n), kBlock, 0, stream_, n, cols, b, y);
}

void CudaBackend::bias_backward(int64_t rows, int64_t cols, const float* dy, float* db) {
  if (!db || cols <= 0) return;
  check_int32(rows * cols, "bias_backward");
  segmented_sum(Segments{int(cols), int(rows), 1, int(cols)}, dy, nullptr, 1.0f, true, db);
}

}  // namespace sg::SG_CUDA_NS

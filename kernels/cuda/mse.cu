// The mse loss: out[0] = (1/n) Σ (a-b)², the segmented sum of segmented_sum.cu over one
// segment with b given (each element contributes (a-b)², 8 bytes read); its backward
//   da += k·(a-b), db -= k·(a-b), k = 2·dout[0]/n
// one grid-stride pass.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

// da += k·(a - b), db -= k·(a - b), k = 2·dout[0]/n (dout lives on the device)
__global__ void mse_backward_kernel(int64_t n, const float* a, const float* b,
                                    const float* dout, float* da, float* db) {
  const float k = 2.0f * dout[0] / float(n);
  SG_GRID_STRIDE(i, n) {
    const float d = k * (a[i] - b[i]);
    if (da) da[i] += d;
    if (db) db[i] -= d;
  }
}

}  // namespace

// out[0] = mean (a - b)²
void CudaBackend::mse_forward(int64_t n, const float* a, const float* b, float* out) {
  check_int32(n, "mse");
  segmented_sum(Segments{1, int(n), int(n > 0 ? n : 1), 0}, a, b, n ? 1.0f / float(n) : 0.0f,
                false, out);
}

void CudaBackend::mse_backward(int64_t n, const float* a, const float* b, const float* dout,
                               float* da, float* db) {
  if (n > 0 && (da || db))
    SG_LAUNCH(mse_backward_kernel, blocks_for(n), kBlock, 0, stream_, n, a, b, dout, da, db);
}

}  // namespace sg::SG_CUDA_NS

// Element-wise ops. Mapping, for every kernel here: a grid-stride loop, thread t of the
// grid handles elements t, t + G, t + 2G, ... (G = threads in the grid), so consecutive
// threads touch consecutive floats (coalesced). Bytes moved: 4 per float read or
// written, e.g. add moves 12n bytes, axpy 12n (x read, y read and written), fill 4n.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__global__ void fill_kernel(int64_t n, float v, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = v;
}
__global__ void copy_kernel(int64_t n, const float* x, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = x[i];
}
__global__ void axpy_kernel(int64_t n, float a, const float* x, float* y) {
  SG_GRID_STRIDE(i, n) y[i] += a * x[i];
}
__global__ void add_kernel(int64_t n, const float* a, const float* b, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = a[i] + b[i];
}
__global__ void sub_kernel(int64_t n, const float* a, const float* b, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = a[i] - b[i];
}
__global__ void mul_kernel(int64_t n, const float* a, const float* b, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = a[i] * b[i];
}
__global__ void mul_acc_kernel(int64_t n, const float* a, const float* b, float* y) {
  SG_GRID_STRIDE(i, n) y[i] += a[i] * b[i];
}
__global__ void scale_kernel(int64_t n, float s, float t, const float* x, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = s * x[i] + t;
}
// y = max(x, 0)
__global__ void relu_forward_kernel(int64_t n, const float* x, float* y) {
  SG_GRID_STRIDE(i, n) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
// dx += dy·[x > 0]
__global__ void relu_backward_kernel(int64_t n, const float* x, const float* dy, float* dx) {
  SG_GRID_STRIDE(i, n) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}

}  // namespace

// Each public entry: nothing to do for n = 0 (a grid of zero blocks is not launchable).
void CudaBackend::fill(int64_t n, float v, float* y) {
  if (n > 0) SG_LAUNCH(fill_kernel, blocks_for(n), kBlock, 0, stream_, n, v, y);
}
void CudaBackend::copy(int64_t n, const float* x, float* y) {
  if (n > 0) SG_LAUNCH(copy_kernel, blocks_for(n), kBlock, 0, stream_, n, x, y);
}
void CudaBackend::axpy(int64_t n, float a, const float* x, float* y) {
  if (n > 0) SG_LAUNCH(axpy_kernel, blocks_for(n), kBlock, 0, stream_, n, a, x, y);
}
void CudaBackend::add(int64_t n, const float* a, const float* b, float* y) {
  if (n > 0) SG_LAUNCH(add_kernel, blocks_for(n), kBlock, 0, stream_, n, a, b, y);
}
void CudaBackend::sub(int64_t n, const float* a, const float* b, float* y) {
  if (n > 0) SG_LAUNCH(sub_kernel, blocks_for(n), kBlock, 0, stream_, n, a, b, y);
}
void CudaBackend::mul(int64_t n, const float* a, const float* b, float* y) {
  if (n > 0) SG_LAUNCH(mul_kernel, blocks_for(n), kBlock, 0, stream_, n, a, b, y);
}
void CudaBackend::mul_acc(int64_t n, const float* a, const float* b, float* y) {
  if (n > 0) SG_LAUNCH(mul_acc_kernel, blocks_for(n), kBlock, 0, stream_, n, a, b, y);
}
void CudaBackend::scale(int64_t n, float s, float t, const float* x, float* y) {
  if (n > 0) SG_LAUNCH(scale_kernel, blocks_for(n), kBlock, 0, stream_, n, s, t, x, y);
}
void CudaBackend::relu_forward(int64_t n, const float* x, float* y) {
  if (n > 0) SG_LAUNCH(relu_forward_kernel, blocks_for(n), kBlock, 0, stream_, n, x, y);
}
void CudaBackend::relu_backward(int64_t n, const float* x, const float* dy, float* dx) {
  if (n > 0 && dx) SG_LAUNCH(relu_backward_kernel, blocks_for(n), kBlock, 0, stream_, n, x, dy, dx);
}

}  // namespace sg::SG_CUDA_NS

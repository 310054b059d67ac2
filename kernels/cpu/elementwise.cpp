// Element-wise CPU ops. Each element is independent, so a static OpenMP split gives the
// same bits for any thread count; small tensors stay on one thread (the `if` clause).
#include "kernels/cpu/backend.h"

namespace sg {

namespace {
constexpr int64_t kParallelMin = 1 << 15;
}

#define SG_PARALLEL_FOR _Pragma("omp parallel for schedule(static) if (n >= kParallelMin)")

void CpuBackend::fill(int64_t n, float v, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = v;
}
void CpuBackend::copy(int64_t n, const float* x, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = x[i];
}
void CpuBackend::axpy(int64_t n, float a, const float* x, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}
void CpuBackend::add(int64_t n, const float* a, const float* b, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}
void CpuBackend::sub(int64_t n, const float* a, const float* b, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] - b[i];
}
void CpuBackend::mul(int64_t n, const float* a, const float* b, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * b[i];
}
void CpuBackend::mul_acc(int64_t n, const float* a, const float* b, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] += a[i] * b[i];
}
void CpuBackend::scale(int64_t n, float s, float t, const float* x, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = s * x[i] + t;
}
void CpuBackend::relu_forward(int64_t n, const float* x, float* y) {
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}
void CpuBackend::relu_backward(int64_t n, const float* x, const float* dy, float* dx) {
  if (!dx) return;
  SG_PARALLEL_FOR
  for (int64_t i = 0; i < n; ++i) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}

}  // namespace sg

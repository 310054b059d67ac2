// Memory, and the members that forward to the heavy kernels of conv.cpp and maxpool.cpp.
#include "kernels/cpu/backend.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/cpu/conv.h"
#include "kernels/cpu/maxpool.h"

namespace sg {

// 64-byte alignment: whole cache lines and full AVX-512 vectors.
float* CpuBackend::alloc(int64_t n) {
  size_t bytes = (size_t(n) * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return static_cast<float*>(p);
}
void CpuBackend::release(float* p) { std::free(p); }
void CpuBackend::to_host(float* dst, const float* src, int64_t n) {
  if (n) std::memcpy(dst, src, size_t(n) * sizeof(float));
}
void CpuBackend::from_host(float* dst, const float* src, int64_t n) {
  if (n) std::memcpy(dst, src, size_t(n) * sizeof(float));
}

void CpuBackend::conv2d_forward(const ConvGeom& g, const float* x, const float* w,
                                const float* b, float* y) {
  cpu::conv2d_forward(g, x, w, b, y);
}
void CpuBackend::conv2d_backward_data(const ConvGeom& g, const float* dy, const float* w,
                                      float* dx) {
  cpu::conv2d_backward_data(g, dy, w, dx);
}
void CpuBackend::conv2d_backward_filter(const ConvGeom& g, const float* x, const float* dy,
                                        float* dw, float* db) {
  cpu::conv2d_backward_filter(g, x, dy, dw, db);
}
void CpuBackend::maxpool2d_forward(const PoolGeom& g, const float* x, float* y) {
  cpu::maxpool2d_forward(g, x, y);
}
void CpuBackend::maxpool2d_backward(const PoolGeom& g, const float* x, const float* y,
                                    const float* dy, float* dx) {
  cpu::maxpool2d_backward(g, x, y, dy, dx);
}

}  // namespace sg

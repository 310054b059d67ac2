// Memory, the option, and the members that forward to the heavy kernels of conv2d.cpp and
// maxpool2d.cpp.
#include "kernels/cpu/backend.h"

#include <cstdlib>
#include <cstring>

#include "kernels/cpu/blocking.h"
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/conv_path.h"
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/maxpool2d.h"

namespace sg {

// Size classes are multiples of 512 bytes, so every block is 64-byte aligned and whole.
void* CpuBackend::host_alloc(size_t bytes) { return std::aligned_alloc(64, bytes); }
void CpuBackend::host_free(void* p) { std::free(p); }
float* CpuBackend::alloc(int64_t n) {
  return static_cast<float*>(alloc_.alloc(size_t(n) * sizeof(float)));
}
void CpuBackend::release(float* p) { alloc_.release(p); }
void CpuBackend::to_host(float* dst, const float* src, int64_t n) {
  if (n) std::memcpy(dst, src, size_t(n) * sizeof(float));
}
void CpuBackend::from_host(float* dst, const float* src, int64_t n) {
  if (n) std::memcpy(dst, src, size_t(n) * sizeof(float));
}

bool CpuBackend::set_option(const std::string& name, const std::string& value) {
  if (name == "winograd") {
    cpu::set_winograd_mode(cpu::parse_winograd_mode(value));
    return true;
  }
  if (name == "blocking") {
    cpu::set_blocking(cpu::parse_blocking(value));
    return true;
  }
  if (name == "conv_path") {
    cpu::set_conv_path(cpu::parse_conv_path(value));
    return true;
  }
  return false;
}
std::string CpuBackend::option(const std::string& name) const {
  if (name == "blocking") return cpu::blocking_name(cpu::blocking());
  if (name == "conv_path") return cpu::conv_path_name(cpu::conv_path());
  if (name != "winograd") return "";
  switch (cpu::winograd_mode()) {
    case cpu::WinogradMode::On: return "on";
    case cpu::WinogradMode::All: return "all";
    default: return "off";
  }
}
std::vector<std::string> CpuBackend::option_values(const std::string& name) const {
  if (name == "blocking") return {"wide", "narrow"};
  if (name == "conv_path") return {"direct", "gemm"};
  if (name != "winograd") return {};
  return {"off", "on", "all"};
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

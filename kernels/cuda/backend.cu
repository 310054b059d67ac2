// CudaBackend's construction, memory and registration entry points. The ops live in one
// file per family: elementwise, angle, reduce, gemm, conv, maxpool, dropout, upsample,
// concat, optim (.cu).
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cuda/cudnn_conv.h"

namespace sg::SG_CUDA_NS {

CudaBackend::CudaBackend() {
#if defined(__CUDACC__)
  SG_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  // STEREOGRAD_CONV picks the default convolution of the GPU backend.
  if (const char* env = std::getenv("STEREOGRAD_CONV")) {
    const std::string v = env;
    SG_CHECK(v == "own" || v == "cudnn", "STEREOGRAD_CONV='", v,
             "': expected 'own' or 'cudnn'");
    if (v == "cudnn") set_conv_impl(cuda::ConvImpl::Cudnn);
  }
#endif
}

CudaBackend::~CudaBackend() {
#if defined(__CUDACC__)
  cudnn_.reset();
  if (stream_) SG_CUDA_LOG(cudaStreamDestroy(stream_));
#endif
}

Device CudaBackend::device() const {
#if defined(__CUDACC__)
  return Device::CUDA;
#else
  return Device::CudaOnCpu;
#endif
}

// Literal names (device_name's, engine/backend.cpp) keep this library free of links back
// into stereograd_core.
std::string CudaBackend::name() const {
#if defined(__CUDACC__)
  return "cuda";
#else
  return "cuda-cpu";
#endif
}

bool CudaBackend::has_cudnn() const { return SG_WITH_CUDNN; }

void CudaBackend::set_conv_impl(cuda::ConvImpl impl) {
  SG_CHECK(impl == cuda::ConvImpl::Own || has_cudnn(), "backend '", name(),
           "' has no cuDNN (it exists only on Device::CUDA in a build that found cuDNN)");
  conv_impl_ = impl;
}

// The backend-neutral face of the two calls above (engine/backend.h): "conv" = own | cudnn.
bool CudaBackend::set_option(const std::string& name, const std::string& value) {
  if (name != "conv") return false;
  SG_CHECK(value == "own" || value == "cudnn", "backend '", this->name(), "': option conv='",
           value, "': expected 'own' or 'cudnn'");
  set_conv_impl(value == "cudnn" ? cuda::ConvImpl::Cudnn : cuda::ConvImpl::Own);
  return true;
}

std::string CudaBackend::option(const std::string& name) const {
  if (name != "conv") return "";
  return conv_impl_ == cuda::ConvImpl::Cudnn ? "cudnn" : "own";
}

std::vector<std::string> CudaBackend::option_values(const std::string& name) const {
  if (name != "conv") return {};
  if (has_cudnn()) return {"own", "cudnn"};
  return {"own"};
}

float* CudaBackend::alloc(int64_t n) {
  SG_CHECK(n >= 0, "alloc of ", n, " floats");
  return static_cast<float*>(alloc_.alloc(size_t(n) * sizeof(float)));
}

void CudaBackend::release(float* p) { alloc_.release(p); }

// Copies are synchronous: they wait for the kernels queued before them.
void CudaBackend::to_host(float* dst, const float* src, int64_t n) {
  if (n <= 0) return;
#if defined(__CUDACC__)
  SG_CUDA_CHECK(cudaMemcpyAsync(dst, src, size_t(n) * sizeof(float), cudaMemcpyDeviceToHost,
                                stream_));
  SG_CUDA_CHECK(cudaStreamSynchronize(stream_));
#else
  std::memcpy(dst, src, size_t(n) * sizeof(float));
#endif
}

void CudaBackend::from_host(float* dst, const float* src, int64_t n) {
  if (n <= 0) return;
#if defined(__CUDACC__)
  SG_CUDA_CHECK(cudaMemcpyAsync(dst, src, size_t(n) * sizeof(float), cudaMemcpyHostToDevice,
                                stream_));
  SG_CUDA_CHECK(cudaStreamSynchronize(stream_));
#else
  std::memcpy(dst, src, size_t(n) * sizeof(float));
#endif
}

std::unique_ptr<cuda::CudaBackendBase> make_backend() {
  return std::make_unique<CudaBackend>();
}

#if defined(__CUDACC__)
int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // no driver or no device: not an error for us
    return 0;
  }
  return n;
}
#endif

}  // namespace sg::SG_CUDA_NS

// What kernels/registry.cpp and the tests see of the CUDA backend: plain C++, no CUDA
// header. Programs see none of it: they choose the convolution by name through
// Backend::set_option("conv", ...) (engine/backend.h), and the build gives no other
// layer this header's folder.
//
// The kernels of kernels/cuda/*.cu are compiled twice: by nvcc into the GPU backend
// (namespace sg::cuda_dev, Device::CUDA) and by the host compiler into the CPU
// executor's backend (namespace sg::cuda_host, Device::CudaOnCpu). Both implement
// CudaBackendBase, which adds to the Backend interface what only these two have: the
// caching allocator's statistics and the choice of convolution implementation.
#pragma once
#include <cstdint>
#include <memory>

#include "engine/backend.h"
#include "engine/caching_allocator.h"
#include "engine/error.h"

namespace sg::cuda {

// Which code computes conv2d_* on Device::CUDA: our implicit-GEMM kernels or cuDNN.
// The default comes from the environment variable STEREOGRAD_CONV (own | cudnn, read
// when the backend is created); set_conv_impl changes it at run time.
enum class ConvImpl { Own, Cudnn };

// The caching allocator's counters (engine/caching_allocator.h).
using AllocatorStats = sg::AllocatorStats;

class CudaBackendBase : public Backend {
 public:
  virtual AllocatorStats stats() const = 0;
  // Throws when cuDNN is asked for where this build or device has none.
  virtual void set_conv_impl(ConvImpl impl) = 0;
  virtual ConvImpl conv_impl() const = 0;
  virtual bool has_cudnn() const = 0;
  // How many times the host has waited for this backend's device: every to_host (a
  // device-to-host copy waits for the kernels queued before it), and every from_host that
  // found its pinned staging buffer still in use or too large an upload to stage. A
  // training step in steady state makes none (tests/test_step_sync.cpp).
  virtual int64_t host_syncs() const = 0;
};

// The CUDA-specific side of a registered backend; throws for the CPU backend.
inline CudaBackendBase& cuda_backend(Backend& b) {
  auto* c = dynamic_cast<CudaBackendBase*>(&b);
  SG_CHECK(c, "backend '", b.name(), "' is not a CUDA backend");
  return *c;
}

}  // namespace sg::cuda

// The two builds of kernels/cuda/ (see kernels/registry.cpp).
namespace sg::cuda_dev {
// Number of visible GPUs; 0 (never an exception) when there is no driver or device.
int device_count();
std::unique_ptr<cuda::CudaBackendBase> make_backend();
}  // namespace sg::cuda_dev

namespace sg::cuda_host {
std::unique_ptr<cuda::CudaBackendBase> make_backend();
}  // namespace sg::cuda_host

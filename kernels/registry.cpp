// register_builtin_backends (kernels/registry.h): the only file that knows every
// backend's class. Built into stereograd_backends, which links the kernel libraries
// PRIVATE, so that a program sees this header and nothing else of kernels/.
#include "kernels/registry.h"

#include <memory>

#include "kernels/cpu/backend.h"
#if defined(STEREOGRAD_CUDA_ON_CPU) || defined(STEREOGRAD_HAS_CUDA)
#include "kernels/cuda/api.h"
#endif

namespace sg {

void register_builtin_backends() {
  static bool done = false;
  if (done) return;
  done = true;
  register_backend(Device::CPU, std::make_unique<CpuBackend>());
#if defined(STEREOGRAD_CUDA_ON_CPU)
  register_backend(Device::CudaOnCpu, cuda_host::make_backend());
#endif
#if defined(STEREOGRAD_HAS_CUDA)
  if (cuda_dev::device_count() >= 1) register_backend(Device::CUDA, cuda_dev::make_backend());
#endif
}

}  // namespace sg

// Registers every backend this build has (engine/backend.h's registry calls this once):
// the CPU always; the CUDA kernels under the CPU executor when built with
// STEREOGRAD_CUDA_ON_CPU; the GPU when built with STEREOGRAD_HAS_CUDA and a device is
// visible (a machine without a GPU or driver simply has no Device::CUDA).
#include <memory>

#include "kernels/cpu/backend.h"
#if defined(STEREOGRAD_CUDA_ON_CPU) || defined(STEREOGRAD_HAS_CUDA)
#include "kernels/cuda/api.h"
#endif

namespace sg {

void register_builtin_backends() {
  register_backend(Device::CPU, std::make_unique<CpuBackend>());
#if defined(STEREOGRAD_CUDA_ON_CPU)
  register_backend(Device::CudaOnCpu, cuda_host::make_backend());
#endif
#if defined(STEREOGRAD_HAS_CUDA)
  if (cuda_dev::device_count() >= 1) register_backend(Device::CUDA, cuda_dev::make_backend());
#endif
}

}  // namespace sg

// Where a tensor's memory lives. A GPU backend registers Device::CUDA; CudaOnCpu is
// the CUDA kernels run by the CPU executor (tests), with host memory.
#pragma once
#include <string>

namespace sg {

enum class Device { CPU, CUDA, CudaOnCpu };

std::string device_name(Device d);
Device parse_device(const std::string& name);  // "cpu", "cuda", "cuda-cpu"; throws otherwise

}  // namespace sg

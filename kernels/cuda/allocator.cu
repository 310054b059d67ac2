// The system calls behind the caching allocator (allocator.h).
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/allocator.h"

#include <cstdlib>

namespace sg::SG_CUDA_NS {

void* device_alloc(size_t bytes) {
#if defined(__CUDACC__)
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes);
  if (e == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();  // clear it: the caller may retry after emptying the cache
    return nullptr;
  }
  SG_CUDA_CHECK(e);
  return p;
#else
  return std::aligned_alloc(64, bytes);
#endif
}

void device_free(void* p) {
#if defined(__CUDACC__)
  SG_CUDA_LOG(cudaFree(p));
#else
  std::free(p);
#endif
}

}  // namespace sg::SG_CUDA_NS

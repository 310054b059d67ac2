// The system side of the CUDA backend's caching allocator (engine/caching_allocator.h):
// cudaMalloc/cudaFree under nvcc, 64-byte-aligned host memory under the executor.
// Stream safety: the backend runs every kernel on one stream, so a block released while
// a kernel may still read it is only ever reused by work queued after that kernel.
#pragma once
#include <cstddef>

#include "engine/caching_allocator.h"
#include "kernels/cuda/common.h"

namespace sg::SG_CUDA_NS {

// Null when the device has no memory left (the caching allocator then empties its cache
// and tries once more).
void* device_alloc(size_t bytes);
void device_free(void* p);

}  // namespace sg::SG_CUDA_NS

// A caching allocator (the idea of PyTorch's CUDA caching allocator, much simplified):
// blocks obtained from the system are never given back during training; release() puts
// a block on the free list of its size class and the next alloc() of that class takes it
// back. A training step allocates the same sizes every time, so from the second step on
// it makes no cudaMalloc or cudaFree at all (stats().misses stops growing).
//
// Size classes: requests are rounded up to a multiple of 512 bytes below 1 MiB and of
// 1 MiB above, and a block only serves requests of its own class (no splitting).
// Stream safety: the backend runs every kernel on one stream, so a block released while
// a kernel may still read it is only ever reused by work queued after that kernel.
#pragma once
#include <cstddef>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "kernels/cuda/api.h"
#include "kernels/cuda/common.h"

namespace sg::SG_CUDA_NS {

class CachingAllocator {
 public:
  CachingAllocator() = default;
  ~CachingAllocator();  // frees every block; logs, never throws
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  void* alloc(size_t bytes);
  void release(void* p);  // p from alloc, or null
  void empty_cache();     // gives the free blocks back to the system
  cuda::AllocatorStats stats() const;

  static size_t size_class(size_t bytes);

 private:
  void free_cached_locked();

  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;  // size class -> free blocks
  std::unordered_map<void*, size_t> live_;     // block handed out -> its size class
  cuda::AllocatorStats stats_;
};

}  // namespace sg::SG_CUDA_NS

// The caching allocator (allocator.h). The system calls are cudaMalloc/cudaFree under
// nvcc and 64-byte-aligned host memory under the executor; the caching is the same.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/allocator.h"

#include <cstdlib>

namespace sg::SG_CUDA_NS {

namespace {

// Returns null when the system has no memory left.
void* system_alloc(size_t bytes) {
#if defined(__CUDACC__)
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes);
  if (e == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();  // clear it: we may retry after emptying the cache
    return nullptr;
  }
  SG_CUDA_CHECK(e);
  return p;
#else
  return std::aligned_alloc(64, bytes);
#endif
}

void system_free(void* p) {
#if defined(__CUDACC__)
  SG_CUDA_LOG(cudaFree(p));
#else
  std::free(p);
#endif
}

}  // namespace

size_t CachingAllocator::size_class(size_t bytes) {
  constexpr size_t kSmall = 512, kLarge = size_t(1) << 20;
  if (bytes == 0) return kSmall;
  const size_t unit = bytes < kLarge ? kSmall : kLarge;
  return (bytes + unit - 1) / unit * unit;
}

void* CachingAllocator::alloc(size_t bytes) {
  const size_t cls = size_class(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  void* p = nullptr;
  auto it = free_.find(cls);
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.bytes_cached -= int64_t(cls);
    ++stats_.hits;
  } else {
    p = system_alloc(cls);
    if (!p) {  // out of memory: give the cached blocks back and try once more
      free_cached_locked();
      p = system_alloc(cls);
    }
    SG_CHECK(p, "out of memory allocating ", cls, " bytes (", stats_.bytes_in_use,
             " bytes in use)");
    ++stats_.misses;
    stats_.bytes_reserved += int64_t(cls);
  }
  live_.emplace(p, cls);
  stats_.bytes_in_use += int64_t(cls);
  return p;
}

void CachingAllocator::release(void* p) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(p);
  SG_CHECK(it != live_.end(), "release of a pointer this allocator did not hand out");
  const size_t cls = it->second;
  live_.erase(it);
  free_[cls].push_back(p);
  stats_.bytes_in_use -= int64_t(cls);
  stats_.bytes_cached += int64_t(cls);
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  free_cached_locked();
}

void CachingAllocator::free_cached_locked() {
  for (auto& [cls, blocks] : free_) {
    for (void* p : blocks) system_free(p);
    stats_.bytes_cached -= int64_t(cls * blocks.size());
    stats_.bytes_reserved -= int64_t(cls * blocks.size());
    blocks.clear();
  }
}

cuda::AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

CachingAllocator::~CachingAllocator() {
  free_cached_locked();
  for (auto& [p, cls] : live_) system_free(p);  // tensors outliving the backend
}

}  // namespace sg::SG_CUDA_NS

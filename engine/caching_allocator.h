// A caching allocator (the idea of PyTorch's CUDA caching allocator, much simplified),
// shared by the CPU backend (aligned host memory) and the CUDA backend (cudaMalloc):
// blocks obtained from the system are not given back during training; release() puts a
// block on the free list of its size class and the next alloc() of that class takes it
// back. A training step allocates the same sizes every time, so from the second step on
// it makes no system call at all (stats().misses stops growing). On the CPU this also
// spares the page faults and page zeroing of fresh mmap'd memory for every large tensor.
//
// Size classes: requests are rounded up to a multiple of 512 bytes below 1 MiB and of
// 1 MiB above, and a block only serves requests of its own class (no splitting).
// Header-only, so nvcc and the host compiler each compile their own copy.
//
// AddressSanitizer (engine/asan.h): a cached block is one live malloc to ASan, so in ASan
// builds every block not handed out is poisoned, and of a block handed out only the
// bytes requested are accessible: a kernel writing past its tensor (into the tail of the
// size class) or reading a released block gets a use-after-poison report. Host memory
// only in practice: sanitized builds have no nvcc, and device pointers are never
// dereferenced by host code, so poisoning their shadow would be harmless anyway.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/asan.h"
#include "engine/error.h"

namespace sg {

// A hit is an alloc served from a free list, a miss one that had to ask the system.
struct AllocatorStats {
  int64_t hits = 0, misses = 0;
  int64_t bytes_in_use = 0;    // handed out and not yet released
  int64_t bytes_cached = 0;    // released, kept in the free lists
  int64_t bytes_reserved = 0;  // in_use + cached: what the system gave us
};

class CachingAllocator {
 public:
  // system_alloc returns null when the system has no memory left.
  using SystemAlloc = void* (*)(size_t bytes);
  using SystemFree = void (*)(void* p);
  CachingAllocator(SystemAlloc a, SystemFree f) : system_alloc_(a), system_free_(f) {}
  ~CachingAllocator() {  // frees every block, including those of tensors outliving us
    free_cached_locked();
    for (auto& [p, cls] : live_) give_back(p, cls);
  }
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  static size_t size_class(size_t bytes) {
    constexpr size_t kSmall = 512, kLarge = size_t(1) << 20;
    if (bytes == 0) return kSmall;
    const size_t unit = bytes < kLarge ? kSmall : kLarge;
    return (bytes + unit - 1) / unit * unit;
  }

  void* alloc(size_t bytes) {
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
      p = system_alloc_(cls);
      if (!p) {  // out of memory: give the cached blocks back and try once more
        free_cached_locked();
        p = system_alloc_(cls);
      }
      SG_CHECK(p, "out of memory allocating ", cls, " bytes (", stats_.bytes_in_use,
               " bytes in use)");
      ++stats_.misses;
      stats_.bytes_reserved += int64_t(cls);
    }
    live_.emplace(p, cls);
    stats_.bytes_in_use += int64_t(cls);
    asan_hand_out(p, bytes, cls);  // [bytes, cls) stays poisoned
    return p;
  }

  // p from alloc, or null. Throws on a pointer it did not hand out (a double release):
  // callers in destructors catch and log (Storage::~Storage).
  void release(void* p) {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(p);
    SG_CHECK(it != live_.end(), "release of a pointer this allocator did not hand out");
    const size_t cls = it->second;
    live_.erase(it);
    asan_poison(p, cls);  // until an alloc hands it out again
    free_[cls].push_back(p);
    stats_.bytes_in_use -= int64_t(cls);
    stats_.bytes_cached += int64_t(cls);
  }

  // Gives the free blocks back to the system.
  void empty_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    free_cached_locked();
  }

  AllocatorStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  void free_cached_locked() {
    for (auto& [cls, blocks] : free_) {
      for (void* p : blocks) give_back(p, cls);
      stats_.bytes_cached -= int64_t(cls * blocks.size());
      stats_.bytes_reserved -= int64_t(cls * blocks.size());
      blocks.clear();
    }
  }

  // To the system, unpoisoned: a system_free other than free() (or the next owner of
  // the pages) must not inherit our poison.
  void give_back(void* p, size_t cls) {
    asan_unpoison(p, cls);
    system_free_(p);
  }

  SystemAlloc system_alloc_;
  SystemFree system_free_;
  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;  // size class -> free blocks
  std::unordered_map<void*, size_t> live_;     // block handed out -> its size class
  AllocatorStats stats_;
};

}  // namespace sg

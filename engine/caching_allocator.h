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
// Private pools, for a captured CUDA graph (the idea of PyTorch's graph pools): a graph
// replays kernels that write the step's intermediate tensors at the addresses they had
// when it was captured, after those tensors were released. Between begin_pool() and
// end_pool(), every block handed out belongs to a new pool; released (during the
// capture or after), it goes to that pool's free list, which only a later capture into
// the same pool draws from, so nothing allocated between two replays can be given an
// address a replay writes. release_pool() hands the pool's blocks back to the general
// cache once its graph is destroyed (blocks still live return there when released).
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
    for (auto& [id, lists] : pools_)
      for (auto& [cls, blocks] : lists)
        for (void* p : blocks) give_back(p, cls);
    for (auto& [p, block] : live_) give_back(p, block.cls);
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
    if (capturing_ != 0) p = take_free_locked(pools_[capturing_], cls);  // the pool's own first
    if (!p) p = take_free_locked(free_, cls);
    if (p) {
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
    live_.emplace(p, Block{cls, capturing_});
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
    const auto [cls, pool] = it->second;
    live_.erase(it);
    asan_poison(p, cls);  // until an alloc hands it out again
    auto owner = pools_.find(pool);
    (owner != pools_.end() ? owner->second : free_)[cls].push_back(p);
    stats_.bytes_in_use -= int64_t(cls);
    stats_.bytes_cached += int64_t(cls);
  }

  // Gives the free blocks back to the system (a pool's blocks stay: a graph uses them).
  void empty_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    free_cached_locked();
  }

  // Blocks handed out from now until end_pool() belong to a new pool, whose id (> 0) is
  // returned. One capture at a time.
  int begin_pool() {
    std::lock_guard<std::mutex> lock(mu_);
    SG_CHECK(capturing_ == 0, "begin_pool: pool ", capturing_, " is still being filled");
    capturing_ = ++last_pool_;
    pools_[capturing_];
    return capturing_;
  }
  void end_pool() {
    std::lock_guard<std::mutex> lock(mu_);
    capturing_ = 0;
  }
  // The pool's free blocks go back to the general cache; its live ones will on release.
  void release_pool(int pool) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pools_.find(pool);
    if (it == pools_.end()) return;
    for (auto& [cls, blocks] : it->second)
      free_[cls].insert(free_[cls].end(), blocks.begin(), blocks.end());
    pools_.erase(it);
    if (capturing_ == pool) capturing_ = 0;
  }

  AllocatorStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }

 private:
  using FreeLists = std::map<size_t, std::vector<void*>>;  // size class -> free blocks
  struct Block {
    size_t cls;
    int pool;  // 0: the general cache
  };

  // A free block of class `cls` from `lists`, or null.
  void* take_free_locked(FreeLists& lists, size_t cls) {
    auto it = lists.find(cls);
    if (it == lists.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    stats_.bytes_cached -= int64_t(cls);
    return p;
  }

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
  FreeLists free_;                          // the general cache
  std::map<int, FreeLists> pools_;          // private pools by id
  std::unordered_map<void*, Block> live_;   // block handed out -> its class and pool
  int capturing_ = 0, last_pool_ = 0;       // the pool being filled (0: none)
  AllocatorStats stats_;
};

}  // namespace sg

// AddressSanitizer's manual poisoning, for memory that we hand out ourselves.
//
// ASan sees only malloc and free. Memory that a cache keeps and hands out again (the
// caching allocator's size classes, the CPU executor's shared memory) looks to it like
// one live block: a kernel writing past its tensor into the rest of the block, or
// reading a block released to the cache, goes unreported. In ASan builds the owners of
// such memory poison what is not handed out (a released block, the tail of a size
// class beyond the bytes requested) and unpoison exactly the bytes handed out; any
// access to poisoned bytes is then a "use-after-poison" report. In other builds these
// calls compile to nothing.
//
// Granularity: ASan keeps one shadow byte per 8-byte granule, which says "the first k
// bytes are addressable" (k = 0..8) or "none". So the end of a region handed out is
// exact to the byte only when the region starts on a granule boundary: our blocks are
// 64-byte aligned, so a tensor of 3 floats (12 bytes) has bytes 12..15 of its second
// granule poisoned and a write of one float past its end is caught. A region starting
// inside a granule cannot be poisoned before its start (ASan poisons less, never more).
#pragma once
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define SG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SG_ASAN 1
#endif
#endif

#if defined(SG_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace sg {

// Marks [p, p + bytes) inaccessible / accessible to ASan; no-ops without it.
inline void asan_poison(const void* p, std::size_t bytes) {
#if defined(SG_ASAN)
  ASAN_POISON_MEMORY_REGION(p, bytes);
#else
  (void)p, (void)bytes;
#endif
}
inline void asan_unpoison(const void* p, std::size_t bytes) {
#if defined(SG_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(p, bytes);
#else
  (void)p, (void)bytes;
#endif
}

// Hands out the first `bytes` of a block of `capacity` bytes: they become accessible,
// the tail up to capacity stays poisoned.
inline void asan_hand_out(const void* block, std::size_t bytes, std::size_t capacity) {
  asan_poison(block, capacity);
  asan_unpoison(block, bytes);
}

}  // namespace sg

// The shared-memory race detector of the CPU executor.
//
// A race is two threads of one block touching the same word of dynamic shared memory in
// the same barrier interval (between two __syncthreads), at least one of them writing,
// unless both are lanes of one warp separated by a warp-level synchronisation
// (__syncwarp, a shuffle, a vote). Atomic updates count as accesses, not writes: they
// race with plain writes of other threads, while an atomic against a plain read is not
// reported.
//
// How it sees accesses: every SharedSpan::operator[] reports the bytes it hands out
// (access) together with their old value; when the thread next yields to the scheduler
// (end_segment) the bytes whose value changed are its writes. Fibers run one at a time,
// so the change can only be that thread's. The unit is the 4-byte word: elements of 1 or
// 2 bytes, or unaligned ones, mark their words unchecked for the interval. Consequences,
// all in the safe direction (a race may be missed, no race is invented): a write of the
// value already there is not a write; accesses through a raw pointer taken from the span
// are invisible; sub-word elements are not checked; a warp synchronisation of some lanes
// counts as one of the whole warp.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sg::exec::detail {

// Who is accessing: the thread's linear index in the block, its warp, and how many warp
// synchronisations that warp has completed.
struct Actor {
  int thread;
  int warp;
  std::uint32_t warp_sync;
};

class SharedRaceDetector {
 public:
  // A new block; threads are named as (x,y,z) using the block's x and y extents.
  void begin_block(const unsigned char* base, std::size_t bytes, unsigned block_x, unsigned block_y);
  void barrier();  // a __syncthreads completed: a new interval begins

  // `who` is about to touch bytes [p, p + n) of the buffer. Throws sg::Error on a race
  // with an earlier write.
  void access(const void* p, std::size_t n, const Actor& who);
  // The latest access to p was an atomic update: its change is not a plain write.
  void atomic(const void* p);
  // `who` yields: commits its writes. Throws sg::Error on a race.
  void end_segment(const Actor& who);

 private:
  static constexpr std::int32_t kUnchecked = -2;  // `writer` of a word touched by a sub-word access

  struct Shadow {  // what one 4-byte word saw in the current interval
    std::uint32_t interval = 0;
    std::int32_t writer = -1;  // thread that wrote it, -1 or kUnchecked
    std::uint32_t writer_sync = 0;
    std::int32_t reader = -1;  // a thread that touched it (the earliest one not ordered before a later one)
    std::uint32_t reader_sync = 0;
    std::uint32_t warps = 0;  // bit w: some lane of warp w touched it
  };
  struct Pending {  // one access of the running segment
    std::uint32_t offset;  // in bytes, a multiple of 4
    std::uint32_t bytes;   // a multiple of 4
    std::uint64_t old;     // the old value if bytes <= 8, else where it sits in old_bytes_
    bool atomic;
    const unsigned char* old_value(const std::vector<unsigned char>& side) const {
      return bytes <= 8 ? reinterpret_cast<const unsigned char*>(&old) : side.data() + old;
    }
  };

  bool unchanged(const Pending& a) const;  // the bytes still hold their old value
  static bool ordered(std::int32_t thread, std::uint32_t sync, const Actor& who);
  // `other` is a thread index, or -1 with `other_warp` naming its warp.
  [[noreturn]] void report(std::size_t offset, std::size_t elem_bytes, std::int32_t other, int other_warp,
                           const char* other_did, const Actor& who, const char* who_did) const;

  const unsigned char* base_ = nullptr;
  std::size_t bytes_ = 0;
  unsigned block_x_ = 1, block_y_ = 1;
  std::uint32_t interval_ = 0;
  std::vector<Shadow> shadow_;  // one per word
  std::vector<Pending> pending_;
  std::vector<unsigned char> old_bytes_;  // old values of accesses wider than 8 bytes
};

}  // namespace sg::exec::detail

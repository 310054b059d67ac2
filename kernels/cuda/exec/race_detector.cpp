// The shared-memory race detector (see race_detector.h).
#include "kernels/cuda/exec/race_detector.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "engine/error.h"

namespace sg::exec::detail {

void SharedRaceDetector::begin_block(const unsigned char* base, std::size_t bytes, unsigned block_x,
                                     unsigned block_y) {
  base_ = base;
  bytes_ = bytes;
  block_x_ = block_x;
  block_y_ = block_y;
  if (shadow_.size() < (bytes + 3) / 4) shadow_.resize((bytes + 3) / 4);
  pending_.clear();
  old_bytes_.clear();
  barrier();
}

void SharedRaceDetector::barrier() {
  // Interval stamps make every shadow word stale at once; on wrap-around clear them.
  if (++interval_ == 0) {
    std::fill(shadow_.begin(), shadow_.end(), Shadow{});
    interval_ = 1;
  }
}

bool SharedRaceDetector::ordered(std::int32_t thread, std::uint32_t sync, const Actor& who) {
  return thread == who.thread || (thread / 32 == who.warp && sync != who.warp_sync);
}

void SharedRaceDetector::access(const void* p, std::size_t n, const Actor& who) {
  const auto offset = static_cast<std::size_t>(static_cast<const unsigned char*>(p) - base_);
  if (offset % 4 != 0 || n % 4 != 0) {  // sub-word: leave its words unchecked this interval
    for (std::size_t w = offset / 4; w < (offset + n + 3) / 4; ++w) shadow_[w] = Shadow{interval_, kUnchecked};
    return;
  }
  for (std::size_t w = offset / 4; w < (offset + n) / 4; ++w) {
    Shadow& s = shadow_[w];
    if (s.interval != interval_) s = Shadow{interval_};
    if (s.writer == kUnchecked) continue;
    if (s.writer >= 0 && !ordered(s.writer, s.writer_sync, who))
      report(w * 4, n, s.writer, s.writer / 32, "wrote", who, "accessed");
    if (s.reader < 0 || ordered(s.reader, s.reader_sync, who)) {
      s.reader = who.thread;
      s.reader_sync = who.warp_sync;
    }
    s.warps |= 1u << who.warp;
  }
  // Fixed-size copies compile to single loads.
  std::uint64_t old = 0;
  if (n == 4) {
    std::uint32_t v;
    std::memcpy(&v, base_ + offset, 4);
    old = v;
  } else if (n == 8) {
    std::memcpy(&old, base_ + offset, 8);
  } else {
    old = old_bytes_.size();
    old_bytes_.insert(old_bytes_.end(), base_ + offset, base_ + offset + n);
  }
  Pending& a = pending_.emplace_back();  // filled in place: a temporary cost a store-forwarding stall
  a.offset = static_cast<std::uint32_t>(offset);
  a.bytes = static_cast<std::uint32_t>(n);
  a.old = old;
  a.atomic = false;
}

bool SharedRaceDetector::unchanged(const Pending& a) const {
  if (a.bytes == 4) {
    std::uint32_t v;
    std::memcpy(&v, base_ + a.offset, 4);
    return v == static_cast<std::uint32_t>(a.old);
  }
  if (a.bytes == 8) {
    std::uint64_t v;
    std::memcpy(&v, base_ + a.offset, 8);
    return v == a.old;
  }
  return std::memcmp(base_ + a.offset, old_bytes_.data() + a.old, a.bytes) == 0;
}

void SharedRaceDetector::atomic(const void* p) {
  const auto offset = static_cast<std::size_t>(static_cast<const unsigned char*>(p) - base_);
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    if (it->offset == offset) {
      it->atomic = true;
      return;
    }
  }
}

void SharedRaceDetector::end_segment(const Actor& who) {
  auto updated_atomically = [this](std::size_t w) {
    for (const Pending& a : pending_)
      if (a.atomic && w >= a.offset / 4 && w < (a.offset + a.bytes) / 4) return true;
    return false;
  };
  for (const Pending& a : pending_) {
    if (a.atomic || unchanged(a)) continue;  // a read (or a write of the same value)
    const unsigned char* old = a.old_value(old_bytes_);
    for (std::size_t i = 0; i < a.bytes; i += 4) {
      const std::size_t w = (a.offset + i) / 4;
      if (std::memcmp(base_ + a.offset + i, old + i, 4) == 0) continue;  // this word unchanged
      Shadow& s = shadow_[w];  // current: access() stamped it
      if (s.writer == kUnchecked || updated_atomically(w)) continue;
      if (s.writer >= 0 && !ordered(s.writer, s.writer_sync, who))
        report(w * 4, a.bytes, s.writer, s.writer / 32, "wrote", who, "wrote");
      if (s.reader >= 0 && !ordered(s.reader, s.reader_sync, who))
        report(w * 4, a.bytes, s.reader, s.reader / 32, "accessed", who, "wrote");
      const std::uint32_t other_warps = s.warps & ~(1u << who.warp);
      if (other_warps != 0) report(w * 4, a.bytes, -1, __builtin_ctz(other_warps), "accessed", who, "wrote");
      s.writer = who.thread;
      s.writer_sync = who.warp_sync;
    }
  }
  pending_.clear();
  old_bytes_.clear();
}

void SharedRaceDetector::report(std::size_t offset, std::size_t elem_bytes, std::int32_t other, int other_warp,
                                const char* other_did, const Actor& who, const char* who_did) const {
  auto name = [this](std::int32_t t) {
    const auto u = static_cast<unsigned>(t);
    return "thread (" + std::to_string(u % block_x_) + "," + std::to_string(u / block_x_ % block_y_) + "," +
           std::to_string(u / block_x_ / block_y_) + ")";
  };
  const std::string other_name = other >= 0 ? name(other) : "a thread of warp " + std::to_string(other_warp);
  fail("shared-memory race on dynamic shared memory byte ", offset, " (element ", offset / elem_bytes, " of ",
       elem_bytes, "-byte elements): ", other_name, " ", other_did, " it and ", name(who.thread), " ", who_did,
       " it with no __syncthreads in between (missing barrier?)");
}

}  // namespace sg::exec::detail

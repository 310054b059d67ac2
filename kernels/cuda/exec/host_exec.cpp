// The CPU executor of the CUDA execution model (see host_exec.h and docs/cuda_executor.md):
// a scheduler that runs the blocks of a grid one after another and, within a block, the
// CUDA threads as cooperative fibers that meet at __syncthreads and warp intrinsics.
#include "kernels/cuda/exec/host_exec.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "engine/asan.h"
#include "engine/error.h"
#include "kernels/cuda/exec/fiber.h"
#include "kernels/cuda/exec/race_detector.h"

thread_local uint3 threadIdx{};
thread_local uint3 blockIdx{};
thread_local dim3 blockDim{};
thread_local dim3 gridDim{};

namespace sg::exec::detail {
namespace {

enum class State : std::uint8_t { Ready, AtBarrier, AtWarp, Exited };

// What a lane asked for when it entered a warp collective.
struct WarpRequest {
  WarpOp op = WarpOp::Sync;
  unsigned mask = 0;
  std::uint64_t value = 0;
  unsigned b = 0;  // source lane, delta or lane mask
  int width = 32;
  const char* name = "";
};

// One CUDA thread of the running block.
struct GpuThread {
  Fiber* fiber = nullptr;
  uint3 idx{};
  int linear = 0;  // x + y * blockDim.x + z * blockDim.x * blockDim.y, as on a device
  State state = State::Ready;
  int predicate = 0;  // its vote at a __syncthreads_count / _and / _or
  WarpRequest req;
  std::uint64_t result = 0;  // its result of the last warp collective
  int warp() const { return linear / 32; }
  int lane() const { return linear % 32; }
};

// What one OS thread needs to run launches; kept from launch to launch.
struct Executor {
  FiberPool pool;
  Fiber scheduler;  // the OS thread's own stack
  std::vector<GpuThread> threads;
  std::vector<std::uint32_t> warp_syncs;  // completed collectives per warp of the block
  unsigned char* shared = nullptr;        // the dynamic shared buffer
  std::size_t shared_capacity = 0;
  std::size_t shared_bytes = 0;
  SharedRaceDetector race;
  void (*body)(void*) = nullptr;
  void* body_ctx = nullptr;
  GpuThread* current = nullptr;  // the thread running now; null in the scheduler
  bool in_launch = false;
  unsigned barriers = 0;  // __syncthreads completed by the running block
  int barrier_votes = 0;  // threads whose predicate was non-zero at the last one
  std::exception_ptr error;  // the first exception a thread of the block threw
  int error_thread = -1;

  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  ~Executor() { std::free(shared); }  // free() takes poisoned memory back as it is
};

thread_local Executor t_exec;

std::string name_of(const uint3& i) {
  return "(" + std::to_string(i.x) + "," + std::to_string(i.y) + "," + std::to_string(i.z) + ")";
}

GpuThread& running(Executor& ex, const char* what) {
  if (ex.current == nullptr) fail(what, " called outside a kernel run by the CPU executor");
  return *ex.current;
}

Actor actor(const Executor& ex, const GpuThread& t) {
  return {t.linear, t.warp(), ex.warp_syncs[static_cast<std::size_t>(t.warp())]};
}

// ---- Fiber side ----------------------------------------------------------------------

void thread_main(void* arg) {
  GpuThread& t = *static_cast<GpuThread*>(arg);
  Executor& ex = t_exec;
  try {
    ex.body(ex.body_ctx);
  } catch (...) {  // kept until the block stops; never carried across a switch
    if (!ex.error) {
      ex.error = std::current_exception();
      ex.error_thread = t.linear;
    }
  }
  t.state = State::Exited;
  fiber_switch(*t.fiber, ex.scheduler, /*from_finished=*/true);
}

void suspend(Executor& ex, GpuThread& t, State s) {
  t.state = s;
  fiber_switch(*t.fiber, ex.scheduler);
}

// ---- Scheduler side ------------------------------------------------------------------

void resume(Executor& ex, GpuThread& t) {
  ex.current = &t;
  threadIdx = t.idx;
  fiber_switch(ex.scheduler, *t.fiber);
  ex.current = nullptr;
  try {
    ex.race.end_segment(actor(ex, t));
  } catch (...) {
    ex.error = std::current_exception();
    ex.error_thread = t.linear;
  }
}

// The lane a shuffle reads, exactly as PTX shfl.sync computes it from the lane, the
// operand b and the clamp word CUDA's intrinsics pass: ((32 - width) << 8) | 0x1f, or
// without the 0x1f for __shfl_up_sync. An invalid source is replaced by the own lane.
int source_lane(WarpOp op, int lane, unsigned b, int width) {
  const int seg = (32 - width) & 31;  // the lane bits that name the segment
  const int b5 = static_cast<int>(b & 31u);
  const int min_lane = lane & seg;
  const int max_lane = op == WarpOp::Up ? min_lane : (min_lane | (31 & ~seg));
  int j = lane;
  bool valid = true;
  switch (op) {
    case WarpOp::Up:
      j = lane - b5;
      valid = j >= max_lane;
      break;
    case WarpOp::Down:
      j = lane + b5;
      valid = j <= max_lane;
      break;
    case WarpOp::Xor:
      j = lane ^ b5;
      valid = j <= max_lane;
      break;
    default:  // Idx
      j = min_lane | (b5 & ~seg);
      valid = j <= max_lane;
      break;
  }
  return valid ? j : lane;
}

// Every lane of `group` (lanes of the warp starting at thread `first`) waits in the same
// collective: compute each lane's result and let them all go on.
void complete_collective(Executor& ex, int first, unsigned group) {
  const WarpOp op = ex.threads[static_cast<std::size_t>(first + __builtin_ctz(group))].req.op;
  unsigned ballot = 0;
  for (int j = 0; j < 32; ++j)
    if ((group >> j & 1u) && ex.threads[static_cast<std::size_t>(first + j)].req.value != 0) ballot |= 1u << j;
  for (int j = 0; j < 32; ++j) {
    if (!(group >> j & 1u)) continue;
    GpuThread& t = ex.threads[static_cast<std::size_t>(first + j)];
    switch (op) {
      case WarpOp::Sync: t.result = 0; break;
      case WarpOp::Ballot: t.result = ballot; break;
      case WarpOp::Any: t.result = ballot != 0; break;
      case WarpOp::All: t.result = ballot == group; break;
      default: {
        const int src = source_lane(op, j, t.req.b, t.req.width);
        // A lane outside the group holds no value for us: undefined on a device, poison here.
        t.result = (group >> src & 1u) ? ex.threads[static_cast<std::size_t>(first + src)].req.value
                                       : ~std::uint64_t{0};
      }
    }
    t.state = State::Ready;
  }
}

// Completes every warp collective whose lanes have all arrived; true if any did.
bool resolve_warps(Executor& ex) {
  const int n = static_cast<int>(ex.threads.size());
  bool progress = false;
  for (int first = 0; first < n; first += 32) {
    const int lanes = std::min(32, n - first);
    unsigned waiting = 0, live = 0;
    for (int l = 0; l < lanes; ++l) {
      const State s = ex.threads[static_cast<std::size_t>(first + l)].state;
      if (s == State::AtWarp) waiting |= 1u << l;
      if (s != State::Exited) live |= 1u << l;
    }
    while (waiting != 0) {
      const GpuThread& leader = ex.threads[static_cast<std::size_t>(first + __builtin_ctz(waiting))];
      const unsigned group = leader.req.mask & live;  // lanes that returned no longer take part
      waiting &= ~group;
      bool complete = true;
      for (int j = 0; j < 32; ++j) {
        if (!(group >> j & 1u)) continue;
        const GpuThread& o = ex.threads[static_cast<std::size_t>(first + j)];
        if (o.state != State::AtWarp) {
          complete = false;
        } else if (o.req.op != leader.req.op || o.req.mask != leader.req.mask) {
          fail("warp divergence: thread ", name_of(leader.idx), " is in ", leader.req.name, " with mask 0x",
               std::hex, leader.req.mask, " while thread ", name_of(o.idx), " of its warp is in ", o.req.name,
               " with mask 0x", o.req.mask);
        }
      }
      if (!complete) continue;
      complete_collective(ex, first, group);
      ++ex.warp_syncs[static_cast<std::size_t>(first / 32)];
      progress = true;
    }
  }
  return progress;
}

[[noreturn]] void report_deadlock(const Executor& ex) {
  for (const GpuThread& t : ex.threads) {
    if (t.state != State::AtWarp) continue;
    const int first = t.warp() * 32;
    for (int j = 0; j < 32; ++j) {
      if (!(t.req.mask >> j & 1u) || first + j >= static_cast<int>(ex.threads.size())) continue;
      const GpuThread& o = ex.threads[static_cast<std::size_t>(first + j)];
      if (o.state == State::AtBarrier)
        fail("deadlock: thread ", name_of(t.idx), " waits in ", t.req.name, " for lane ", j, " of its warp (thread ",
             name_of(o.idx), "), which waits at __syncthreads");
    }
  }
  fail("deadlock: threads wait in warp intrinsics that cannot complete");
}

// Runs the current block (blockIdx is set) to its end.
void run_block(Executor& ex, unsigned long long block_linear) {
  const int n = static_cast<int>(ex.threads.size());
  if (ex.shared_bytes > 0) std::memset(ex.shared, 0xFF, ex.shared_bytes);  // NaN as float, -1 as int
  ex.race.begin_block(ex.shared, ex.shared_bytes, blockDim.x, blockDim.y);
  std::fill(ex.warp_syncs.begin(), ex.warp_syncs.end(), 0u);
  ex.barriers = 0;
  ex.error = nullptr;
  ex.error_thread = -1;
  for (GpuThread& t : ex.threads) {
    t.state = State::Ready;
    fiber_start(*t.fiber, thread_main, &t);
  }
  for (;;) {
    // Run every ready thread until it blocks or returns, in increasing thread order
    // when block + barrier count is even and decreasing otherwise.
    const bool forward = ((block_linear + ex.barriers) & 1u) == 0;
    for (int k = 0; k < n; ++k) {
      GpuThread& t = ex.threads[static_cast<std::size_t>(forward ? k : n - 1 - k)];
      if (t.state != State::Ready) continue;
      resume(ex, t);
      if (ex.error) return;
    }
    if (resolve_warps(ex)) continue;

    // Nobody can run: the block is done, at a barrier, or stuck.
    int exited = 0, at_barrier = 0, at_warp = 0, votes = 0;
    const GpuThread* gone = nullptr;
    for (const GpuThread& t : ex.threads) {
      exited += t.state == State::Exited;
      at_barrier += t.state == State::AtBarrier;
      at_warp += t.state == State::AtWarp;
      votes += t.state == State::AtBarrier && t.predicate != 0;
      if (t.state == State::Exited && gone == nullptr) gone = &t;
    }
    if (exited == n) return;
    if (at_warp > 0) report_deadlock(ex);
    if (gone != nullptr)
      fail("barrier divergence: ", at_barrier, " threads wait at __syncthreads number ", ex.barriers + 1,
           " but thread ", name_of(gone->idx), " has returned (every thread of a block must reach every __syncthreads)");
    ex.barrier_votes = votes;
    ++ex.barriers;
    ex.race.barrier();
    for (GpuThread& t : ex.threads) t.state = State::Ready;
  }
}

void reserve_shared(Executor& ex, std::size_t bytes) {
  if (bytes > ex.shared_capacity) {
    std::free(ex.shared);
    const std::size_t rounded = (bytes + 127) / 128 * 128;
    ex.shared = static_cast<unsigned char*>(std::aligned_alloc(128, rounded));
    if (ex.shared == nullptr) fail("CPU executor: cannot allocate ", bytes, " bytes of shared memory");
    ex.shared_capacity = rounded;
  }
  ex.shared_bytes = bytes;
  // The buffer is kept from launch to launch at its largest size: under ASan only this
  // launch's bytes are accessible (engine/asan.h), as the caching allocator does for
  // global memory.
  asan_hand_out(ex.shared, bytes, ex.shared_capacity);
}

int block_barrier(const char* name, int predicate) {
  Executor& ex = t_exec;
  GpuThread& t = running(ex, name);
  t.predicate = predicate != 0;
  suspend(ex, t, State::AtBarrier);
  return ex.barrier_votes;
}

}  // namespace

std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, unsigned b, int width,
                              const char* name) {
  Executor& ex = t_exec;
  GpuThread& t = running(ex, name);
  if (width < 1 || width > 32 || (width & (width - 1)) != 0)
    fail(name, ": width ", width, " is not a power of two in [1, 32]");
  if (!(mask >> t.lane() & 1u))
    fail(name, ": mask 0x", std::hex, mask, std::dec, " does not include the calling lane ", t.lane());
  t.req = WarpRequest{op, mask, value, b, width, name};
  suspend(ex, t, State::AtWarp);
  return t.result;
}

unsigned char* dynamic_shared_buffer(std::size_t* bytes) {
  Executor& ex = t_exec;
  running(ex, "SG_DYNAMIC_SHARED");
  *bytes = ex.shared_bytes;
  return ex.shared;
}

void note_shared_access(const void* p, std::size_t bytes) {
  Executor& ex = t_exec;
  if (ex.current != nullptr) ex.race.access(p, bytes, actor(ex, *ex.current));
}

void note_atomic(const void* p) {
  Executor& ex = t_exec;
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  const auto lo = reinterpret_cast<std::uintptr_t>(ex.shared);
  if (ex.current != nullptr && a >= lo && a < lo + ex.shared_bytes) ex.race.atomic(p);
}

void shared_index_error(const void* span_begin, long long index, std::size_t size, std::size_t elem_bytes,
                        const char* what) {
  const Executor& ex = t_exec;
  const auto start = reinterpret_cast<std::uintptr_t>(span_begin) - reinterpret_cast<std::uintptr_t>(ex.shared);
  fail("dynamic shared memory ", what, " ", index, " is out of range: the span holds ", size, " elements of ",
       elem_bytes, " bytes and starts at byte ", start, " of the ", ex.shared_bytes, "-byte buffer");
}

}  // namespace sg::exec::detail

namespace sg::exec {

void run_grid(const char* kernel, const char* file, int line, dim3 grid, dim3 block, std::size_t shared_bytes,
              void (*body)(void*), void* ctx) {
  using namespace detail;
  Executor& ex = t_exec;
  std::string where = std::string("kernel ") + kernel;
  if (file != nullptr) where += std::string(" (") + file + ":" + std::to_string(line) + ")";
  if (ex.in_launch) fail(where, ": launched from inside a kernel; the CPU executor has no dynamic parallelism");
  struct Guard {
    Executor& ex;
    ~Guard() {
      ex.in_launch = false;
      ex.current = nullptr;
    }
  } guard{ex};
  ex.in_launch = true;

  const unsigned n = block.x * block.y * block.z;
  ex.pool.reserve(n);
  ex.threads.assign(n, GpuThread{});
  for (unsigned i = 0; i < n; ++i) {
    GpuThread& t = ex.threads[i];
    t.fiber = &ex.pool[i];
    t.linear = static_cast<int>(i);
    t.idx = uint3{i % block.x, i / block.x % block.y, i / (block.x * block.y)};
  }
  ex.warp_syncs.assign((n + 31) / 32, 0u);
  reserve_shared(ex, shared_bytes);
  ex.body = body;
  ex.body_ctx = ctx;
  blockDim = block;
  gridDim = grid;

  unsigned long long block_linear = 0;
  for (unsigned z = 0; z < grid.z; ++z) {
    for (unsigned y = 0; y < grid.y; ++y) {
      for (unsigned x = 0; x < grid.x; ++x, ++block_linear) {
        blockIdx = uint3{x, y, z};
        const std::string at = where + ", block " + name_of(blockIdx);
        try {
          run_block(ex, block_linear);
        } catch (const std::exception& e) {
          fail(at, ": ", e.what());
        }
        if (!ex.error) continue;
        const std::exception_ptr error = ex.error;
        const std::string thread = name_of(ex.threads[static_cast<std::size_t>(ex.error_thread)].idx);
        ex.error = nullptr;
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          fail(at, ", thread ", thread, ": ", e.what());
        } catch (...) {
          fail(at, ", thread ", thread, ": an exception that is not a std::exception");
        }
      }
    }
  }
}

}  // namespace sg::exec

// ---- The intrinsics --------------------------------------------------------------------

void __syncthreads() { sg::exec::detail::block_barrier("__syncthreads", 0); }
int __syncthreads_count(int predicate) { return sg::exec::detail::block_barrier("__syncthreads_count", predicate); }
int __syncthreads_and(int predicate) {
  return sg::exec::detail::block_barrier("__syncthreads_and", predicate) ==
         static_cast<int>(blockDim.x * blockDim.y * blockDim.z);
}
int __syncthreads_or(int predicate) { return sg::exec::detail::block_barrier("__syncthreads_or", predicate) > 0; }

void __syncwarp(unsigned mask) {
  sg::exec::detail::warp_collective(sg::exec::detail::WarpOp::Sync, mask, 0, 0, 32, "__syncwarp");
}
unsigned __ballot_sync(unsigned mask, int predicate) {
  return static_cast<unsigned>(sg::exec::detail::warp_collective(sg::exec::detail::WarpOp::Ballot, mask,
                                                                 predicate != 0, 0, 32, "__ballot_sync"));
}
int __any_sync(unsigned mask, int predicate) {
  return static_cast<int>(
      sg::exec::detail::warp_collective(sg::exec::detail::WarpOp::Any, mask, predicate != 0, 0, 32, "__any_sync"));
}
int __all_sync(unsigned mask, int predicate) {
  return static_cast<int>(
      sg::exec::detail::warp_collective(sg::exec::detail::WarpOp::All, mask, predicate != 0, 0, 32, "__all_sync"));
}

unsigned __activemask() {
  using namespace sg::exec::detail;
  Executor& ex = t_exec;
  const GpuThread& t = running(ex, "__activemask");
  const int first = t.warp() * 32;
  unsigned mask = 0;
  for (int j = 0; j < 32 && first + j < static_cast<int>(ex.threads.size()); ++j)
    if (ex.threads[static_cast<std::size_t>(first + j)].state != State::Exited) mask |= 1u << j;
  return mask;
}

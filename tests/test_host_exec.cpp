// The CPU executor of the CUDA execution model (kernels/cuda/exec): small kernels, written
// here as they would be in a .cu file, run under g++ and checked against their
// definitions, plus kernels with classic bugs that the executor must not let pass.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/exec/device.h"
#include "kernels/cuda/exec/launch.h"

namespace {

// ---- (a) Block reduction in shared memory, with and without a barrier ---------------

// out[blockIdx.x] = sum of the block's slice of x (blockDim.x a power of two). Thread t
// loads x[i] into s[t]; then log2(blockDim.x) halving steps add s[t + stride] into s[t].
// With kLoadBarrier false the barrier after the load is missing: thread t < stride may
// read s[t + stride] before thread t + stride has stored it.
template <bool kLoadBarrier>
__global__ void block_sum_dynamic(const float* x, float* out, int n) {
  SG_DYNAMIC_SHARED(float, s);
  const unsigned t = threadIdx.x;
  const unsigned i = blockIdx.x * blockDim.x + t;
  s[t] = i < static_cast<unsigned>(n) ? x[i] : 0.0f;
  if (kLoadBarrier) __syncthreads();
  for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (t < stride) s[t] += s[t + stride];
    __syncthreads();
  }
  if (t == 0) out[blockIdx.x] = s[0];
}

// The same with a static __shared__ array (not checked by the race detector).
template <bool kLoadBarrier>
__global__ void block_sum_static(const float* x, float* out, int n) {
  __shared__ float s[256];
  const unsigned t = threadIdx.x;
  const unsigned i = blockIdx.x * blockDim.x + t;
  s[t] = i < static_cast<unsigned>(n) ? x[i] : 0.0f;
  if (kLoadBarrier) __syncthreads();
  for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
    if (t < stride) s[t] += s[t + stride];
    __syncthreads();
  }
  if (t == 0) out[blockIdx.x] = s[0];
}

std::vector<float> integers(int n, int offset) {
  std::vector<float> x(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) x[static_cast<std::size_t>(i)] = static_cast<float>((i * 7 + offset) % 13);
  return x;  // small integers: every float sum is exact
}

float exact_sum(const std::vector<float>& x, std::size_t lo, std::size_t hi) {
  double s = 0;
  for (std::size_t i = lo; i < hi && i < x.size(); ++i) s += x[i];
  return static_cast<float>(s);
}

TEST_CASE("executor: shared-memory tree reduction is exact with its barriers") {
  const int n = 1000;  // 4 blocks of 256, the last one partial
  const std::vector<float> x = integers(n, 0);
  std::vector<float> out(4, -1.0f);
  SG_LAUNCH(block_sum_dynamic<true>, dim3(4), dim3(256), 256 * sizeof(float), nullptr, x.data(), out.data(), n);
  for (std::size_t b = 0; b < 4; ++b) CHECK(out[b] == exact_sum(x, b * 256, b * 256 + 256));
  std::fill(out.begin(), out.end(), -1.0f);
  SG_LAUNCH(block_sum_static<true>, dim3(4), dim3(256), 0, nullptr, x.data(), out.data(), n);
  for (std::size_t b = 0; b < 4; ++b) CHECK(out[b] == exact_sum(x, b * 256, b * 256 + 256));
}

TEST_CASE("executor: a missing __syncthreads is reported as a race or gives a wrong sum") {
  // Dynamic shared memory: the race detector names the two threads.
  const std::vector<float> x = integers(256, 3);
  std::vector<float> out(1, -1.0f);
  CHECK_THROWS_WITH_AS(SG_LAUNCH(block_sum_dynamic<false>, dim3(1), dim3(256), 256 * sizeof(float), nullptr,
                                 x.data(), out.data(), 256),
                       doctest::Contains("shared-memory race"), sg::Error);

  // Static __shared__: no detector, but thread 0 runs first and reads s[128] before
  // thread 128 has stored it. Fresh data, so the stale contents left by the other test
  // case cannot happen to be right.
  const std::vector<float> y = integers(256, 5);
  SG_LAUNCH(block_sum_static<false>, dim3(1), dim3(256), 0, nullptr, y.data(), out.data(), 256);
  CHECK(out[0] != exact_sum(y, 0, 256));
}

// ---- (b) Warp shuffles against their definitions --------------------------------------

enum class Shfl { Idx, Up, Down, Xor };

// out[lane] = the shuffle of value(lane) with operand b (the source lane for Idx).
template <typename T>
__global__ void shuffle_kernel(Shfl kind, int b, int width, T* out) {
  const int lane = static_cast<int>(threadIdx.x);
  const T v = static_cast<T>(lane * 10 + 1);
  T r{};
  switch (kind) {
    case Shfl::Idx: r = __shfl_sync(0xffffffffu, v, b + lane / 3, width); break;  // per-lane source
    case Shfl::Up: r = __shfl_up_sync(0xffffffffu, v, static_cast<unsigned>(b), width); break;
    case Shfl::Down: r = __shfl_down_sync(0xffffffffu, v, static_cast<unsigned>(b), width); break;
    case Shfl::Xor: r = __shfl_xor_sync(0xffffffffu, v, b, width); break;
  }
  out[lane] = r;
}

// The source lane as the CUDA Programming Guide defines each shuffle, for operands in [0, 32).
int expected_source(Shfl kind, int lane, int b, int width) {
  const int start = lane / width * width;  // the lane's segment is [start, start + width)
  switch (kind) {
    case Shfl::Idx: return start + (b + lane / 3) % width;                           // srcLane modulo width
    case Shfl::Up: return lane - b >= start ? lane - b : lane;                        // not below the segment
    case Shfl::Down: return lane + b < start + width ? lane + b : lane;               // not past the segment
    case Shfl::Xor: return (lane ^ b) < start + width ? (lane ^ b) : lane;            // not into a later one
  }
  return -1;
}

template <typename T>
void check_shuffles() {
  for (Shfl kind : {Shfl::Idx, Shfl::Up, Shfl::Down, Shfl::Xor}) {
    for (int width : {1, 2, 4, 8, 16, 32}) {
      for (int b : {0, 1, 2, 3, 5, 8, 16, 31}) {
        std::vector<T> out(32);
        SG_LAUNCH(shuffle_kernel<T>, dim3(1), dim3(32), 0, nullptr, kind, b, width, out.data());
        for (int lane = 0; lane < 32; ++lane) {
          const int src = expected_source(kind, lane, b, width);
          INFO("kind ", static_cast<int>(kind), " width ", width, " b ", b, " lane ", lane);
          CHECK(out[static_cast<std::size_t>(lane)] == static_cast<T>(src * 10 + 1));
        }
      }
    }
  }
}

TEST_CASE("executor: __shfl_sync, __shfl_up_sync, __shfl_down_sync, __shfl_xor_sync for all lanes") {
  check_shuffles<float>();
  check_shuffles<int>();
}

// Lanes 0..15 shuffle among themselves only (mask 0xffff); lanes 8..15 read lanes 16..23,
// which take no part: undefined on a device, NaN under the executor.
__global__ void half_warp_shuffle(float* out) {
  const unsigned lane = threadIdx.x;
  float r = -1.0f;
  if (lane < 16) r = __shfl_down_sync(0x0000ffffu, static_cast<float>(lane), 8);
  out[lane] = r;
}

TEST_CASE("executor: a shuffle from a lane outside the mask yields NaN") {
  std::vector<float> out(32);
  SG_LAUNCH(half_warp_shuffle, dim3(1), dim3(32), 0, nullptr, out.data());
  for (int lane = 0; lane < 8; ++lane) CHECK(out[static_cast<std::size_t>(lane)] == static_cast<float>(lane + 8));
  for (int lane = 8; lane < 16; ++lane) CHECK(std::isnan(out[static_cast<std::size_t>(lane)]));
  for (int lane = 16; lane < 32; ++lane) CHECK(out[static_cast<std::size_t>(lane)] == -1.0f);
}

// Per warp: out_down[w] = sum by a __shfl_down_sync tree (lane 0 holds it), out_xor[w] =
// sum by a __shfl_xor_sync butterfly (every lane holds it; lane 31 writes).
__global__ void warp_sums(const float* x, float* out_down, float* out_xor) {
  const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned lane = threadIdx.x % warpSize, warp = i / warpSize;
  float a = x[i], b = x[i];
  for (int offset = warpSize / 2; offset > 0; offset /= 2) {
    a += __shfl_down_sync(0xffffffffu, a, static_cast<unsigned>(offset));
    b += __shfl_xor_sync(0xffffffffu, b, offset);
  }
  if (lane == 0) out_down[warp] = a;
  if (lane == 31) out_xor[warp] = b;
}

TEST_CASE("executor: warp reductions by shuffles") {
  const std::vector<float> x = integers(256, 1);
  std::vector<float> down(8), butterfly(8);
  SG_LAUNCH(warp_sums, dim3(2), dim3(128), 0, nullptr, x.data(), down.data(), butterfly.data());
  for (std::size_t w = 0; w < 8; ++w) {
    CHECK(down[w] == exact_sum(x, w * 32, w * 32 + 32));
    CHECK(butterfly[w] == exact_sum(x, w * 32, w * 32 + 32));
  }
}

// Votes: out[0] = ballot of odd lanes, out[1] = any(lane == 7), out[2] = all(lane < 31),
// out[3] = __syncthreads_count(threadIdx.x % 3 == 0).
__global__ void votes(unsigned* out) {
  const unsigned lane = threadIdx.x % 32;
  const unsigned ballot = __ballot_sync(0xffffffffu, lane & 1u);
  const int any = __any_sync(0xffffffffu, lane == 7);
  const int all = __all_sync(0xffffffffu, lane < 31);
  const int count = __syncthreads_count(threadIdx.x % 3 == 0);
  if (threadIdx.x == 0) {
    out[0] = ballot;
    out[1] = static_cast<unsigned>(any);
    out[2] = static_cast<unsigned>(all);
    out[3] = static_cast<unsigned>(count);
  }
}

TEST_CASE("executor: ballot, any, all and __syncthreads_count") {
  std::vector<unsigned> out(4);
  SG_LAUNCH(votes, dim3(1), dim3(96), 0, nullptr, out.data());
  CHECK(out[0] == 0xaaaaaaaau);
  CHECK(out[1] == 1u);
  CHECK(out[2] == 0u);
  CHECK(out[3] == 32u);
}

// ---- (c) Out-of-range dynamic shared memory ------------------------------------------

// Shifts a block's values left by one through shared memory; with kOffByOne the last
// thread stores one element past the end.
template <bool kOffByOne>
__global__ void shift_left(const float* x, float* y) {
  SG_DYNAMIC_SHARED(float, s);
  const unsigned t = threadIdx.x;
  s[kOffByOne ? t + 1 : t] = x[t];
  __syncthreads();
  y[t] = t + 1 < blockDim.x ? s[t + 1] : 0.0f;
}

// Takes the sub-array that starts at `offset` and stores into its first element.
__global__ void store_at_offset(int offset) {
  SG_DYNAMIC_SHARED(float, s);
  auto tail = s + offset;
  tail[0] = 1.0f;
}

TEST_CASE("executor: dynamic shared memory is bounds-checked") {
  std::vector<float> x(64, 1.0f), y(64);
  SG_LAUNCH(shift_left<false>, dim3(1), dim3(64), 64 * sizeof(float), nullptr, x.data(), y.data());
  CHECK(y[0] == 1.0f);
  CHECK_THROWS_WITH_AS(
      SG_LAUNCH(shift_left<true>, dim3(1), dim3(64), 64 * sizeof(float), nullptr, x.data(), y.data()),
      doctest::Contains("thread (63,0,0): dynamic shared memory index 64 is out of range"), sg::Error);
  // Sub-arrays: the one-past-the-end offset is valid but empty; beyond it is an error.
  CHECK_NOTHROW(SG_LAUNCH(store_at_offset, dim3(1), dim3(1), 64 * sizeof(float), nullptr, 63));
  CHECK_THROWS_WITH_AS(SG_LAUNCH(store_at_offset, dim3(1), dim3(1), 64 * sizeof(float), nullptr, 64),
                       doctest::Contains("index 0 is out of range"), sg::Error);
  CHECK_THROWS_WITH_AS(SG_LAUNCH(store_at_offset, dim3(1), dim3(1), 64 * sizeof(float), nullptr, 65),
                       doctest::Contains("offset 65 is out of range"), sg::Error);
}

// ---- (d) A grid that is not a multiple of the block covers each element once -------------

__global__ void count_visits(int* visits, int n) {
  const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (i < n) atomicAdd(&visits[i], 1);
}

TEST_CASE("executor: every element of a ragged grid is visited exactly once") {
  const int n = 1000, block = 256, grid = (n + block - 1) / block;
  std::vector<int> visits(1024, 0);
  SG_LAUNCH(count_visits, dim3(grid), dim3(block), 0, nullptr, visits.data(), n);
  for (int i = 0; i < 1024; ++i) {
    INFO("element ", i);
    CHECK(visits[static_cast<std::size_t>(i)] == (i < n ? 1 : 0));
  }
}

// ---- (e) Errors: exceptions in kernels, bad configurations, divergent barriers -----------

__global__ void throws_at(int bad_block, int bad_thread, bool standard) {
  if (static_cast<int>(blockIdx.x) == bad_block && static_cast<int>(threadIdx.x) == bad_thread) {
    if (standard) throw std::runtime_error("plain runtime_error");
    sg::fail("value out of range: ", 42);
  }
  __syncthreads();
}

__global__ void nothing() {}

TEST_CASE("executor: an exception in a kernel thread propagates as sg::Error") {
  CHECK_THROWS_WITH_AS(SG_LAUNCH(throws_at, dim3(3), dim3(64), 0, nullptr, 1, 17, false),
                       doctest::Contains("block (1,0,0), thread (17,0,0): value out of range: 42"), sg::Error);
  CHECK_THROWS_WITH_AS(SG_LAUNCH(throws_at, dim3(3), dim3(64), 0, nullptr, 2, 5, true),
                       doctest::Contains("plain runtime_error"), sg::Error);
  // The executor is usable again after a failed launch.
  std::vector<int> visits(100, 0);
  SG_LAUNCH(count_visits, dim3(1), dim3(128), 0, nullptr, visits.data(), 100);
  CHECK(std::accumulate(visits.begin(), visits.end(), 0) == 100);
}

TEST_CASE("executor: launch configurations beyond the device limits are rejected") {
  CHECK_THROWS_WITH_AS(SG_LAUNCH(nothing, dim3(1), dim3(1025), 0, nullptr), doctest::Contains("1025 threads"),
                       sg::Error);
  CHECK_THROWS_AS(SG_LAUNCH(nothing, dim3(1), dim3(32, 32, 2), 0, nullptr), sg::Error);
  CHECK_THROWS_AS(SG_LAUNCH(nothing, dim3(1), dim3(1, 1, 65), 0, nullptr), sg::Error);
  CHECK_THROWS_AS(SG_LAUNCH(nothing, dim3(0), dim3(32), 0, nullptr), sg::Error);
  CHECK_THROWS_WITH_AS(SG_LAUNCH(nothing, dim3(1), dim3(32), 228 * 1024, nullptr),
                       doctest::Contains("dynamic shared memory"), sg::Error);
  CHECK_NOTHROW(SG_LAUNCH(nothing, dim3(1), dim3(1024), 227 * 1024, nullptr));
  CHECK_NOTHROW(sg::cuda::launch(nothing, dim3(2, 2), dim3(8, 8), 0, nullptr));
}

// Threads past n return before the barrier the others wait at.
__global__ void early_return(float* y, int n) {
  const int i = static_cast<int>(threadIdx.x);
  if (i >= n) return;
  __syncthreads();
  y[i] = 1.0f;
}

// Lane 0 waits at the barrier while its warp waits for it in a shuffle.
__global__ void warp_waits_for_barrier(float* y) {
  float v = 1.0f;
  if (threadIdx.x == 0) __syncthreads();
  else v = __shfl_down_sync(0xffffffffu, v, 1);
  y[threadIdx.x] = v;
}

TEST_CASE("executor: divergent barriers and stuck warps are errors, not hangs") {
  std::vector<float> y(64);
  CHECK_THROWS_WITH_AS(SG_LAUNCH(early_return, dim3(1), dim3(64), 0, nullptr, y.data(), 50),
                       doctest::Contains("barrier divergence"), sg::Error);
  CHECK_NOTHROW(SG_LAUNCH(early_return, dim3(1), dim3(64), 0, nullptr, y.data(), 64));
  CHECK_THROWS_WITH_AS(SG_LAUNCH(warp_waits_for_barrier, dim3(1), dim3(32), 0, nullptr, y.data()),
                       doctest::Contains("deadlock"), sg::Error);
}

// ---- The race detector does not cry wolf ----------------------------------------------

// A histogram with shared-memory atomics, a broadcast read of one slot by every thread
// and a warp-synchronous exchange ordered by __syncwarp: none of them is a race.
__global__ void no_races(const int* bins_of, int* hist, int* broadcast, int* swapped) {
  SG_DYNAMIC_SHARED(int, s);
  const unsigned t = threadIdx.x;
  if (t < 8) s[t] = 0;
  __syncthreads();
  atomicAdd(&s[bins_of[t] % 8], 1);
  __syncthreads();
  if (t < 8) hist[t] = s[t];
  if (t == 0) s[8] = 1234;
  __syncthreads();
  broadcast[t] = s[8];
  if (t < 32) {
    s[16 + t] = static_cast<int>(t);
    __syncwarp();
    swapped[t] = s[16 + (t ^ 1)];
  }
}

TEST_CASE("executor: atomics, broadcasts and warp-synchronous code are not races") {
  std::vector<int> bins(128), hist(8), broadcast(128), swapped(32);
  std::iota(bins.begin(), bins.end(), 0);
  SG_LAUNCH(no_races, dim3(1), dim3(128), 64 * sizeof(int), nullptr, bins.data(), hist.data(), broadcast.data(),
            swapped.data());
  for (int h : hist) CHECK(h == 16);
  for (int b : broadcast) CHECK(b == 1234);
  for (int t = 0; t < 32; ++t) CHECK(swapped[static_cast<std::size_t>(t)] == (t ^ 1));
}

// ---- (f) 2-D and 3-D grids ----------------------------------------------------------------

// Each thread records its global (x, y, z) coordinate and the extents it sees.
__global__ void coordinates(int* visits, unsigned* extents, unsigned nx, unsigned ny) {
  const unsigned x = blockIdx.x * blockDim.x + threadIdx.x;
  const unsigned y = blockIdx.y * blockDim.y + threadIdx.y;
  const unsigned z = blockIdx.z * blockDim.z + threadIdx.z;
  atomicAdd(&visits[(z * ny + y) * nx + x], 1);
  if (x == 0 && y == 0 && z == 0) {
    const unsigned e[6] = {blockDim.x, blockDim.y, blockDim.z, gridDim.x, gridDim.y, gridDim.z};
    for (int k = 0; k < 6; ++k) extents[k] = e[k];
  }
}

TEST_CASE("executor: 2-D and 3-D blockIdx and threadIdx") {
  for (const dim3 block : {dim3(4, 3), dim3(4, 3, 2)}) {
    const dim3 grid(3, 2, block.z == 1 ? 1 : 2);
    const unsigned nx = grid.x * block.x, ny = grid.y * block.y, nz = grid.z * block.z;
    std::vector<int> visits(nx * ny * nz, 0);
    std::vector<unsigned> extents(6);
    SG_LAUNCH(coordinates, grid, block, 0, nullptr, visits.data(), extents.data(), nx, ny);
    for (int v : visits) CHECK(v == 1);
    CHECK(extents == std::vector<unsigned>{block.x, block.y, block.z, grid.x, grid.y, grid.z});
  }
}

// threadIdx follows CUDA's linear order: x fastest, then y, then z; warps are 32
// consecutive linear threads, so lane = linear % 32.
__global__ void linear_order(unsigned* lane_of) {
  const unsigned linear = threadIdx.x + threadIdx.y * blockDim.x + threadIdx.z * blockDim.x * blockDim.y;
  const unsigned lane = static_cast<unsigned>(__shfl_sync(0xffffffffu, static_cast<int>(linear), 0));
  lane_of[linear] = linear - lane;  // own linear index minus lane 0's: the lane
}

TEST_CASE("executor: warps are formed from the linear thread index") {
  std::vector<unsigned> lane_of(8 * 4 * 2);
  SG_LAUNCH(linear_order, dim3(1), dim3(8, 4, 2), 0, nullptr, lane_of.data());
  for (unsigned i = 0; i < lane_of.size(); ++i) CHECK(lane_of[i] == i % 32);
}

}  // namespace

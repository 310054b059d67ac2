// The CUDA execution model on the CPU: what a kernel file (.cu) sees when g++ compiles it
// as plain C++. device.h includes this header when __CUDACC__ is not defined; nothing
// else should include it directly.
//
// A launch (launch.h) runs the blocks of the grid one after another on the calling OS
// thread; the threads of a block run as cooperative fibers that switch only at
// __syncthreads and warp-level intrinsics, so a kernel runs deterministically. Block
// threads meet at every __syncthreads; the lanes of a warp meet at every warp intrinsic.
// Between two meeting points the fibers of a block run one at a time, in increasing
// thread order when the block's linear index plus the number of barriers it has passed
// is even, in decreasing order otherwise: a thread that reads shared memory without the
// barrier that should order it after the writer really does read before the writer has
// run. docs/cuda_executor.md says what is
// checked and what is not.
//
// Memory spaces: `__shared__` variables are function statics (`static thread_local`, so
// launches on different OS threads do not share them); they keep their values from one
// block to the next and are neither checked nor poisoned. The dynamic shared buffer
// (SG_DYNAMIC_SHARED, one per OS thread, grown as launches need) is filled with 0xFF
// bytes (NaN as float, -1 as int) before every block, bounds-checked on every index and watched by the race
// detector; under ASan its bytes beyond the launch's shared_bytes are poisoned. Global
// memory is host memory from the backend's caching allocator, poisoned under ASan beyond
// each tensor's bytes and once released (engine/asan.h).
#pragma once
#include <math.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#define SG_EXEC_HOST 1  // kernels compiled for the CPU executor

// ---- Function and variable qualifiers -------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static thread_local
#define __constant__
// __restrict__ is g++'s own. __noinline__ is left alone: libstdc++ spells
// __attribute__((__noinline__)), which a macro of that name would break.

// ---- Built-in vector types ---------------------------------------------------------
struct uint3 {
  unsigned int x, y, z;
};
struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};
struct __attribute__((aligned(8))) float2 {
  float x, y;
};
struct float3 {
  float x, y, z;
};
struct __attribute__((aligned(16))) float4 {
  float x, y, z, w;
};
struct __attribute__((aligned(8))) int2 {
  int x, y;
};
struct int3 {
  int x, y, z;
};
struct __attribute__((aligned(16))) int4 {
  int x, y, z, w;
};
inline uint3 make_uint3(unsigned int x, unsigned int y, unsigned int z) { return {x, y, z}; }
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float3 make_float3(float x, float y, float z) { return {x, y, z}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }
inline int3 make_int3(int x, int y, int z) { return {x, y, z}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }

// ---- Built-in variables: set by the executor for the fiber that runs ----------------
extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local dim3 blockDim;
extern thread_local dim3 gridDim;
constexpr int warpSize = 32;

// Streams do not exist on the CPU; launches ignore them.
struct CUstream_st;
using cudaStream_t = CUstream_st*;

// ---- Block and warp synchronisation ------------------------------------------------
void __syncthreads();
int __syncthreads_count(int predicate);
int __syncthreads_and(int predicate);
int __syncthreads_or(int predicate);
void __syncwarp(unsigned mask = 0xffffffffu);
unsigned __ballot_sync(unsigned mask, int predicate);
int __any_sync(unsigned mask, int predicate);
int __all_sync(unsigned mask, int predicate);
// Lanes of the caller's warp that exist and have not returned (on a device: the lanes
// converged with the caller, which can be fewer).
unsigned __activemask();
// Memory fences: blocks run one at a time and fibers only switch at synchronisation
// points, so ordering is already sequential; these are compiler fences.
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_system() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

namespace sg::exec::detail {

enum class WarpOp : std::uint8_t { Sync, Idx, Up, Down, Xor, Ballot, Any, All };

// Every lane of `mask` (less those that have returned) meets here; returns the caller's
// result: for shuffles the 8 value bytes of the source lane (all 0xFF if that lane does
// not take part: its value is undefined on a device), for votes the ballot.
std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, unsigned b, int width,
                              const char* name);

template <typename T>
T shuffle(WarpOp op, unsigned mask, T var, unsigned b, int width, const char* name) {
  static_assert(std::is_trivially_copyable<T>::value && sizeof(T) <= 8, "shuffles move 4- or 8-byte scalars");
  std::uint64_t bits = 0;
  std::memcpy(&bits, &var, sizeof(T));
  bits = warp_collective(op, mask, bits, b, width, name);
  T out;
  std::memcpy(&out, &bits, sizeof(T));
  return out;
}

}  // namespace sg::exec::detail

// Shuffles as the PTX shfl.sync instruction defines them: lanes form segments of `width`
// (a power of two); a source lane outside the caller's segment (up/down past its end,
// xor into a later segment) yields the caller's own value; __shfl_sync takes srcLane
// modulo width; delta and laneMask are taken modulo 32.
template <typename T>
T __shfl_sync(unsigned mask, T var, int srcLane, int width = warpSize) {
  return sg::exec::detail::shuffle(sg::exec::detail::WarpOp::Idx, mask, var, static_cast<unsigned>(srcLane), width,
                                   "__shfl_sync");
}
template <typename T>
T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  return sg::exec::detail::shuffle(sg::exec::detail::WarpOp::Up, mask, var, delta, width, "__shfl_up_sync");
}
template <typename T>
T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize) {
  return sg::exec::detail::shuffle(sg::exec::detail::WarpOp::Down, mask, var, delta, width, "__shfl_down_sync");
}
template <typename T>
T __shfl_xor_sync(unsigned mask, T var, int laneMask, int width = warpSize) {
  return sg::exec::detail::shuffle(sg::exec::detail::WarpOp::Xor, mask, var, static_cast<unsigned>(laneMask), width,
                                   "__shfl_xor_sync");
}

#include "kernels/cuda/exec/host_atomics.h"
#include "kernels/cuda/exec/host_math.h"
#include "kernels/cuda/exec/shared_span.h"

// The current block's dynamic shared memory (the launch's shared_bytes), as a
// bounds-checked span: name[i] throws sg::Error when i is out of range, name + k is a
// checked sub-span, and the span converts to a plain (unchecked) type* where one is
// needed. Write `auto p = name + k;` rather than `type* p = ...` to keep the checks.
// Several declarations in one kernel all see the same buffer, as on a device.
#define SG_DYNAMIC_SHARED(type, name) ::sg::exec::SharedSpan<type> name = ::sg::exec::dynamic_shared<type>()

namespace sg::exec {

// Runs body(ctx) as every thread of every block of the grid (launch.h calls this after
// checking the configuration; file may be null). Anything a kernel thread throws, a race, an out-of-range
// index, a barrier some threads skipped, or a warp intrinsic that cannot complete stops
// the launch with an sg::Error naming the kernel, the block and the thread.
void run_grid(const char* kernel, const char* file, int line, dim3 grid, dim3 block, std::size_t shared_bytes,
              void (*body)(void*), void* ctx);

}  // namespace sg::exec

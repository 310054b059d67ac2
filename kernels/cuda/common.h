// Shared by every kernel file of kernels/cuda/: the namespace of this compilation, the
// error-check macros, grid helpers and the warp/block reductions.
// Include "kernels/cuda/exec/device.h" before this header (backend.h does).
//
// One source, two compilers: under nvcc (__CUDACC__) everything lands in sg::cuda_dev
// and runs on the GPU; under the host compiler it lands in sg::cuda_host and the CPU
// executor of kernels/cuda/exec/ runs the same kernels, thread by thread.
#pragma once
#include <cstdint>
#include <cstdio>

#include "engine/error.h"
#include "kernels/cuda/exec/launch.h"

#if defined(__CUDACC__)
#define SG_CUDA_NS cuda_dev
#else
#define SG_CUDA_NS cuda_host
#endif

// ---- error checks (nvcc build only: the executor has no CUDA runtime to fail) ----------
#if defined(__CUDACC__)
namespace sg::cuda_dev {
// Throws sg::Error naming the failed call, where it was made and CUDA's message.
inline void check_cuda(cudaError_t e, const char* call, const char* file, int line) {
  if (e != cudaSuccess)
    fail(file, ":", line, ": ", call, " failed: ", cudaGetErrorString(e), " (",
         cudaGetErrorName(e), ")");
}
// For destructors: logs instead of throwing. Errors from a runtime already shutting
// down at process exit are expected and stay silent.
inline void log_cuda(cudaError_t e, const char* call, const char* file, int line) {
  if (e != cudaSuccess && e != cudaErrorCudartUnloading)
    std::fprintf(stderr, "stereograd: %s:%d: %s failed: %s\n", file, line, call,
                 cudaGetErrorString(e));
}
}  // namespace sg::cuda_dev
#define SG_CUDA_CHECK(call) ::sg::cuda_dev::check_cuda((call), #call, __FILE__, __LINE__)
#define SG_CUDA_LOG(call) ::sg::cuda_dev::log_cuda((call), #call, __FILE__, __LINE__)
#endif

// Kernels are launched with the executor's SG_LAUNCH(kernel, grid, block, shared_bytes,
// stream, args...) (kernels/cuda/exec/launch.h): kernel<<<...>>> plus a check of the
// configuration and of cudaGetLastError under nvcc, the CPU executor under g++.

// Grid-stride loop over [0, n): correct for any grid, so launchers may cap the grid.
#define SG_GRID_STRIDE(i, n)                                                       \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < int64_t(n); \
       i += int64_t(gridDim.x) * blockDim.x)

namespace sg::SG_CUDA_NS {

constexpr int kBlock = 256;  // threads per block of the 1-D kernels
constexpr int kWarp = 32;

// Blocks for a grid-stride kernel over n elements: one element per thread, capped at
// 4096 blocks (about a million threads: more than any GPU keeps resident).
inline unsigned blocks_for(int64_t n) {
  const int64_t b = (n + kBlock - 1) / kBlock;
  return unsigned(b < 1 ? 1 : (b > 4096 ? 4096 : b));
}

inline int ceil_div(int64_t a, int64_t b) { return int((a + b - 1) / b); }

// The index arithmetic of the heavy kernels (conv, gemm, pooling, reductions) is 32-bit:
// throws when a tensor is too large for it.
inline void check_int32(int64_t n, const char* what) {
  SG_CHECK(n < (int64_t(1) << 31), what, ": ", n, " elements exceed the 32-bit index range ",
           "of the CUDA kernels");
}

// Sum over the 32 lanes of a warp, in a fixed tree order; the result is in lane 0.
// Every lane of the warp must call it.
__device__ inline float warp_sum(float v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

// Sum over a block of kBlock threads in a fixed order (warp trees, then a tree over the
// warps' sums); the result is in thread 0. Every thread must call it, once per kernel;
// `scratch` is the kernel's dynamic shared memory (SG_DYNAMIC_SHARED), launched with at
// least kBlockSumShared bytes.
constexpr size_t kBlockSumShared = sizeof(float) * (kBlock / kWarp);
template <typename Shared>
__device__ float block_sum(float v, Shared scratch) {
  const int lane = int(threadIdx.x) % kWarp, warp = int(threadIdx.x) / kWarp;
  v = warp_sum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = int(threadIdx.x) < kBlock / kWarp ? scratch[threadIdx.x] : 0.0f;
  if (warp == 0) v = warp_sum(v);
  return v;
}

}  // namespace sg::SG_CUDA_NS

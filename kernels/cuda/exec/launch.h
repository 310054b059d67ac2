// Launching a kernel, written once for both targets:
//
//   SG_LAUNCH(kernel, grid, block, shared_bytes, stream, args...);             // preferred
//   sg::cuda::launch(kernel, grid, block, shared_bytes, stream, args...);
//
// Under nvcc this is kernel<<<grid, block, shared_bytes, stream>>>(args...) followed by a
// check of cudaGetLastError(); under g++ the CPU executor runs the kernel to completion
// before returning. Both first check the configuration against the limits CUDA sets for
// every device we target: at most 1024 threads per block (x, y <= 1024, z <= 64), grid
// y and z <= 65535, no zero extent, and at most 227 KiB of dynamic shared memory (the
// most any of them has: sm_90; sm_80 has 163 KiB and sm_86/89 99 KiB, which the nvcc
// path learns from cudaFuncSetAttribute, the opt-in above 48 KiB). Every failure is an
// sg::Error naming the kernel; SG_LAUNCH also names the file and line of the launch.
// A template kernel with a comma in its arguments goes in parentheses:
//   SG_LAUNCH((tile_kernel<16, 16>), grid, block, 0, stream, x, y);
#pragma once
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "engine/error.h"
#include "kernels/cuda/exec/device.h"

// One program links both builds of the kernels (nvcc's and g++'s), and launch_at<...>
// for a given parameter list would be the same symbol in both with different bodies. The
// inline namespace gives each target its own symbols (sg::cuda::nvcc::launch_at,
// sg::cuda::cpu_executor::launch_at) while callers still write sg::cuda::launch.
#if defined(__CUDACC__)
#define SG_LAUNCH_TARGET nvcc
#else
#define SG_LAUNCH_TARGET cpu_executor
#endif

namespace sg::cuda {
inline namespace SG_LAUNCH_TARGET {

// Where a launch happens, for error messages; file is null for sg::cuda::launch.
struct LaunchSite {
  const char* kernel;
  const char* file;
  int line;
};

inline std::string describe(const LaunchSite& site) {
  std::string s = std::string("kernel launch ") + site.kernel;
  if (site.file != nullptr) s += std::string(" at ") + site.file + ":" + std::to_string(site.line);
  return s;
}

constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr std::size_t kMaxDynamicSharedBytes = 227 * 1024;  // sm_90; less on older devices
constexpr std::size_t kDefaultSharedBytes = 48 * 1024;      // above this a kernel must opt in

// Throws sg::Error unless grid, block and shared_bytes form a valid launch.
inline void check_launch_config(const LaunchSite& site, dim3 grid, dim3 block, std::size_t shared_bytes) {
  auto where = [&] { return describe(site); };
  const unsigned long long threads = 1ull * block.x * block.y * block.z;
  if (block.x == 0 || block.y == 0 || block.z == 0 || grid.x == 0 || grid.y == 0 || grid.z == 0)
    fail(where(), ": empty configuration: grid (", grid.x, ",", grid.y, ",", grid.z, "), block (", block.x, ",",
         block.y, ",", block.z, ")");
  if (threads > kMaxThreadsPerBlock || block.x > 1024 || block.y > 1024 || block.z > 64)
    fail(where(), ": block (", block.x, ",", block.y, ",", block.z, ") has ", threads,
         " threads; the limit is 1024 per block (x, y <= 1024, z <= 64)");
  if (grid.x > 2147483647u || grid.y > 65535 || grid.z > 65535)
    fail(where(), ": grid (", grid.x, ",", grid.y, ",", grid.z, ") exceeds the limits (2^31-1, 65535, 65535)");
  if (shared_bytes > kMaxDynamicSharedBytes)
    fail(where(), ": ", shared_bytes, " bytes of dynamic shared memory exceed the limit of ", kMaxDynamicSharedBytes);
}

template <typename... Params, typename... Args>
void launch_at(const LaunchSite& site, void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t shared_bytes,
               cudaStream_t stream, Args&&... args) {
  static_assert(sizeof...(Params) == sizeof...(Args), "kernel launched with the wrong number of arguments");
  check_launch_config(site, grid, block, shared_bytes);
#if defined(__CUDACC__)
  if (shared_bytes > kDefaultSharedBytes) {
    const cudaError_t err = cudaFuncSetAttribute(reinterpret_cast<const void*>(kernel),
                                                 cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                 static_cast<int>(shared_bytes));
    if (err != cudaSuccess)
      fail(describe(site), ": cannot allow ", shared_bytes,
           " bytes of dynamic shared memory: ", cudaGetErrorName(err), ": ", cudaGetErrorString(err));
  }
  kernel<<<grid, block, shared_bytes, stream>>>(std::forward<Args>(args)...);
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess)
    fail(describe(site), " failed: ", cudaGetErrorName(err), ": ", cudaGetErrorString(err));
#else
  (void)stream;
  // The parameters are converted once, as the device copies them into parameter space;
  // every thread then receives its own copies.
  std::tuple<std::decay_t<Params>...> params(std::forward<Args>(args)...);
  auto body = [&] { std::apply(kernel, params); };
  exec::run_grid(site.kernel, site.file, site.line, grid, block, shared_bytes,
                 [](void* b) { (*static_cast<decltype(body)*>(b))(); }, &body);
#endif
}

template <typename... Params, typename... Args>
void launch(void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t shared_bytes, cudaStream_t stream,
            Args&&... args) {
  launch_at(LaunchSite{"(a kernel; SG_LAUNCH names it)", nullptr, 0}, kernel, grid, block, shared_bytes, stream,
            std::forward<Args>(args)...);
}

}  // namespace SG_LAUNCH_TARGET
}  // namespace sg::cuda

#define SG_LAUNCH(kernel, grid, block, shared_bytes, ...)                                                      \
  ::sg::cuda::launch_at(::sg::cuda::LaunchSite{#kernel, __FILE__, __LINE__}, kernel, grid, block, shared_bytes, \
                        __VA_ARGS__)

// cuBLAS SGEMM as the GPU's FP32 ceiling (bench/cublas_peak.h).
#include "bench/cublas_peak.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/error.h"

namespace sg::bench {
namespace {

void check(cudaError_t e, const char* what) {
  SG_CHECK(e == cudaSuccess, "cublas_peak: ", what, ": ", cudaGetErrorString(e));
}
void check(cublasStatus_t s, const char* what) {
  SG_CHECK(s == CUBLAS_STATUS_SUCCESS, "cublas_peak: ", what, ": cuBLAS status ", int(s));
}

// Everything the measurement holds, given back on every exit, exceptions included.
struct Resources {
  float *a = nullptr, *b = nullptr, *c = nullptr;
  cublasHandle_t handle = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  ~Resources() {
    if (start) cudaEventDestroy(start);
    if (stop) cudaEventDestroy(stop);
    if (handle) cublasDestroy(handle);
    cudaFree(a), cudaFree(b), cudaFree(c);
  }
};

}  // namespace

double cublas_sgemm_flops(int n, int repeats) {
  const size_t count = size_t(n) * size_t(n), bytes = count * sizeof(float);
  std::vector<float> host(count);
  std::mt19937 gen(1);  // random, not constant data: zeros and constants can run faster
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& v : host) v = u(gen);
  Resources r;
  check(cudaMalloc(&r.a, bytes), "cudaMalloc");
  check(cudaMalloc(&r.b, bytes), "cudaMalloc");
  check(cudaMalloc(&r.c, bytes), "cudaMalloc");
  check(cudaMemcpy(r.a, host.data(), bytes, cudaMemcpyHostToDevice), "copy A");
  check(cudaMemcpy(r.b, host.data(), bytes, cudaMemcpyHostToDevice), "copy B");
  check(cublasCreate(&r.handle), "cublasCreate");
  // Plain FP32 arithmetic: no TF32 tensor-core shortcut, which our kernels do not take.
  check(cublasSetMathMode(r.handle, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode");
  check(cudaEventCreate(&r.start), "cudaEventCreate");
  check(cudaEventCreate(&r.stop), "cudaEventCreate");
  const float one = 1.0f, zero = 0.0f;
  auto gemm = [&] {
    check(cublasSgemm(r.handle, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, r.a, n, r.b, n, &zero,
                      r.c, n),
          "cublasSgemm");
  };
  for (int i = 0; i < 3; ++i) gemm();  // warm-up: handle, kernel choice, clocks
  double best = 0;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    check(cudaEventRecord(r.start), "cudaEventRecord");
    gemm();
    check(cudaEventRecord(r.stop), "cudaEventRecord");
    check(cudaEventSynchronize(r.stop), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, r.start, r.stop), "cudaEventElapsedTime");
    if (ms > 0) best = std::max(best, 2.0 * double(n) * n * n / (double(ms) * 1e-3));
  }
  return best;
}

}  // namespace sg::bench

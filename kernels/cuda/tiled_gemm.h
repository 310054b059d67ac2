// The shared-memory tiled matrix product under gemm.cu and the three convolution passes
// of conv.cu (one kernel body, four problem types: the operands are read through the
// problem's a() and b(), so a convolution is a GEMM whose B matrix is the im2col
// unfolding, computed on the fly and never stored: "implicit GEMM").
//
//   C[m, n] = sum_{k in split} A[m, k] · B[k, n],  then problem.store(split, m, n, C[m, n])
//
// Mapping: block (bx, by, bz) owns the 64×64 tile of C at rows 64·by, columns 64·bx, and
// the reduction range of split bz. Its 256 threads are a 16×16 grid; thread (tx, ty)
// accumulates the 4×4 outputs at rows ty + 16i, columns tx + 16j (strided, so that the
// shared-memory reads of a warp hit distinct banks or broadcast, and the stores of 16
// neighbouring threads are contiguous). Per step of 16 along k, the block stages a 64×16
// slice of A and a 16×64 slice of B in shared memory (each thread loads 4 + 4 values, in
// the order that makes the global reads contiguous for that operand's layout), then every
// thread does 16·16 multiply-adds from registers.
// Bytes moved (no split): A is read ceil(N/64) times, B ceil(M/64) times, C written once:
// 4·(M·K·ceil(N/64) + K·N·ceil(M/64) + M·N); shared memory 2·16·65·4 = 8.3 KB per block.
//
// A problem type provides: int M, N, K, k_per_split (a multiple of kTileK);
// bool a_k_fastest, b_n_fastest (which index of a(m, k), b(k, n) is contiguous in memory);
// __device__ float a(int m, int k) const; __device__ float b(int k, int n) const (only
// called in range); __device__ void store(int split, int m, int n, float v) const.
#pragma once
#include "kernels/cuda/common.h"

namespace sg::SG_CUDA_NS {

constexpr int kTileM = 64, kTileN = 64, kTileK = 16;
constexpr int kTileThreads = 256;  // 16 × 16, 4 × 4 outputs each

// Dynamic shared memory: As[kTileK][kTileM + 1] then Bs[kTileK][kTileN + 1] (the +1
// keeps the transposing stores of a warp off a single bank).
constexpr int kLdA = kTileM + 1, kLdB = kTileN + 1;
constexpr size_t kTileSharedBytes = sizeof(float) * kTileK * (kLdA + kLdB);

template <class Problem>
__global__ void tiled_gemm_kernel(Problem p) {
  SG_DYNAMIC_SHARED(float, As);
  auto Bs = As + kTileK * kLdA;
  const int t = int(threadIdx.x), tx = t % 16, ty = t / 16;
  const int m0 = int(blockIdx.y) * kTileM, n0 = int(blockIdx.x) * kTileN;
  const int split = int(blockIdx.z);
  const int k_begin = split * p.k_per_split;
  const int k_end = p.K < k_begin + p.k_per_split ? p.K : k_begin + p.k_per_split;

  float acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0f;

  for (int k0 = k_begin; k0 < k_end; k0 += kTileK) {
    for (int l = 0; l < 4; ++l) {  // element e of each 1024-value slice
      const int e = t + l * kTileThreads;
      const int am = p.a_k_fastest ? e / kTileK : e % kTileM;
      const int ak = p.a_k_fastest ? e % kTileK : e / kTileM;
      const int bn = p.b_n_fastest ? e % kTileN : e / kTileK;
      const int bk = p.b_n_fastest ? e / kTileN : e % kTileK;
      As[ak * kLdA + am] = (m0 + am < p.M && k0 + ak < k_end) ? p.a(m0 + am, k0 + ak) : 0.0f;
      Bs[bk * kLdB + bn] = (n0 + bn < p.N && k0 + bk < k_end) ? p.b(k0 + bk, n0 + bn) : 0.0f;
    }
    __syncthreads();
    for (int kk = 0; kk < kTileK; ++kk) {
      float a[4], b[4];
      for (int i = 0; i < 4; ++i) a[i] = As[kk * kLdA + ty + 16 * i];
      for (int j = 0; j < 4; ++j) b[j] = Bs[kk * kLdB + tx + 16 * j];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }

  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      const int m = m0 + ty + 16 * i, n = n0 + tx + 16 * j;
      if (m < p.M && n < p.N) p.store(split, m, n, acc[i][j]);
    }
}

// Launches the tiled product of `p` with `splits` reduction splits on `stream`.
template <class Problem>
void launch_tiled_gemm(const Problem& p, int splits, cudaStream_t stream) {
  if (p.M <= 0 || p.N <= 0) return;
  const dim3 grid(unsigned(ceil_div(p.N, kTileN)), unsigned(ceil_div(p.M, kTileM)),
                  unsigned(splits));
  SG_CHECK(grid.y <= 65535 && splits <= 65535, "tiled gemm: grid ", grid.x, "x", grid.y, "x",
           splits, " too large");
  SG_LAUNCH(tiled_gemm_kernel<Problem>, grid, kTileThreads, kTileSharedBytes, stream, p);
}

}  // namespace sg::SG_CUDA_NS

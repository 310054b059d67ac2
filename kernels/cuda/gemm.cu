// GEMM, our own SGEMM on the tiled kernel of tiled_gemm.h.
//
// gemm: row-major C[M,N] = alpha·op(A)·op(B) + beta·C. A is stored [M,K] (or [K,M] when
// trans_a), B [K,N] (or [N,K] when trans_b); the transposes only change which index of
// a()/b() is contiguous. beta = 0 never reads C (it may hold garbage or NaN).
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"
#include "kernels/cuda/tiled_gemm.h"

namespace sg::SG_CUDA_NS {

namespace {

struct GemmProblem {
  int M, N, K, k_per_split;
  bool a_k_fastest, b_n_fastest;
  bool ta, tb;
  const float* A;
  const float* B;
  float* C;
  float alpha, beta;

  // Plain indices: no decomposition, only off is used.
  __device__ TileIndex k_index(int k) const { return TileIndex{k, 0, 0, 0}; }
  __device__ TileIndex n_index(int n) const { return TileIndex{n, 0, 0, 0}; }
  __device__ float a(int m, const TileIndex& k) const {
    return ta ? A[k.off * M + m] : A[m * K + k.off];
  }
  __device__ float b(const TileIndex& k, const TileIndex& n) const {
    return tb ? B[n.off * K + k.off] : B[k.off * N + n.off];
  }
  __device__ void store(int, int m, int n, const TileIndex&, float v) const {
    float* c = C + m * N + n;
    *c = beta == 0.0f ? alpha * v : alpha * v + beta * *c;
  }
};

}  // namespace

void CudaBackend::gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                       const float* A, const float* B, float beta, float* C) {
  SG_CHECK(M >= 0 && N >= 0 && K >= 0, "gemm: bad sizes M=", M, " N=", N, " K=", K);
  check_int32(M * K, "gemm A");
  check_int32(K * N, "gemm B");
  check_int32(M * N, "gemm C");
  GemmProblem p{int(M), int(N), int(K), 0, !ta, !tb, ta, tb, A, B, C, alpha, beta};
  p.k_per_split = K > 0 ? int((K + kTileK - 1) / kTileK * kTileK) : kTileK;
  launch_tiled_gemm(p, 1, stream_);
}

}  // namespace sg::SG_CUDA_NS

// GEMM and bias on the CPU. Eigen's GEMM runs single-threaded (EIGEN_DONT_PARALLELIZE),
// so its blocking, and therefore its rounding, is the same for any OpenMP thread count.
#include <Eigen/Core>

#include "kernels/cpu/backend.h"

namespace sg {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMat>;

void CpuBackend::gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                      const float* A, const float* B, float beta, float* C) {
  Eigen::Map<RowMat> c(C, M, N);
  if (beta == 0.0f) c.setZero();
  else if (beta != 1.0f) c *= beta;
  if (M == 0 || N == 0 || K == 0) return;
  // A is stored [M,K] (or [K,M] when transposed), B is [K,N] (or [N,K]).
  ConstMap a(A, ta ? K : M, ta ? M : K), b(B, tb ? N : K, tb ? K : N);
  if (!ta && !tb) c.noalias() += alpha * a * b;
  else if (ta && !tb) c.noalias() += alpha * a.transpose() * b;
  else if (!ta && tb) c.noalias() += alpha * a * b.transpose();
  else c.noalias() += alpha * a.transpose() * b.transpose();
}

void CpuBackend::bias_add(int64_t rows, int64_t cols, const float* b, float* y) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) y[r * cols + c] += b[c];
}

void CpuBackend::bias_backward(int64_t rows, int64_t cols, const float* dy, float* db) {
  if (!db) return;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) db[c] += dy[r * cols + c];
}

void CpuBackend::bias_add_channels(int64_t N, int64_t C, int64_t S, const float* b,
                                   float* y) {
#pragma omp parallel for schedule(static) if (N * C * S >= (1 << 15))
  for (int64_t p = 0; p < N * C; ++p) {
    const float v = b[p % C];
    float* row = y + p * S;
    for (int64_t s = 0; s < S; ++s) row[s] += v;
  }
}

// Per channel, sums in a fixed (n, s) order: bit-identical for any thread count.
void CpuBackend::bias_backward_channels(int64_t N, int64_t C, int64_t S, const float* dy,
                                        float* db) {
  if (!db) return;
#pragma omp parallel for schedule(static) if (N * C * S >= (1 << 15))
  for (int64_t c = 0; c < C; ++c) {
    double acc = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      const float* row = dy + (n * C + c) * S;
      for (int64_t s = 0; s < S; ++s) acc += row[s];
    }
    db[c] += float(acc);
  }
}

}  // namespace sg

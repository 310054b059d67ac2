// GEMM on the CPU. Eigen's GEMM runs single-threaded (EIGEN_DONT_PARALLELIZE),
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

}  // namespace sg

// The reference gemm: Dense, y[N,out] = x[N,in] · w[out,in]ᵀ + b[out] (b may be null): the
// gemm and bias_add kernels together; a plain loop in double precision, what every backend
// must compute (engine/backend.h states the contract).
#pragma once
#include <cstdint>

namespace sg::ref {

void linear_forward(int64_t N, int64_t in, int64_t out, const double* x, const double* w,
                    const double* b, double* y);

}  // namespace sg::ref

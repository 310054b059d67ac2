// Convolutions with few taps: Q = C·R·S ≤ 9, the first layer of each CNN (one input
// channel, 3×3 or 1×3). Eigen's GEMM is at its worst when the inner dimension is 3 or 9
// (each packed panel is used for a handful of FMAs), so these two products of conv.cpp
// are written as register-blocked loops over blocks of 16 output pixels instead:
//   forward          y[k,p]  = b[k] + Σ_q w[k,q]·col[q,p]          (w is [K,Q], col [Q,P])
//   backward filter  dw[k,q] += Σ_p dy[k,p]·col[q,p]
// Per sample, like the callers, so results do not depend on the thread count.
#pragma once
#include <cstdint>

namespace sg::cpu {

constexpr int64_t kMaxFewTaps = 9;

void few_taps_forward(int64_t K, int64_t Q, int64_t P, const float* w, const float* b,
                      const float* col, float* y);
void few_taps_backward_filter(int64_t K, int64_t Q, int64_t P, const float* dy,
                              const float* col, float* dw);

}  // namespace sg::cpu

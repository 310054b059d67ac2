// Direct loops for convolutions with Q ≤ 9 taps (conv_few_taps.h). The compiler turns the
// innermost loops over L = 16 lanes into vector code; Q is a template parameter so the Q
// column vectors of a block (forward) or the accumulators (backward) stay in registers.
#include "kernels/cpu/conv_few_taps.h"

#include "engine/error.h"

namespace sg::cpu {

namespace {

constexpr int64_t L = 16;  // output pixels per block: one AVX-512 or two AVX2 vectors

// Per block of L pixels: load the Q rows of col once, then for every k one multiply-add
// per tap: Q·K FMAs per Q vector loads.
template <int64_t Q>
void forward_q(int64_t K, int64_t P, const float* w, const float* b, const float* col,
               float* y) {
  int64_t p0 = 0;
  for (; p0 + L <= P; p0 += L) {
    float c[Q][L];
    for (int64_t q = 0; q < Q; ++q)
      for (int64_t l = 0; l < L; ++l) c[q][l] = col[q * P + p0 + l];
    for (int64_t k = 0; k < K; ++k) {
      float acc[L];
      const float bk = b ? b[k] : 0.0f;
      for (int64_t l = 0; l < L; ++l) acc[l] = bk;
      for (int64_t q = 0; q < Q; ++q)
        for (int64_t l = 0; l < L; ++l) acc[l] += w[k * Q + q] * c[q][l];
      for (int64_t l = 0; l < L; ++l) y[k * P + p0 + l] = acc[l];
    }
  }
  for (int64_t k = 0; k < K; ++k)  // the last P mod L pixels, same order of operations
    for (int64_t p = p0; p < P; ++p) {
      float acc = b ? b[k] : 0.0f;
      for (int64_t q = 0; q < Q; ++q) acc += w[k * Q + q] * col[q * P + p];
      y[k * P + p] = acc;
    }
}

// Two output channels at a time: 2·Q lane-wise accumulators, 2 + Q vector loads per 2·Q
// FMAs; the lanes are added up at the end, in a fixed order.
template <int64_t Q>
void filter_q(int64_t K, int64_t P, const float* dy, const float* col, float* dw) {
  for (int64_t k0 = 0; k0 < K; k0 += 2) {
    const int64_t kn = K - k0 < 2 ? 1 : 2;
    float acc[2][Q][L] = {};
    int64_t p0 = 0;
    for (; p0 + L <= P; p0 += L)
      for (int64_t j = 0; j < kn; ++j) {
        const float* d = dy + (k0 + j) * P + p0;
        for (int64_t q = 0; q < Q; ++q)
          for (int64_t l = 0; l < L; ++l) acc[j][q][l] += d[l] * col[q * P + p0 + l];
      }
    for (int64_t j = 0; j < kn; ++j)
      for (int64_t q = 0; q < Q; ++q) {
        float s = 0.0f;
        for (int64_t l = 0; l < L; ++l) s += acc[j][q][l];
        for (int64_t p = p0; p < P; ++p) s += dy[(k0 + j) * P + p] * col[q * P + p];
        dw[(k0 + j) * Q + q] += s;
      }
  }
}

template <int64_t... Qs>
struct Table {
  using Fwd = void (*)(int64_t, int64_t, const float*, const float*, const float*, float*);
  using Filter = void (*)(int64_t, int64_t, const float*, const float*, float*);
  static constexpr Fwd fwd[] = {nullptr, forward_q<Qs>...};
  static constexpr Filter filter[] = {nullptr, filter_q<Qs>...};
};
using Taps = Table<1, 2, 3, 4, 5, 6, 7, 8, 9>;

void check_q(int64_t Q) {
  SG_CHECK(Q >= 1 && Q <= kMaxFewTaps, "few-taps conv: Q = ", Q, " outside [1, ", kMaxFewTaps,
           "]");
}

}  // namespace

void few_taps_forward(int64_t K, int64_t Q, int64_t P, const float* w, const float* b,
                      const float* col, float* y) {
  check_q(Q);
  Taps::fwd[Q](K, P, w, b, col, y);
}

void few_taps_backward_filter(int64_t K, int64_t Q, int64_t P, const float* dy,
                              const float* col, float* dw) {
  check_q(Q);
  Taps::filter[Q](K, P, dy, col, dw);
}

}  // namespace sg::cpu

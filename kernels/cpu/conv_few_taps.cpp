// Direct loops for convolutions with Q ≤ 9 taps (conv_few_taps.h), on vectors of 16 lanes;
// Q is a template parameter so the Q column vectors of a block (forward) or the
// accumulators (backward) stay in registers.
#include "kernels/cpu/conv_few_taps.h"

#include <cstring>

#include "engine/error.h"

namespace sg::cpu {

namespace {

// 16 floats: one AVX-512 register or two AVX2 ones. GCC's and Clang's vector extension
// states the blocking to the compiler directly; plain arrays of 16 were not kept in
// registers (the forward ran 6× slower than Eigen).
typedef float v16 __attribute__((vector_size(64)));
constexpr int64_t L = 16;

inline v16 load(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, v16 v) { std::memcpy(p, &v, sizeof v); }
inline v16 splat(float x) { return v16{} + x; }  // broadcast

// Per block of L pixels: load the Q rows of col once, then for every k one multiply-add
// per tap: Q·K FMAs per Q vector loads.
template <int64_t Q>
void forward_q(int64_t K, int64_t P, const float* w, const float* b, const float* col,
               float* y) {
  int64_t p0 = 0;
  for (; p0 + L <= P; p0 += L) {
    v16 c[Q];
    for (int64_t q = 0; q < Q; ++q) c[q] = load(col + q * P + p0);
    for (int64_t k = 0; k < K; ++k) {
      v16 acc = splat(b ? b[k] : 0.0f);
      for (int64_t q = 0; q < Q; ++q) acc += splat(w[k * Q + q]) * c[q];
      store(y + k * P + p0, acc);
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
    const float* d0 = dy + k0 * P;
    const float* d1 = dy + (k0 + kn - 1) * P;  // == d0 for a last odd channel (not stored)
    v16 acc[2][Q] = {};
    int64_t p0 = 0;
    for (; p0 + L <= P; p0 += L) {
      const v16 a = load(d0 + p0), b = load(d1 + p0);
      for (int64_t q = 0; q < Q; ++q) {
        const v16 c = load(col + q * P + p0);
        acc[0][q] += a * c;
        acc[1][q] += b * c;
      }
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

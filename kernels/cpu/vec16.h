// 16 floats as one value: one AVX-512 register or two AVX2 ones, through GCC's and
// Clang's vector extension, which states the blocking to the compiler directly (plain
// arrays of 16 were not kept in registers: a first version of conv_few_taps.cpp ran 6×
// slower than Eigen). Loads and stores go through memcpy: no alignment is assumed.
// Used by the CPU kernels that Eigen does not cover well (conv_few_taps.cpp, the pooling
// of conv_relu_pool.cpp).
#pragma once
#include <cstdint>
#include <cstring>

namespace sg::cpu::vec {

typedef float v16 __attribute__((vector_size(64)));
typedef int32_t m16 __attribute__((vector_size(64)));  // a lane mask: -1 (true) or 0
constexpr int64_t L = 16;

inline v16 load(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, v16 v) { std::memcpy(p, &v, sizeof v); }
inline v16 splat(float x) { return v16{} + x; }  // broadcast

// The first n lanes (0 ≤ n ≤ 16) from p, the others 0; and the store of the first n.
// Lane by lane over a fixed count: a memcpy of n bytes would be a library call, which
// costs as much as the arithmetic of a block and forces the caller's vectors to memory.
inline v16 load_first(const float* p, int64_t n) {
  v16 v{};
  for (int l = 0; l < int(L); ++l)
    if (l < n) v[l] = p[l];
  return v;
}
inline void store_first(float* p, v16 v, int64_t n) {
  for (int l = 0; l < int(L); ++l)
    if (l < n) p[l] = v[l];
}

// mask ? a : b, lane by lane (a comparison of two v16 gives the mask).
inline v16 select(m16 mask, v16 a, v16 b) {
  return (v16)((mask & (m16)a) | (~mask & (m16)b));
}

// The even and the odd lanes of the 32 floats lo‖hi: (lo0, lo2, …, hi14), (lo1, …, hi15).
inline v16 even(v16 lo, v16 hi) {
  return __builtin_shufflevector(lo, hi, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28,
                                 30);
}
inline v16 odd(v16 lo, v16 hi) {
  return __builtin_shufflevector(lo, hi, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29,
                                 31);
}
// The inverse: e0, o0, e1, o1, … as two halves.
inline v16 interleave_lo(v16 e, v16 o) {
  return __builtin_shufflevector(e, o, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
inline v16 interleave_hi(v16 e, v16 o) {
  return __builtin_shufflevector(e, o, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15,
                                 31);
}

// Covers [0, n) with blocks of 16: f(start, width) for whole blocks from 0, then, when 16
// does not divide n, one more that ends at n and overlaps the one before it (so width is
// still 16 and the caller may recompute and rewrite those lanes), or for n < 16 a single
// block of width n (the caller loads and stores only its first n lanes).
template <class F>
inline void for_each_block(int64_t n, F f) {
  if (n < L) {
    if (n > 0) f(int64_t(0), n);
    return;
  }
  int64_t i = 0;
  for (; i + L <= n; i += L) f(i, L);
  if (i < n) f(n - L, L);
}

}  // namespace sg::cpu::vec

// 16 floats as one value: one AVX-512 register, or two AVX2 ones. With AVX-512 it is GCC's
// and Clang's vector extension, which states the blocking to the compiler directly (plain
// arrays of 16 were not kept in registers: a first version of conv_few_taps.cpp ran 6×
// slower than Eigen). Without it, GCC 12 keeps a 64-byte vector-extension value in memory
// and moves it in 16-byte pieces (a store-forwarding stall per use: the first conv ran at
// 4 % of peak on a Zen 3), so there v16 is a pair of 32-byte vectors with the same
// operators, which GCC keeps in two ymm registers. The kernels see one interface and do
// the same per-lane arithmetic either way. Loads and stores assume no alignment.
// Used by the CPU kernels that Eigen does not cover well (conv_few_taps.cpp,
// conv_winograd.cpp, the pooling of conv_relu_pool.cpp).
#pragma once
#include <cstdint>
#include <cstring>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace sg::cpu::vec {

constexpr int64_t L = 16;
// n rounded up to whole vectors of L.
constexpr int64_t round_up(int64_t n) { return (n + L - 1) / L * L; }

#if defined(__AVX512F__)

typedef float v16 __attribute__((vector_size(64)));
typedef int32_t m16 __attribute__((vector_size(64)));  // a lane mask: -1 (true) or 0

// Through a 4-byte-aligned copy of the type (GCC's idiom for an unaligned vector access;
// a vector type may alias its element type): one vmovups zmm.
typedef float v16_unaligned __attribute__((vector_size(64), aligned(4)));
inline v16 load(const float* p) { return *reinterpret_cast<const v16_unaligned*>(p); }
inline void store(float* p, v16 v) { *reinterpret_cast<v16_unaligned*>(p) = v; }
// Broadcast. Not v16{} + x: that is 0 + x, which GCC must keep (it turns −0 into +0), so
// every broadcast cost a scalar add in front of its vbroadcastss.
inline v16 splat(float x) { return v16{x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x}; }
inline float lane(v16 v, int l) { return v[l]; }

// mask ? a : b, lane by lane (a comparison of two v16 gives the mask).
inline v16 select(m16 mask, v16 a, v16 b) {
  return (v16)((mask & (m16)a) | (~mask & (m16)b));
}
// Lanes [L − n, L) of v, the others 0.
inline v16 last_lanes(v16 v, int64_t n) {
  const m16 index = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  return select(index >= int32_t(L - n), v, v16{});
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

#else

typedef float v8 __attribute__((vector_size(32)));
typedef int32_t m8 __attribute__((vector_size(32)));
typedef float v8_unaligned __attribute__((vector_size(32), aligned(4)));

// Lanes 0–7 in lo, 8–15 in hi; v16{} is zero.
struct v16 {
  v8 lo, hi;
};
struct m16 {
  m8 lo, hi;
};
inline v16 operator+(v16 a, v16 b) { return {a.lo + b.lo, a.hi + b.hi}; }
inline v16 operator-(v16 a, v16 b) { return {a.lo - b.lo, a.hi - b.hi}; }
inline v16 operator*(v16 a, v16 b) { return {a.lo * b.lo, a.hi * b.hi}; }
inline v16 operator+(v16 a, float b) { return {a.lo + b, a.hi + b}; }
inline v16& operator+=(v16& a, v16 b) { return a = a + b; }
inline m16 operator>(v16 a, v16 b) { return {a.lo > b.lo, a.hi > b.hi}; }
inline m16 operator==(v16 a, v16 b) { return {a.lo == b.lo, a.hi == b.hi}; }

inline v16 load(const float* p) {
  return {*reinterpret_cast<const v8_unaligned*>(p), *reinterpret_cast<const v8_unaligned*>(p + 8)};
}
inline void store(float* p, v16 v) {
  *reinterpret_cast<v8_unaligned*>(p) = v.lo;
  *reinterpret_cast<v8_unaligned*>(p + 8) = v.hi;
}
inline v16 splat(float x) {
  const v8 v = {x, x, x, x, x, x, x, x};  // a broadcast, as above
  return {v, v};
}
inline float lane(v16 v, int l) { return l < 8 ? v.lo[l] : v.hi[l - 8]; }

inline v16 select(m16 mask, v16 a, v16 b) {
  return {(v8)((mask.lo & (m8)a.lo) | (~mask.lo & (m8)b.lo)), (v8)((mask.hi & (m8)a.hi) | (~mask.hi & (m8)b.hi))};
}
inline v16 last_lanes(v16 v, int64_t n) {
  const m8 index = {0, 1, 2, 3, 4, 5, 6, 7};
  const int32_t first = int32_t(L - n);
  return select({index >= first, index + 8 >= first}, v, v16{});
}

// The even or odd lanes of the 16 floats a‖b, and the lanes of e and o interleaved: the
// 8-float steps of the four below.
inline v8 even8(v8 a, v8 b) { return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14); }
inline v8 odd8(v8 a, v8 b) { return __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15); }
inline v16 interleave8(v8 e, v8 o) {
  return {__builtin_shufflevector(e, o, 0, 8, 1, 9, 2, 10, 3, 11), __builtin_shufflevector(e, o, 4, 12, 5, 13, 6, 14, 7, 15)};
}
inline v16 even(v16 lo, v16 hi) { return {even8(lo.lo, lo.hi), even8(hi.lo, hi.hi)}; }
inline v16 odd(v16 lo, v16 hi) { return {odd8(lo.lo, lo.hi), odd8(hi.lo, hi.hi)}; }
inline v16 interleave_lo(v16 e, v16 o) { return interleave8(e.lo, o.lo); }
inline v16 interleave_hi(v16 e, v16 o) { return interleave8(e.hi, o.hi); }

#endif

// The first n lanes (0 ≤ n ≤ 16) from p, the others 0; and the store of the first n.
// Neither touches memory past lane n. With AVX-512 one masked vmovups each (the masked
// lanes are not read or written, so they cannot fault). Without it, lane by lane through
// an array over a fixed count: a memcpy of n bytes would be a library call, which costs
// as much as the arithmetic of a block and forces the caller's vectors to memory; AVX2's
// vmaskmovps stores are slow on AMD's cores, where this path runs. (The array path on
// AVX-512 cost a store-forwarding stall per use: the pooling of the 29- and 12-wide
// convs, whose rows are all short blocks, ran at a third of the rate on a Xeon.)
#if defined(__AVX512F__)
inline __mmask16 first_lanes_mask(int64_t n) {
  return n >= L ? __mmask16(0xffff) : __mmask16((1u << unsigned(n < 0 ? 0 : n)) - 1u);
}
inline v16 load_first(const float* p, int64_t n) {
  return (v16)_mm512_maskz_loadu_ps(first_lanes_mask(n), p);
}
inline void store_first(float* p, v16 v, int64_t n) {
  _mm512_mask_storeu_ps(p, first_lanes_mask(n), (__m512)v);
}
// Lanes [lo, hi) from p (0 ≤ lo ≤ hi ≤ 16), the others 0, reading nothing else.
inline v16 load_lanes(const float* p, int64_t lo, int64_t hi) {
  return (v16)_mm512_maskz_loadu_ps(__mmask16(first_lanes_mask(hi) & ~first_lanes_mask(lo)), p);
}
#else
inline v16 load_first(const float* p, int64_t n) {
  alignas(64) float a[L] = {};
  for (int l = 0; l < int(L); ++l)
    if (l < n) a[l] = p[l];
  return load(a);
}
inline void store_first(float* p, v16 v, int64_t n) {
  alignas(64) float a[L];
  store(a, v);
  for (int l = 0; l < int(L); ++l)
    if (l < n) p[l] = a[l];
}
inline v16 load_lanes(const float* p, int64_t lo, int64_t hi) {
  alignas(64) float a[L] = {};
  for (int l = 0; l < int(L); ++l)
    if (l >= lo && l < hi) a[l] = p[l];
  return load(a);
}
#endif

// GCC folds a vector load into each FMA that uses it, so a vector used by two FMAs was
// loaded twice (2 + 2·Q loads per 2·Q FMAs made conv_few_taps.cpp's loop load-bound). An
// empty asm that claims to change v keeps it in a register (one zmm register; without
// AVX-512, v is two registers and the compiler decides).
inline void keep_in_register([[maybe_unused]] v16& v) {
#if defined(__AVX512F__) && (defined(__GNUC__) || defined(__clang__))
  __asm__("" : "+v"(v));
#endif
}

// dst[i] += the sum of the 16 lanes of accumulator i (acc: n vectors of 16 floats), 16
// accumulators at a time: four rounds of adding each vector's neighbouring lanes
// pairwise (even + odd) leave lane j of one vector holding accumulator j's sum, always in
// the same tree.
inline void add_lane_sums(const float* acc, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; i += L) {
    v16 v[L];
    for (int64_t j = 0; j < L; ++j) v[j] = i + j < n ? load(acc + (i + j) * L) : v16{};
    for (int64_t m = L; m > 1; m /= 2)
      for (int64_t j = 0; j < m / 2; ++j)
        v[j] = even(v[2 * j], v[2 * j + 1]) + odd(v[2 * j], v[2 * j + 1]);
    const int64_t m = n - i < L ? n - i : L;
    store_first(dst + i, load_first(dst + i, m) + v[0], m);
  }
}

// r[i][j] ← r[j][i] for a 16×16 block in 16 vectors: four rounds of the perfect shuffle
// (rows i and i + 8 interleaved into rows 2i and 2i + 1), each rotating the 8 bits of an
// element's (row, column) index by one, so four of them swap row and column.
inline void transpose16(v16 r[L]) {
  for (int round = 0; round < 4; ++round) {
    v16 t[L];
    for (int i = 0; i < L / 2; ++i) {
      t[2 * i] = interleave_lo(r[i], r[i + L / 2]);
      t[2 * i + 1] = interleave_hi(r[i], r[i + L / 2]);
    }
    for (int i = 0; i < L; ++i) r[i] = t[i];
  }
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

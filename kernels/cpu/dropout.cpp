// Inverted dropout: element i keeps its value scaled by 1/(1-p) unless its own
// counter-based draw falls below p (engine/random.h), so the mask is independent of how
// the work is split and the backward draws it again instead of storing it. x·0 and x·keep
// are the products a stored mask gave (the same bits, −0 and NaN included).
#include "kernels/cpu/dropout.h"

#include <algorithm>
#include <cstring>

#include "engine/random.h"
#include "kernels/cpu/backend.h"

namespace sg {

namespace cpu {

namespace {

typedef uint64_t u64x8 __attribute__((vector_size(64)));
typedef uint32_t u32x16 __attribute__((vector_size(64)));
typedef float f32x16 __attribute__((vector_size(64)));
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "pair j's low half must be lane 2j");

// Values i … i + 15 (i even) of x and y: the 8 hashes of their pairs, mix64(key + i/2 + j),
// viewed as 16 halves are random_bits32(key, i…i+15) in order, the low half first.
inline void dropout_16(const DropoutDraw& d, uint64_t i, const float* x, float* y, float* at) {
  const u64x8 pair = {0, 1, 2, 3, 4, 5, 6, 7};
  const u64x8 h = mix64_lanes(pair + (d.key + (i >> 1)));
  u32x16 bits;
  std::memcpy(&bits, &h, sizeof bits);
  const auto drop = bits < d.threshold;
  f32x16 v;
  std::memcpy(&v, x, sizeof v);
  v *= drop ? f32x16{} : f32x16{} + d.keep;
  std::memcpy(y, &v, sizeof v);
  if (!at) return;
  std::memcpy(&v, at, sizeof v);
  v = drop ? f32x16{} - 1.0f : v;
  std::memcpy(at, &v, sizeof v);
}

inline void dropout_one(const DropoutDraw& d, uint64_t i, const float* x, float* y, float* at) {
  const bool drop = random_below(d.key, i, d.threshold);
  *y = *x * (drop ? 0.0f : d.keep);
  if (at && drop) *at = -1.0f;
}

}  // namespace

DropoutDraw dropout_draw(const DropoutMask& m) {
  const uint64_t stream = m.stream + (m.stream_base ? *m.stream_base : 0);
  return {random_key(m.seed, stream), random_below_threshold(m.p), m.keep()};
}

void dropout_range(const DropoutDraw& d, int64_t first, int64_t n, const float* x, float* y,
                   float* at) {
  auto at_ = [at](int64_t i) { return at ? at + i : nullptr; };
  int64_t i = 0;
  if (n > 0 && first % 2) dropout_one(d, uint64_t(first), x, y, at), i = 1;  // to an even index
  for (; i + 16 <= n; i += 16) dropout_16(d, uint64_t(first + i), x + i, y + i, at_(i));
  for (; i < n; ++i) dropout_one(d, uint64_t(first + i), x + i, y + i, at_(i));
}

}  // namespace cpu

void CpuBackend::dropout(int64_t n, float p, uint64_t seed, uint64_t stream,
                         const uint64_t* stream_base, const float* x, float* y) {
  const cpu::DropoutDraw d = cpu::dropout_draw({p, seed, stream, stream_base});
  constexpr int64_t kChunk = 1 << 12;  // even: every chunk's pairs are whole
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (n >= (1 << 15))
  for (int64_t c = 0; c < chunks; ++c)
    cpu::dropout_range(d, c * kChunk, std::min(kChunk, n - c * kChunk), x + c * kChunk,
                       y + c * kChunk);
}

}  // namespace sg

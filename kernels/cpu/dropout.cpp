// Inverted dropout: element i keeps its value scaled by 1/(1-p) unless its own
// counter-based draw falls below p (engine/random.h), so the mask is independent of how
// the work is split and the backward draws it again instead of storing it. x·0 and x·keep
// are the products a stored mask gave (the same bits, −0 and NaN included).
#include <cstring>

#include "engine/random.h"
#include "kernels/cpu/backend.h"

namespace sg {

namespace {

typedef uint64_t u64x8 __attribute__((vector_size(64)));
typedef uint32_t u32x16 __attribute__((vector_size(64)));
typedef float f32x16 __attribute__((vector_size(64)));
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "pair j's low half must be lane 2j");

// Values [i, i + 16), i even: the 8 hashes of their pairs, mix64(key + i/2 + j), viewed as
// 16 halves are random_bits32(key, i…i+15) in order, the low half first.
inline void dropout_16(uint64_t key, int64_t i, uint32_t threshold, float keep, const float* x,
                       float* y) {
  const u64x8 pair = {0, 1, 2, 3, 4, 5, 6, 7};
  const u64x8 h = mix64_lanes(pair + (key + uint64_t(i >> 1)));
  u32x16 bits;
  std::memcpy(&bits, &h, sizeof bits);
  f32x16 v;
  std::memcpy(&v, x + i, sizeof v);
  v *= bits < threshold ? f32x16{} : f32x16{} + keep;
  std::memcpy(y + i, &v, sizeof v);
}

}  // namespace

void CpuBackend::dropout(int64_t n, float p, uint64_t seed, uint64_t stream,
                         const uint64_t* stream_base, const float* x, float* y) {
  const float keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  if (stream_base) stream += *stream_base;
  const uint64_t key = random_key(seed, stream);
  const uint32_t threshold = random_below_threshold(p);
  const int64_t blocks = n / 16;
#pragma omp parallel for schedule(static) if (n >= (1 << 15))
  for (int64_t b = 0; b < blocks; ++b) dropout_16(key, 16 * b, threshold, keep, x, y);
  for (int64_t i = 16 * blocks; i < n; ++i)
    y[i] = x[i] * (random_below(key, uint64_t(i), threshold) ? 0.0f : keep);
}

}  // namespace sg

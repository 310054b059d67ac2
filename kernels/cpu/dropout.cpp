// Inverted dropout: element i keeps its value scaled by 1/(1-p) unless its own
// counter-based draw falls below p (engine/random.h), so the mask is independent of how
// the work is split and the backward draws it again instead of storing it. x·0 and x·keep
// are the products a stored mask gave (the same bits, −0 and NaN included).
#include "engine/random.h"
#include "kernels/cpu/backend.h"

namespace sg {

void CpuBackend::dropout(int64_t n, float p, uint64_t seed, uint64_t stream,
                         const uint64_t* stream_base, const float* x, float* y) {
  const float keep = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  if (stream_base) stream += *stream_base;
  // random_uniform(seed, stream, i) < p, as random_below (engine/random.h): two 64-bit
  // multiplies per value, the cost of this pass.
  const uint64_t key = random_key(seed, stream), threshold = random_below_threshold(p);
#pragma omp parallel for simd schedule(static) if (n >= (1 << 15))
  for (int64_t i = 0; i < n; ++i)
    y[i] = x[i] * (random_below(key, uint64_t(i), threshold) ? 0.0f : keep);
}

}  // namespace sg

// The seeded inputs of the tests: the same values on every run and every backend.
#pragma once
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "engine/random.h"

namespace sg::test {

// Values uniform in [lo, hi) from (seed, stream), so a test's inputs are fixed.
inline std::vector<float> random_values(int64_t n, uint64_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[size_t(i)] = lo + (hi - lo) * random_uniform(seed, 17, uint64_t(i));
  return v;
}

// Values with |v| in [margin, margin + 1), either sign: a kink at 0 (ReLU) stays farther
// than `margin` from every value.
inline std::vector<float> away_from_zero(int64_t n, uint64_t seed, float margin) {
  std::vector<float> v = random_values(n, seed);
  for (float& f : v) f += f < 0 ? -margin : margin;
  return v;
}

// 0, 0.01, 0.02, ... in shuffled order: no ties, and no two values within a step of
// finite differences smaller than 0.005, so a maximum never switches.
inline std::vector<float> distinct_values(int64_t n, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0.0f);
  Rng rng(seed);
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
  for (float& f : v) f *= 0.01f;
  return v;
}

}  // namespace sg::test

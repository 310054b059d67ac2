#include "data/noise.h"

#include <cmath>

#include "engine/error.h"

namespace sg {

namespace {
// log(k!) without std::lgamma, which writes the global `signgam` (a data race under
// OpenMP): a table for small k, Stirling's series (absolute error < 1e-9) above.
double log_factorial(uint64_t k) {
  static const double table[] = {0.0,
                                 0.0,
                                 0.69314718055994531,
                                 1.79175946922805500,
                                 3.17805383034794562,
                                 4.78749174278204599,
                                 6.57925121201010100,
                                 8.52516136106541430,
                                 10.60460290274525023,
                                 12.80182748008146961};
  if (k < 10) return table[k];
  const double x = double(k) + 1.0, x2 = x * x;
  return (x - 0.5) * std::log(x) - x + 0.91893853320467274 +
         (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * x2)) / x2) / x;
}
}  // namespace

void add_uniform_noise(float* px, size_t n, double amplitude, Rng& rng) {
  SG_CHECK(amplitude >= 0, "uniform noise amplitude must be >= 0, got ", amplitude);
  if (amplitude == 0) return;
  for (size_t i = 0; i < n; ++i) px[i] = float(px[i] + amplitude * rng.uniform());
}

void add_shot_noise(float* px, size_t n, double dose, Rng& rng) {
  SG_CHECK(dose > 0, "shot noise dose must be > 0, got ", dose);
  for (size_t i = 0; i < n; ++i)
    if (px[i] > 0) px[i] = float(double(sample_poisson(dose * px[i], rng)) / dose);
}

uint64_t sample_poisson(double mean, Rng& rng) {
  if (mean <= 0) return 0;
  if (mean < 10) {
    const double limit = std::exp(-mean);
    uint64_t k = 0;
    for (double prod = rng.uniform(); prod > limit; prod *= rng.uniform()) ++k;
    return k;
  }
  // W. Hormann, "The transformed rejection method for generating Poisson random
  // variables", Insurance: Mathematics and Economics 12 (1993).
  const double slam = std::sqrt(mean), loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = rng.uniform() - 0.5, v = rng.uniform();
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return uint64_t(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mean + k * loglam - log_factorial(uint64_t(k)))
      return uint64_t(k);
  }
}

}  // namespace sg

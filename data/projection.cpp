#include "data/projection.h"

#include <cmath>
#include <complex>
#include <cstddef>
#include <vector>

namespace sg {

void project_y(const float* img, int64_t h, int64_t w, float* out) {
  std::vector<double> acc(size_t(w), 0.0);
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) acc[size_t(j)] += img[i * w + j];
  for (int64_t j = 0; j < w; ++j) out[j] = float(acc[size_t(j)]);
}

bool projection_centre(const float* p, int64_t n, double& centre) {
  double m = 0, s = 0;
  for (int64_t j = 0; j < n; ++j) {
    m += double(p[j]);
    s += double(p[j]) * double(j);
  }
  if (!(m > 0)) return false;
  centre = s / m;
  return true;
}

void centre_projection(float* p, int64_t n) {
  double centre;
  if (!projection_centre(p, n, centre)) return;
  const double shift = double(n / 2) - centre;
  const int64_t P = 2 * n;
  const double two_pi = 6.283185307179586476925;
  // Forward DFT of the zero-padded signal, phase ramp, inverse DFT of the first n values.
  // Frequencies k and k - P are the same bin; the ramp takes the signed frequency so the
  // shifted signal stays real (the Nyquist bin P/2 is split evenly between ±P/2).
  std::vector<std::complex<double>> twiddle(static_cast<size_t>(P)), spec(static_cast<size_t>(P));
  for (int64_t m = 0; m < P; ++m) twiddle[size_t(m)] = std::polar(1.0, two_pi * double(m) / double(P));
  for (int64_t k = 0; k < P; ++k) {
    std::complex<double> acc = 0;
    for (int64_t j = 0; j < n; ++j) acc += double(p[j]) * std::conj(twiddle[size_t(k * j % P)]);
    const double f = double(k <= P / 2 ? k : k - P);
    const double ramp = -two_pi * f * shift / double(P);
    spec[size_t(k)] = acc * (k == P / 2 ? std::cos(ramp) : std::complex<double>(std::polar(1.0, ramp)));
  }
  for (int64_t j = 0; j < n; ++j) {
    double acc = 0;
    for (int64_t k = 0; k < P; ++k)
      acc += (spec[size_t(k)] * twiddle[size_t(k * j % P)]).real();
    p[j] = float(acc / double(P));
  }
}

}  // namespace sg

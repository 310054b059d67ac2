// Probe blur: the finite size of the scanning probe spreads each column's signal over
// its neighbours. Modelled as a Gaussian of standard deviation sigma pixels, applied to
// the clean image before noise:
//   out = g_sigma * in,  g(d) = exp(-d^2 / (2 sigma^2)) / Z over |d| <= ceil(3 sigma),
// separable (rows, then columns), zero outside the frame, kernel normalised to sum 1.
#pragma once
#include <cstdint>

namespace sg {

void gaussian_blur(float* px, int64_t h, int64_t w, double sigma);  // sigma <= 0: no-op

}  // namespace sg

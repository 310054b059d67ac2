// 1-D projections (report §2.5): a 2-D image summed along y, so column j of the image
// becomes value j of the projection -- the number of lit pixels for a binary image, the
// covered area in pixels for an anti-aliased one. This is one column of a sinogram and
// the input of the 1-D Difference Model (figure 2.9).
#pragma once
#include <cstdint>

namespace sg {

// out[j] = sum_i img[i * w + j], accumulated in double, for j < w.
void project_y(const float* img, int64_t h, int64_t w, float* out);

// Centre of mass of a non-negative projection, in index units; false when it sums to 0.
bool projection_centre(const float* p, int64_t n, double& centre);

// Sub-pixel centring: shifts p[n] so its centre of mass sits exactly at index n / 2, the
// rotation axis of data/sinogram.h. The image's np.roll centring (data/preprocess.h)
// leaves up to half a pixel, i.e. a jitter of up to 0.5 px between two projections of
// one particle, larger than the change 1° of rotation makes; this removes it. The shift
// is band-limited (a Fourier phase ramp): the signal, zero-padded to 2n, is
// p'[j] = (1/P) sum_k P̂[k] e^{2πi k (j - s) / P}, P = 2n, s = n/2 - centre; so no
// interpolation blur that would differ with the fractional part of s. Values are left
// as they are when the projection is empty. Cost O(n^2) (n is 64 here).
void centre_projection(float* p, int64_t n);

}  // namespace sg

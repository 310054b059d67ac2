// The report's preprocessing (§2.1): remove the noise, then roll the image so its
// centre of mass sits at the centre of the frame.
//
// Noise removal rule. The clean image is a coverage fraction in [0, 1] and uniform
// background noise adds U[0, a), so with threshold t = a:
//   v <  t  ->  0            every pixel the background alone could produce is cleared
//   v >= t  ->  min(v, 1)    anything above 1 can only be noise
// For binary images (supersample 1) and a <= 1 this recovers the clean image exactly:
// background pixels are < a and particle pixels are 1 + u >= 1 >= a. That is what the
// report's network saw ("pixels are either active or inactive (1 or 0)", §4.1). For
// anti-aliased edges, a > 1, or shot noise the rule is lossy: edge pixels whose
// coverage plus noise stays below t are cleared, and shot noise is clipped at 1.
//
// Centring. The centre of mass (cy, cx) is measured in index coordinates; the image is
// rolled with np.roll semantics (wrap-around) by the integer shift that brings it
// nearest to ((h-1)/2, (w-1)/2), i.e. within half a pixel of the frame centre.
#pragma once
#include <cstddef>
#include <cstdint>

namespace sg {

void remove_background(float* px, size_t n, float threshold);

// Centre of mass of a non-negative image in index coordinates (row, column); returns
// false (and leaves cy, cx untouched) when the image sums to zero.
bool centre_of_mass(const float* px, int64_t h, int64_t w, double& cy, double& cx);

// np.roll(img, (dy, dx), axis=(0, 1)): out[(i + dy) mod h, (j + dx) mod w] = in[i, j].
void roll(float* px, int64_t h, int64_t w, int64_t dy, int64_t dx);

// Rolls the image so its centre of mass is within half a pixel of the frame centre
// (no-op for an empty image).
void centre_by_mass(float* px, int64_t h, int64_t w);

// remove_background then centre_by_mass.
void preprocess(float* px, int64_t h, int64_t w, float threshold);

// Size normalisation (docs/data.md): resamples the image about its centre of mass so
// the particle's rms radius r = sqrt(sum v |z - z0|^2 / sum v) becomes target_px, and
// its centroid the frame centre c = ((h-1)/2, (w-1)/2):
//   out(p) = bilinear(in, z0 + (p - c) * r / target_px),   zero outside the frame.
// For a shape of rotational order n >= 3 the second moment is isotropic, so r does not
// depend on the angle and both images of a stereo pair get the same scale. A model
// trained so sees every particle at one size. Returns the scale r / target_px applied,
// or 0 (and leaves the image alone) when it sums to zero.
double normalise_size(float* px, int64_t h, int64_t w, double target_px);

// out(p) = bilinear(in, z0 + (p - c) * scale), zero outside the frame: the resampling
// about z0 = (cy, cx) that normalise_size does (c the frame centre). out must not be in.
void resample_about(const float* in, int64_t h, int64_t w, double cy, double cx, double scale, float* out);

// normalise_size on each of `count` images of size x size, to fraction * size (OpenMP).
void normalise_sizes(float* images, int64_t count, int64_t size, double fraction);

// The rms radius about the centroid in pixels; 0 for an empty image.
double rms_radius(const float* px, int64_t h, int64_t w);

}  // namespace sg

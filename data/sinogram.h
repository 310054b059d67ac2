// Sinograms and filtered back projection (report §2.5, figures 2.7 and 2.8).
//
// A sinogram here is one shape's 1-D projections (data/projection.h) at angles
// 0, step, 2 step, ... < 360 degrees, rendered afresh at every angle as the report did
// with its ground-truth labels, the shape's centroid on the rotation axis at pixel
// index size / 2 (skimage's convention). It is stored one projection per row:
// [angles, size].
//
// filtered_back_projection is scikit-image's iradon(sinogram.T, theta, circle=True,
// filter_name='ramp', interpolation='linear'), step by step:
//   1. zero-pad each projection to the square's diagonal D = ceil(sqrt(2) size),
//      keeping the axis at index D / 2;
//   2. ramp-filter it. skimage multiplies the FFT of the projection (zero-padded to
//      P = max(64, next power of two >= 2 D)) by 2 Re FFT(f), where f is the spatial
//      ramp kernel of Kak & Slaney (ch. 3, eq. 61): f[0] = 1/4, f[d] = -1/(pi d)^2 for
//      odd d, 0 for even d. Because D <= P / 2 that product is exactly the linear
//      convolution  q[i] = 2 sum_j p[j] f[|i - j|],  which is what we compute;
//   3. back-project: pixel (r, c) with offsets x = r - size/2, y = c - size/2 takes the
//      filtered projection at t = y cos(theta) - x sin(theta), linearly interpolated
//      (0 outside), summed over all angles;
//   4. zero outside the inscribed circle x^2 + y^2 <= (size/2)^2 and scale by
//      pi / (2 * number of angles).
#pragma once
#include <cstdint>
#include <vector>

#include "data/image.h"
#include "data/shapes.h"

namespace sg {

struct Sinogram {
  std::vector<double> angles_deg;  // one per row
  Image rows;                      // [angles, size]: row a is the projection at angles_deg[a]
  // Optional per-row weights of the back projection (empty: all 1, skimage's iradon).
  // Irregularly spaced angles need them: row a stands for the arc it is nearest to, so
  // its weight is that arc's length over the mean (angular_weights).
  std::vector<double> weights;
};

// Weight of each angle for back projection from irregular angles: half the gap to each
// neighbour on the circle, normalised to mean 1 (all 1 for evenly spaced angles).
std::vector<double> angular_weights(const std::vector<double>& angles_deg);

// Pose of the shape a sinogram is taken of: centroid on the rotation axis (pixel index
// size / 2, i.e. coordinate size / 2 + 0.5), circumradius `radius`, at theta.
Pose sinogram_pose(int64_t size, double radius, double theta_deg);

// step_deg must divide 360 (so the angles cover the circle evenly) and radius must keep
// the shape inside the reconstruction circle: 0 < radius <= size / 2 - 1.
Sinogram make_sinogram(const ParticleShape& shape, int64_t size, double radius, double step_deg,
                       int supersample);

// [size, size] reconstruction from a sinogram with rows of length size.
Image filtered_back_projection(const Sinogram& sinogram);

// The projection of an image at theta in the geometry above: the adjoint of step 3's
// linear-interpolation back projection, so pixel (r, c) adds its value to positions
// t = y cos(theta) - x sin(theta) + size/2 of out[size], split linearly between the two
// nearest samples. forward_project of a rendered shape is its projection up to that
// interpolation (tests/test_projection_matching.cpp).
void forward_project(const Image& img, double theta_deg, float* out);

// Root-mean-square difference of two images of the same size.
double rmse(const Image& a, const Image& b);

}  // namespace sg

// HAADF thickness projections of a convex polyhedron along the beam (z).
//
// Image plane as in data/image.h: x right, y down, pixel (i, j) covers [j, j+1) x [i, i+1).
// The particle at pose (q, cx, cy, s) is the set X = c + s R(q) u, u in the body-frame
// polyhedron {n_f . u <= d_f}, c = (cx, cy, 0), s the circumradius in pixels. Then
//   X inside  <=>  m_f . (X - c) <= s d_f  for every face, m_f = R n_f.
// Along the ray X = (x, y, t): with a_f = m_fx (x - cx) + m_fy (y - cy), face f bounds t by
// t_f = (s d_f - a_f) / m_fz from above (exit, m_fz > 0) or below (enter, m_fz < 0); a
// face parallel to the beam (|m_fz| < 1e-9) passes the ray iff a_f <= s d_f. The chord is
//   L(x, y) = max(0, min_exit t_f - max_enter t_f)        (slab intersection),
// in pixels. A pixel holds the mean of L^p over its k x k sub-samples at
// (j + (a + 0.5)/k, i + (b + 0.5)/k): p = 1 is mass-thickness (HAADF Z-contrast scales as
// thickness times Z^~1.7, a constant here); the image sum is then the volume in px^3.
#pragma once
#include <cstdint>

#include "data/image.h"
#include "data/polyhedra.h"

namespace sg {

struct Pose3d {
  Quat q;                 // orientation, body -> lab
  double cx = 0, cy = 0;  // centre, pixel coordinates
  double radius = 1;      // circumradius, pixels
};

// The exact chord through the ray at (x, y), double precision: the per-ray reference.
double chord_length(const Polyhedron& p, const Pose3d& pose, double x, double y);

// Renders into out[h * w] (overwritten). t_f is affine in (x, y), so per face three
// coefficients are precomputed and each sub-sample costs one multiply-add and a max or
// min per face; only the rows and columns of the projected vertices' bounding box are
// visited. supersample in [1, 32], exponent > 0.
void render_thickness(const Polyhedron& p, const Pose3d& pose, int supersample, double exponent,
                      int64_t h, int64_t w, float* out);

// The plain reference: chord_length at every sub-sample of every pixel.
Image render_thickness_reference(const Polyhedron& p, const Pose3d& pose, int supersample,
                                 double exponent, int64_t h, int64_t w);

}  // namespace sg

// The classical baseline of the single-axis task: template matching against thickness
// projections of the KNOWN polyhedron at the KNOWN R0 (what diffraction-indexing tools
// such as pyxem do over an orientation grid; here the grid is one-dimensional, alpha).
// It knows what the learned model does not: the shape, R0, the tilt axis and the
// rendering (supersample, blur); it is the ceiling a label-free method is judged against.
//
// Pose. The projected centre of mass of a uniform convex body is the projection of its
// 3-D centroid, (cx, cy), whatever the orientation, and the image sum is its volume
// V1 s^3 (px^3, exponent 1): so each image gives its centre (centre of mass + 0.5 px,
// data/preprocess.h's index coordinates to the renderer's, data/thickness.h) and its
// circumradius s = (sum / V1)^(1/3) without a search. A pair's two images are the same
// particle (same centre and size), so their estimates are averaged.
//
// Angle. The cost of alpha is the squared distance to the template rendered at the
// image's pose, C(alpha) = sum_k |I_k - T(alpha + o_k)|^2 over the sample's images, o_k = 0
// alone, (0, delta) for a pair: the partner's evidence and the known delta decide
// together. Coarse grid: step s0 dividing delta (data/projection_matching.h
// matching_step), so a pair's two images share the grid's renders; then around each of
// the `candidates` lowest local minima the pose corrected (the template moved and scaled
// until its centre of mass and sum are the image's: the moments' sampling bias cancels),
// a fine grid of step s0/4 over +-s0, and a golden-section search between the fine
// minimum's neighbours to 0.005 deg (the cost has kinks where a face turns edge-on, so a
// parabola's vertex can miss by half a step); then twice the centre's component across
// the axis (+-0.25 px) and alpha again, each by golden section (a tilt moves features
// across the axis, so that component trades against alpha). The lowest cost wins.
#pragma once
#include <cstdint>
#include <vector>

#include "data/polyhedra.h"

namespace sg {

struct SingleAxisMatcher {
  Polyhedron shape;
  Quat r0;
  Vec3 axis{1, 0, 0};
  int supersample = 1;
  double blur = 0;            // probe blur sigma, px (data/blur.h), applied to templates too
  double coarse_deg = 1;      // target coarse step (divides delta for pairs)
  int candidates = 3;         // local minima of the coarse grid refined
};

struct PoseEstimate {
  double cx = 0, cy = 0, radius = 0;  // renderer coordinates, px
};
// From one image [size, size] (exponent 1, no background); radius 0 for an empty image.
PoseEstimate estimate_pose(const SingleAxisMatcher& m, const float* image, int64_t size);

// alpha (degrees in [0, 360)) of each of `count` samples of `per_sample` images of
// size x size, contiguous; the k-th image of a sample is at alpha + offsets_deg[k].
// per_sample = offsets_deg.size(): {0} for single images, {0, delta} for pairs.
// OpenMP over samples.
std::vector<double> match_single_axis(const SingleAxisMatcher& m, const float* images, int64_t count,
                                      int64_t size, const std::vector<double>& offsets_deg);

}  // namespace sg

// Helpers shared by the projection tests (test_angle_sync.cpp, test_projection_matching.cpp):
// centred pairs of the 'S' or 'T' and the % of angles within 2° after offset removal.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/pairs.h"
#include "data/projection.h"
#include "train/evaluate.h"

namespace sg::test {

// Fraction of |error| <= 2° once evaluate_angles has removed the offset (and mirror).
inline double within2(const std::vector<double>& pred, const std::vector<float>& truth, bool* mirrored = nullptr) {
  std::vector<float> p(truth.size());
  for (size_t i = 0; i < truth.size(); ++i) p[i] = float(pred[i]);
  const Accuracy a = evaluate_angles(p, truth, 1);
  if (mirrored) *mirrored = a.mirrored;
  return a.within[2];
}

// Projection pairs of the 'S' (or another shape) at a fixed size, centred as
// recover_angles expects.
inline Dataset s_pairs(int64_t count, uint64_t seed, int supersample, const std::string& shape = "s",
                double delta_deg = 10.0) {
  GenParams g;
  g.shape = shape;
  g.stereo_angle_deg = delta_deg;
  g.count = count;
  g.seed = seed;
  g.projection = true;
  g.supersample = supersample;
  g.radius_min = g.radius_max = 0.3;
  Dataset ds = generate(g);
  for (int64_t i = 0; i < 2 * count; ++i) centre_projection(ds.images.data() + i * 64, 64);
  return ds;
}

}  // namespace sg::test

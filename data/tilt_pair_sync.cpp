#include "data/tilt_pair_sync.h"

#include <cstdio>

#include "data/preprocess.h"

namespace sg {

std::vector<float> sync_normalised(const float* images, int64_t count, int64_t size) {
  const int64_t n = size * size;
  std::vector<float> x(images, images + count * n);
  normalise_sizes(x.data(), count, size, 0.2);
  for (int64_t i = 0; i < count; ++i) {
    float* img = x.data() + i * n;
    double sum = 0;
    for (int64_t t = 0; t < n; ++t) sum += img[t];
    if (sum > 0)
      for (int64_t t = 0; t < n; ++t) img[t] = float(img[t] * double(n) / sum);
  }
  return x;
}

std::vector<double> synchronise_tilt_pairs(const float* pairs, int64_t N, int64_t size, double delta_deg,
                                           SyncResult* diagnostics) {
  const std::vector<float> x = sync_normalised(pairs, 2 * N, size);
  SyncResult r = synchronise_angles(x.data(), N, size * size, delta_deg);
  std::vector<double> firsts(r.angles_deg.begin(), r.angles_deg.begin() + N);
  if (diagnostics) *diagnostics = std::move(r);
  return firsts;
}

std::string sync_reliability_warning(const SyncResult& r) {
  const bool frustrated = sync_frustration(r) > kTiltSyncFrustrationLimit, cut = r.spread < kTiltSyncSpreadLimit;
  if (!frustrated && !cut) return "";
  char line[320];
  std::snprintf(line, sizeof line,
                "warning: the synchronisation looks wrong (%s: 1 - lambda = %.2g, limit %.0e; spread %.3f, limit %.1f): "
                "many of its angles are likely wrong (docs/particles3d.md)",
                frustrated ? "frustrated" : "its eigenvector lives on a cut-off piece of the graph",
                sync_frustration(r), kTiltSyncFrustrationLimit, r.spread, kTiltSyncSpreadLimit);
  return line;
}

}  // namespace sg

#include "train/curriculum.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/error.h"

namespace sg {

namespace {
// Sorts pair indices by score, ties by index, so the order is fully determined.
void sort_by_score(Ranking& r) {
  r.order.resize(r.score.size());
  std::iota(r.order.begin(), r.order.end(), 0);
  std::stable_sort(r.order.begin(), r.order.end(),
                   [&](int64_t a, int64_t b) { return r.score[size_t(a)] < r.score[size_t(b)]; });
}
}  // namespace

Ranking rank_by_similarity(const Dataset& ds, int64_t reference) {
  SG_CHECK(reference >= 0 && reference < ds.count(), "curriculum: reference out of range");
  Ranking r;
  r.reference = reference;
  r.score.resize(size_t(ds.count()));
  const int64_t n = ds.sample_floats() / 2;
  const float* ref = ds.pair(reference);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < ds.count(); ++i) {
    const float* x = ds.pair(i);
    double s = 0, s2 = 0;
    for (int64_t k = 0; k < n; ++k) {
      double d = double(x[k]) - double(ref[k]);
      s += d;
      s2 += d * d;
    }
    double mean = s / double(n);
    r.score[size_t(i)] = std::sqrt(std::max(0.0, s2 / double(n) - mean * mean));
  }
  sort_by_score(r);
  return r;
}

Ranking rank_by_angle(const Dataset& ds, int64_t reference) {
  SG_CHECK(reference >= 0 && reference < ds.count(), "curriculum: reference out of range");
  SG_CHECK(ds.has_angles(), "curriculum angle_range: the pairs have no true angles");
  Ranking r;
  r.reference = reference;
  const double period = 360.0 / ds.order(), t0 = ds.angles[size_t(reference)];
  for (int64_t i = 0; i < ds.count(); ++i) {
    double d = std::fmod(std::fabs(double(ds.angles[size_t(i)]) - t0), period);
    r.score.push_back(std::min(d, period - d));
  }
  sort_by_score(r);
  return r;
}

Ranking rank_none(const Dataset& ds) {
  Ranking r;
  r.score.assign(size_t(ds.count()), 0.0);
  sort_by_score(r);
  return r;
}

Ranking make_ranking(const std::string& curriculum, const Dataset& ds, int64_t reference) {
  if (curriculum == "similarity") return rank_by_similarity(ds, reference);
  if (curriculum == "angle_range") return rank_by_angle(ds, reference);
  if (curriculum == "none") return rank_none(ds);
  fail("unknown curriculum '", curriculum, "'");
}

std::vector<int64_t> closest(const Ranking& r, double fraction) {
  size_t n = size_t(std::ceil(fraction * double(r.order.size()) - 1e-9));
  n = std::clamp<size_t>(n, 1, r.order.size());
  return std::vector<int64_t>(r.order.begin(), r.order.begin() + std::ptrdiff_t(n));
}

}  // namespace sg

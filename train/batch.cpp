#include "train/batch.h"

#include <cmath>
#include <cstring>

#include "engine/error.h"

namespace sg {

HostBatch gather_batch(const Dataset& ds, const std::vector<int64_t>& idx, size_t begin, size_t end,
                       int targets_of_order, double delta_deg) {
  SG_CHECK(begin < end && end <= idx.size(), "batch: empty or out-of-range slice");
  const int64_t B = int64_t(end - begin), per_image = ds.sample_floats() / 2;
  Shape s = ds.image_shape();  // {N, 2, ...}
  HostBatch out;
  out.shape = {B, 1};
  out.shape.insert(out.shape.end(), s.begin() + 2, s.end());
  out.first.resize(size_t(B * per_image));
  out.second.resize(size_t(B * per_image));
  for (int64_t k = 0; k < B; ++k) {
    const int64_t i = idx[begin + size_t(k)];
    const float* p = ds.pair(i);
    std::memcpy(out.first.data() + k * per_image, p, size_t(per_image) * sizeof(float));
    std::memcpy(out.second.data() + k * per_image, p + per_image, size_t(per_image) * sizeof(float));
    if (ds.has_angles()) out.theta_deg.push_back(ds.angles[size_t(i)]);
  }
  if (targets_of_order > 0) {
    SG_CHECK(ds.has_angles(), "batch: supervised targets need the pairs' angles");
    std::vector<float> theta2 = out.theta_deg;  // the second image is δ further on
    for (float& t : theta2) t += float(delta_deg);
    out.target_first = supervised_target_values(out.theta_deg, targets_of_order);
    out.target_second = supervised_target_values(theta2, targets_of_order);
  }
  return out;
}

PairBatch make_batch(const Dataset& ds, const std::vector<int64_t>& idx, size_t begin,
                     size_t end, Device device) {
  HostBatch h = gather_batch(ds, idx, begin, end);
  PairBatch out;
  out.first = Tensor::from_vector(h.first, h.shape, device);
  out.second = Tensor::from_vector(h.second, h.shape, device);
  out.theta_deg = std::move(h.theta_deg);
  return out;
}

std::vector<float> supervised_target_values(const std::vector<float>& theta_deg, int order) {
  std::vector<float> t;
  for (float deg : theta_deg) {
    const double a = double(order) * double(deg) * M_PI / 180.0;
    t.push_back(float(std::sin(a)));
    t.push_back(float(std::cos(a)));
  }
  return t;
}

}  // namespace sg

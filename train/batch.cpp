#include "train/batch.h"

#include <cmath>
#include <cstring>

#include "engine/error.h"

namespace sg {

PairBatch make_batch(const Dataset& ds, const std::vector<int64_t>& idx, size_t begin,
                     size_t end, Device device) {
  SG_CHECK(begin < end && end <= idx.size(), "batch: empty or out-of-range slice");
  const int64_t B = int64_t(end - begin), per_image = ds.sample_floats() / 2;
  Shape s = ds.image_shape();  // {N, 2, ...}
  Shape shape{B, 1};
  shape.insert(shape.end(), s.begin() + 2, s.end());
  std::vector<float> a(size_t(B * per_image)), b(size_t(B * per_image));
  PairBatch out;
  for (int64_t k = 0; k < B; ++k) {
    const int64_t i = idx[begin + size_t(k)];
    const float* p = ds.pair(i);
    std::memcpy(a.data() + k * per_image, p, size_t(per_image) * sizeof(float));
    std::memcpy(b.data() + k * per_image, p + per_image, size_t(per_image) * sizeof(float));
    if (ds.has_angles()) out.theta_deg.push_back(ds.angles[size_t(i)]);
  }
  out.first = Tensor::from_vector(a, shape, device);
  out.second = Tensor::from_vector(b, shape, device);
  return out;
}

Tensor supervised_targets(const std::vector<float>& theta_deg, int order, Device device) {
  std::vector<float> t;
  for (float deg : theta_deg) {
    const double a = double(order) * double(deg) * M_PI / 180.0;
    t.push_back(float(std::sin(a)));
    t.push_back(float(std::cos(a)));
  }
  return Tensor::from_vector(t, {int64_t(theta_deg.size()), 2}, device);
}

}  // namespace sg

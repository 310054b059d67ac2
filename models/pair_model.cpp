#include "models/pair_model.h"

#include <cmath>

namespace sg {

std::vector<float> PairModel::predict_pair_deg(const Tensor& first, const Tensor& second,
                                               float delta_deg) {
  std::vector<float> a = predict_deg(first);
  const std::vector<float> b = predict_deg(second);
  const double P = 360.0 / order(), k = 2 * M_PI / P;  // angle on the period → phase
  for (size_t i = 0; i < a.size(); ++i) {
    const double pa = k * a[i], pb = k * (double(b[i]) - delta_deg);
    double deg = std::atan2(std::sin(pa) + std::sin(pb), std::cos(pa) + std::cos(pb)) / k;
    deg = std::fmod(deg, P);
    if (deg < 0) deg += P;
    a[i] = float(deg >= P ? 0.0 : deg);
  }
  return a;
}

}  // namespace sg

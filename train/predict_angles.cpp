#include "train/predict_angles.h"

#include <algorithm>
#include <cmath>
#include <complex>

#include "data/image.h"
#include "engine/error.h"
#include "train/args.h"
#include "train/config.h"
#include "train/eval3d.h"

namespace sg {

namespace {
constexpr double kDeg = 3.14159265358979323846 / 180.0;
constexpr int64_t kChunk = 256;
}  // namespace

std::vector<float> predict_angles(PairModel& model, const float* images, int64_t count,
                                  const Shape& per_image, Device device, int rotations) {
  SG_CHECK(rotations == 1 || rotations == 2 || rotations == 4, "test rotations must be 1, 2 or 4, got ",
           rotations);
  const int64_t per = shape_numel(per_image);
  const int64_t n = per_image.size() == 3 ? per_image[1] : 0;
  SG_CHECK(rotations == 1 || (n > 0 && per_image[2] == n && per_image[0] == 1),
           "test rotations need square single-channel images, got ", shape_str(per_image));
  const int order = model.order();
  const double period = 360.0 / order;
  std::vector<float> out;
  out.reserve(size_t(count));
  std::vector<float> part, turned;
  for (int64_t b = 0; b < count; b += kChunk) {
    const int64_t m = std::min(kChunk, count - b);
    part.assign(images + b * per, images + (b + m) * per);
    Shape s{m};
    s.insert(s.end(), per_image.begin(), per_image.end());
    std::vector<std::complex<double>> sum(static_cast<size_t>(m));
    const int step = 4 / rotations;  // quarter turns between readings: 4/1 (none), 2 or 1
    for (int k = 0; k < 4; k += step) {
      const std::vector<float> p = model.predict_deg(Tensor::from_vector(part, s, device));
      for (int64_t i = 0; i < m; ++i)
        sum[size_t(i)] += std::polar(1.0, order * (double(p[size_t(i)]) + 90.0 * k) * kDeg);
      if (rotations == 1) break;
      turned.resize(part.size());
      for (int t = 0; t < step; ++t) {  // the next reading's images: `step` more quarter turns
        for (int64_t i = 0; i < m; ++i) rot90(part.data() + i * per, n, turned.data() + i * per);
        part.swap(turned);
      }
    }
    for (int64_t i = 0; i < m; ++i) {
      double a = std::arg(sum[size_t(i)]) / kDeg / order;
      a = std::fmod(a, period);
      if (a < 0) a += period;
      float f = float(a);
      if (f >= float(period)) f = 0;  // rounding to float can land on the period itself
      out.push_back(f);
    }
  }
  return out;
}

int rotations_option(const ArgParser& p, int config_value) {
  if (!p.given("rotations")) return config_value;
  const int64_t k = p.get_int("rotations");
  SG_USAGE_CHECK(k == 1 || k == 2 || k == 4, "--rotations must be 1, 2 or 4, got ", k);
  return int(k);
}

void half_turn_option(const ArgParser& p, TrainConfig& config) {
  if (!p.given("half-turn")) return;
  const std::string v = p.get("half-turn");
  SG_USAGE_CHECK(v == "on" || v == "off", "--half-turn must be on or off, got '", v, "'");
  SG_USAGE_CHECK(config.is_heatmap(), "--half-turn applies to heatmap1d and heatmap2d models; this checkpoint's is ",
                 config.model);
  config.heatmap.half_turn = v == "on";
  if (config.heatmap.half_turn) check_half_turn_view(config);  // off is always allowed
}

void split_pairs(const float* pairs, int64_t count, int64_t per, std::vector<float>& first,
                 std::vector<float>& second) {
  first.resize(size_t(count * per));
  second.resize(size_t(count * per));
  for (int64_t i = 0; i < count; ++i) {
    std::copy_n(pairs + 2 * i * per, per, first.begin() + i * per);
    std::copy_n(pairs + (2 * i + 1) * per, per, second.begin() + i * per);
  }
}

std::vector<float> predict_pairs(PairModel& model, const std::vector<float>& first, const std::vector<float>& second,
                                 int64_t count, const Shape& per_image, Device device, double delta) {
  int64_t per = 1;
  for (int64_t d : per_image) per *= d;
  SG_CHECK(int64_t(first.size()) == count * per && int64_t(second.size()) == count * per,
           "predict_pairs: ", count, " pairs of ", per, " values need ", count * per, " values per image set");
  std::vector<float> out;
  out.reserve(size_t(count));
  for (int64_t b = 0; b < count; b += 256) {
    const int64_t n = std::min<int64_t>(256, count - b);
    Shape shape{n};
    shape.insert(shape.end(), per_image.begin(), per_image.end());
    const auto part = [&](const std::vector<float>& v) {
      return Tensor::from_vector(std::vector<float>(v.begin() + b * per, v.begin() + (b + n) * per), shape, device);
    };
    for (float a : model.predict_pair_deg(part(first), part(second), float(delta))) out.push_back(a);
  }
  return out;
}

}  // namespace sg

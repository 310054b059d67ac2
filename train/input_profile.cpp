#include "train/input_profile.h"

#include <algorithm>
#include <cmath>

#include "data/angles.h"
#include "data/dataset_io.h"
#include "data/moments.h"
#include "data/preprocess.h"
#include "data/projection.h"
#include "engine/error.h"

namespace sg {

namespace {
constexpr int64_t kProfileImages = 512;

bool border_is_zero(const float* px, int64_t h, int64_t w) {
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j)
      if ((i == 0 || j == 0 || i == h - 1 || j == w - 1) && px[i * w + j] != 0.0f) return false;
  return true;
}

// Within half a pixel of the frame centre, as centre_by_mass leaves an image. Rolling such
// an image again is not a no-op: at an exact half-pixel tie it moves it by a pixel.
bool centred(const float* px, int64_t S) {
  double cy, cx;
  const double c = 0.5 * double(S - 1);
  return !centre_of_mass(px, S, S, cy, cx) || (std::fabs(cy - c) <= 0.5 && std::fabs(cx - c) <= 0.5);
}

void widen(Range& r, double v, bool first) {
  r.lo = first ? v : std::min(r.lo, v);
  r.hi = first ? v : std::max(r.hi, v);
}

// The profile of `count` images of h x w measured as they are.
InputProfile profile_of(const float* images, int64_t count, int64_t h, int64_t w) {
  InputProfile p;
  for (int64_t i = 0; i < count; ++i) {
    const ImageStats s = measure_image(images + i * h * w, h, w);
    if (!s.particle) continue;
    widen(p.background, s.background, p.images == 0);
    widen(p.radius_px, s.radius_px, p.images == 0);
    widen(p.intensity, s.intensity, p.images == 0);
    ++p.images;
  }
  return p;
}
}  // namespace

ImageStats measure_image(const float* px, int64_t h, int64_t w) {
  MomentOptions opt;
  opt.dilate = 0;  // the component itself: its area is the particle's
  MomentResult r;
  const std::vector<uint8_t> mask = find_support(px, h, w, opt, r);
  ImageStats s;
  s.background = r.background;
  if (r.flag == MomentFlag::NoParticle) return s;
  s.particle = true;
  s.touches_border = r.flag == MomentFlag::TouchesBorder;
  s.radius_px = std::sqrt(double(r.area) / kPi);
  std::vector<float> inside;
  for (size_t q = 0; q < mask.size(); ++q)
    if (mask[q]) inside.push_back(px[q]);
  std::nth_element(inside.begin(), inside.begin() + std::ptrdiff_t(inside.size() / 2), inside.end());
  s.intensity = inside[inside.size() / 2];
  return s;
}

nlohmann::json to_json(const InputProfile& p) {
  auto range = [](const Range& r) { return nlohmann::json::array({r.lo, r.hi}); };
  return {{"images", p.images},
          {"background", range(p.background)},
          {"radius_px", range(p.radius_px)},
          {"intensity", range(p.intensity)}};
}

InputProfile profile_from_json(const nlohmann::json& j, const std::string& what) {
  InputProfile p;
  auto range = [&](const char* key) {
    const auto it = j.find(key);
    SG_CHECK(it != j.end() && it->is_array() && it->size() == 2 && (*it)[0].is_number() &&
                 (*it)[1].is_number() && (*it)[0].get<double>() <= (*it)[1].get<double>(),
             what, ": input profile '", key, "' is not a range [lo, hi]");
    return Range{(*it)[0].get<double>(), (*it)[1].get<double>()};
  };
  SG_CHECK(j.is_object() && j.contains("images") && j["images"].is_number_integer(), what,
           ": input profile lacks 'images'");
  p.images = j["images"].get<int64_t>();
  p.background = range("background");
  p.radius_px = range("radius_px");
  p.intensity = range("intensity");
  return p;
}

nlohmann::json training_profile(const TrainConfig& config) {
  if (config.data.projection) return nullptr;
  const int64_t S = config.data.size;
  std::vector<float> images;  // [n, S, S]: both images of each pair
  if (config.data_path.empty()) {
    GenParams g = config.data;  // the same particles, at their own size
    g.count = std::min<int64_t>(kProfileImages / 2, g.count);
    g.normalise_size = 0;
    images = generate(g).images;
  } else {  // the folder's images as stored: what the model was trained on
    const Dataset ds = load_dataset_folder(config.data_path, config.data, "");
    const int64_t n = std::min<int64_t>(kProfileImages, 2 * ds.count());
    images.assign(ds.images.begin(), ds.images.begin() + n * S * S);
  }
  const InputProfile p = profile_of(images.data(), int64_t(images.size()) / (S * S), S, S);
  return p.images > 0 ? to_json(p) : nlohmann::json(nullptr);
}

std::vector<ImageStats> prepare_input(const TrainConfig& config, float* images, int64_t count,
                                      bool preprocess) {
  const int64_t S = config.data.size;
  if (config.data.projection) {
    if (preprocess && config.data.subpixel_centre)  // the model was trained on centred projections
      for (int64_t i = 0; i < count; ++i) centre_projection(images + i * S, S);
    return {};
  }
  // A folder's images were trained on as stored; generated ones after data/preprocess.h.
  const bool denoise = preprocess && config.data.preprocess && config.data_path.empty();
  const float threshold = float(config.data.effective_threshold());
  std::vector<ImageStats> stats(static_cast<size_t>(count));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < count; ++i) {
    float* px = images + i * S * S;
    if (denoise) {
      if (!border_is_zero(px, S, S)) remove_background(px, size_t(S * S), threshold);
      if (!centred(px, S)) centre_by_mass(px, S, S);
    }
    stats[size_t(i)] = measure_image(px, S, S);
  }
  if (preprocess && config.data.normalise_size > 0) normalise_sizes(images, count, S, config.data.normalise_size);
  return stats;
}

}  // namespace sg

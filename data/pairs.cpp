#include "data/pairs.h"

#include <cmath>
#include <limits>
#include <type_traits>
#include <nlohmann/json.hpp>

#include "data/noise.h"
#include "data/preprocess.h"
#include "data/blur.h"
#include "data/projection.h"
#include "data/shapes.h"
#include "engine/error.h"
#include "engine/random.h"

namespace sg {

void GenParams::validate() const {
  (void)ParticleShape::make(shape, sides);  // throws for an unknown shape or bad sides
  SG_CHECK(projection || !subpixel_centre, "subpixel_centre applies only to projections (projection true)");
  SG_CHECK(shape == "polygon" || sides == 0, "sides applies only to shape 'polygon' (shape is '",
           shape, "')");
  SG_CHECK(count > 0, "count must be positive, got ", count);
  SG_CHECK(size >= 16 && size <= 4096, "size must be in [16, 4096] pixels, got ", size);
  SG_CHECK(stereo_angle_deg > 0 && stereo_angle_deg < 180,
           "stereo angle must be in (0, 180) degrees, got ", stereo_angle_deg);
  SG_CHECK(angle_min_deg >= 0 && angle_max_deg <= 360 && angle_min_deg < angle_max_deg,
           "angle range must satisfy 0 <= min < max <= 360 degrees, got [", angle_min_deg, ", ",
           angle_max_deg, ")");
  SG_CHECK(radius_min > 0 && radius_min <= radius_max && radius_max <= 0.45,
           "radius range must satisfy 0 < min <= max <= 0.45 (fractions of size), got [",
           radius_min, ", ", radius_max, "]");
  SG_CHECK(std::isfinite(noise) && noise >= 0, "noise amplitude must be >= 0, got ", noise);
  SG_CHECK(std::isfinite(dose) && dose >= 0, "dose must be >= 0 (0 = no shot noise), got ", dose);
  SG_CHECK(std::isfinite(threshold), "threshold must be a number, got ", threshold);
  SG_CHECK(supersample >= 1 && supersample <= 32, "supersample must be in [1, 32], got ",
           supersample);
  SG_CHECK(supersample_max == 0 || (supersample_max >= supersample && supersample_max <= 32),
           "supersample_max must be 0 (off) or in [supersample, 32], got ", supersample_max);
  SG_CHECK(std::isfinite(dose_max) && (dose_max == 0 || (dose > 0 && dose_max >= dose)),
           "dose_max must be 0 (off) or >= dose > 0, got ", dose_max, " with dose ", dose);
  SG_CHECK(shot_fraction >= 0 && shot_fraction <= 1, "shot_fraction must be in [0, 1], got ", shot_fraction);
  SG_CHECK(std::isfinite(blur_max) && blur_max >= 0 && blur_max <= 8,
           "blur_max must be in [0, 8] pixels, got ", blur_max);
  SG_CHECK(intensity_min > 0 && intensity_min <= intensity_max && intensity_max <= 100,
           "intensity range must satisfy 0 < min <= max <= 100, got [", intensity_min, ", ",
           intensity_max, "]");
  SG_CHECK(std::isfinite(normalise_size) && normalise_size >= 0 && normalise_size <= 0.3,
           "normalise_size must be in [0, 0.3] (rms radius as a fraction of size; 0 = off), got ",
           normalise_size);
  SG_CHECK(!projection || normalise_size == 0, "normalise_size applies only to 2-D images (projection false)");
  SG_CHECK(fold_deg == -1 || (fold_deg >= 0 && fold_deg < 360), "fold_deg must be in [0, 360) (or absent), got ",
           fold_deg);
}

nlohmann::json to_json(const GenParams& p) {
  const ParticleShape s = ParticleShape::make(p.shape, p.sides);
  nlohmann::json j{
      {"format", "stereograd-pairs"},
      {"version", 1},
      {"shape", p.shape},
      {"sides", p.sides},
      {"order", s.order()},
      {"mirror_symmetric", s.mirror_symmetric()},
      {"count", p.count},
      {"size", p.size},
      {"layout", p.projection ? "images [N, 2, L]" : "images [N, 2, H, W]"},
      {"angles", "angles [N]: theta of the first image, degrees in [0, 360)"},
      {"stereo_angle_deg", p.stereo_angle_deg},
      {"angle_min_deg", p.angle_min_deg},
      {"angle_max_deg", p.angle_max_deg},
      {"radius_min", p.radius_min},
      {"radius_max", p.radius_max},
      {"seed", p.seed},
      {"first_index", p.first_index},
      {"rng", "sample i: sg::Rng(seed, first_index + i)"},
      {"noise", p.noise},
      {"dose", p.dose},
      {"threshold", p.effective_threshold()},
      {"supersample", p.supersample},
      {"preprocess", p.preprocess},
      {"projection", p.projection},
      {"subpixel_centre", p.subpixel_centre},
      {"supersample_max", p.supersample_max},
      {"dose_max", p.dose_max},
      {"shot_fraction", p.shot_fraction},
      {"blur_max", p.blur_max},
      {"intensity_min", p.intensity_min},
      {"intensity_max", p.intensity_max},
      {"normalise_size", p.normalise_size},
  };
  if (p.fold_deg >= 0) j["fold_deg"] = p.fold_deg;  // only where recorded: generated folders stay as they were
  return j;
}

namespace {
// An integer field that T holds exactly. nlohmann's get<int>() would convert 1e300 or
// 2^40 silently (the first is undefined behaviour): here either is an error.
template <typename T>
T integer(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  const bool ok =
      v.is_number_unsigned()  ? v.get<uint64_t>() <= uint64_t(std::numeric_limits<T>::max())
      : v.is_number_integer() ? std::is_signed_v<T> && v.get<int64_t>() >= int64_t(std::numeric_limits<T>::min())
                              : false;
  SG_CHECK(ok, "'", key, "' must be an integer that fits, got ",
           v.is_primitive() ? v.dump() : std::string(v.type_name()));
  return T(v.get<std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>());
}
}  // namespace

GenParams params_from_json(const nlohmann::json& j) {
  GenParams p;
  try {
    SG_CHECK(j.is_object() && j.value("format", "") == "stereograd-pairs",
             "not a stereograd-pairs parameter file");
    SG_CHECK(integer<int>(j, "version") == 1, "unsupported version ", j.at("version").dump());
    p.shape = j.at("shape").get<std::string>();
    p.sides = integer<int>(j, "sides");
    p.count = integer<int64_t>(j, "count");
    p.size = integer<int64_t>(j, "size");
    p.stereo_angle_deg = j.at("stereo_angle_deg").get<double>();
    p.angle_min_deg = j.at("angle_min_deg").get<double>();
    p.angle_max_deg = j.at("angle_max_deg").get<double>();
    p.radius_min = j.at("radius_min").get<double>();
    p.radius_max = j.at("radius_max").get<double>();
    p.seed = integer<uint64_t>(j, "seed");
    p.first_index = integer<uint64_t>(j, "first_index");
    p.noise = j.at("noise").get<double>();
    p.dose = j.at("dose").get<double>();
    p.threshold = j.at("threshold").get<double>();
    p.supersample = integer<int>(j, "supersample");
    p.preprocess = j.at("preprocess").get<bool>();
    p.projection = j.at("projection").get<bool>();
    p.subpixel_centre = j.value("subpixel_centre", false);  // these absent before they existed
    p.supersample_max = j.contains("supersample_max") ? integer<int>(j, "supersample_max") : 0;
    p.dose_max = j.value("dose_max", 0.0);
    p.shot_fraction = j.value("shot_fraction", 1.0);
    p.blur_max = j.value("blur_max", 0.0);
    p.intensity_min = j.value("intensity_min", 1.0);
    p.intensity_max = j.value("intensity_max", 1.0);
    p.normalise_size = j.value("normalise_size", 0.0);
    p.fold_deg = j.value("fold_deg", -1.0);
  } catch (const nlohmann::json::exception& e) {
    fail("bad generation parameters: ", e.what());
  }
  p.validate();
  return p;
}

GenParams params_from_text(const std::string& text, const std::string& what) {
  try {
    return params_from_json(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    fail(what, " is not valid JSON: ", e.what());
  } catch (const Error& e) {
    fail(what, ": ", e.what());
  }
}

int Dataset::order() const { return ParticleShape::make(params.shape, params.sides).order(); }

std::vector<int64_t> Dataset::image_shape() const {
  if (params.projection) return {count(), 2, params.size};
  return {count(), 2, params.size, params.size};
}

int64_t Dataset::sample_floats() const {
  return params.projection ? 2 * params.size : 2 * params.size * params.size;
}

namespace {

// One stereo pair into out (2 images or 2 projections); `scratch` holds one image.
float generate_pair(const GenParams& p, const ParticleShape& shape, uint64_t index, float* out,
                    float* scratch) {
  Rng rng(p.seed, index);
  double theta = p.angle_min_deg + (p.angle_max_deg - p.angle_min_deg) * rng.uniform();
  // The label is stored as float32; render exactly the angle that is stored.
  float label = float(std::fmod(theta, 360.0));
  if (label >= 360.0f) label = 0.0f;
  theta = double(label);
  const double size = double(p.size);
  const double radius = size * rng.uniform(p.radius_min, p.radius_max);
  const double cx = rng.uniform(radius + 1.0, size - radius - 1.0);
  const double cy = rng.uniform(radius + 1.0, size - radius - 1.0);
  // The variety draws come after the pose and only when switched on, so a dataset
  // without them is bit-identical to one generated before they existed.
  const int ss = p.supersample_max > p.supersample
                     ? p.supersample + int(rng.uniform() * (p.supersample_max - p.supersample + 1))
                     : p.supersample;
  double dose = p.dose;
  if (dose > 0 && p.shot_fraction < 1 && rng.uniform() >= p.shot_fraction) dose = 0;
  if (dose > 0 && p.dose_max > p.dose) dose = p.dose * std::pow(p.dose_max / p.dose, rng.uniform());
  const double blur = p.blur_max > 0 ? rng.uniform(0.0, p.blur_max) : 0.0;
  double gain[2] = {1, 1};
  if (p.intensity_min != 1 || p.intensity_max != 1)
    for (double& g : gain) g = rng.uniform(p.intensity_min, p.intensity_max);
  const int64_t n = p.size * p.size;
  for (int k = 0; k < 2; ++k) {
    float* img = p.projection ? scratch : out + k * n;
    const Pose pose{cx, cy, radius, theta + k * p.stereo_angle_deg};
    render(shape, pose, std::min(ss, 32), p.size, p.size, img);
    gaussian_blur(img, p.size, p.size, blur);
    if (dose > 0) add_shot_noise(img, size_t(n), dose, rng);
    if (p.noise > 0) add_uniform_noise(img, size_t(n), p.noise, rng);
    if (p.preprocess) preprocess(img, p.size, p.size, float(p.effective_threshold()));
    if (p.normalise_size > 0) normalise_size(img, p.size, p.size, p.normalise_size * double(p.size));
    if (gain[k] != 1)
      for (int64_t q = 0; q < n; ++q) img[q] *= float(gain[k]);
    if (p.projection) project_y(img, p.size, p.size, out + k * p.size);
    if (p.projection && p.subpixel_centre) centre_projection(out + k * p.size, p.size);
  }
  return label;
}

}  // namespace

Dataset generate(const GenParams& params) {
  params.validate();
  const ParticleShape shape = ParticleShape::make(params.shape, params.sides);
  Dataset ds;
  ds.params = params;
  ds.angles.resize(size_t(params.count));
  const int64_t per_pair = params.projection ? 2 * params.size : 2 * params.size * params.size;
  ds.images.resize(size_t(params.count * per_pair));
#pragma omp parallel
  {
    std::vector<float> scratch(size_t(params.size * params.size));
#pragma omp for schedule(static)
    for (int64_t i = 0; i < params.count; ++i)
      ds.angles[size_t(i)] = generate_pair(params, shape, params.first_index + uint64_t(i),
                                           ds.images.data() + i * per_pair, scratch.data());
  }
  return ds;
}

}  // namespace sg

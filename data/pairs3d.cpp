#include "data/pairs3d.h"

#include <cmath>

#include "data/blur.h"
#include "data/noise.h"
#include "data/shapes.h"
#include "data/single_axis.h"
#include "data/thickness.h"
#include "engine/error.h"
#include "engine/random.h"

namespace sg {

void Gen3dParams::validate() const {
  SG_CHECK(is_polyhedron(shape), "unknown shape '", one_line(shape), "': use ", polyhedron_names_text());
  (void)make_polyhedron(shape, ino);
  SG_CHECK(task == "full" || task == "single-axis", "task must be full or single-axis, got '",
           one_line(task), "'");
  SG_CHECK(count > 0, "count must be positive, got ", count);
  SG_CHECK(size >= 16 && size <= 4096, "size must be in [16, 4096] pixels, got ", size);
  SG_CHECK(stereo_angle_deg > 0 && stereo_angle_deg < 90,
           "stereo angle must be in (0, 90) degrees, got ", stereo_angle_deg);
  (void)normalised(tilt_axis);
  SG_CHECK(radius_min > 0 && radius_min <= radius_max && radius_max <= 0.45,
           "radius range must satisfy 0 < min <= max <= 0.45 (fractions of size), got [",
           radius_min, ", ", radius_max, "]");
  SG_CHECK(supersample >= 1 && supersample <= 32, "supersample must be in [1, 32], got ", supersample);
  SG_CHECK(exponent > 0 && exponent <= 4, "exponent must be in (0, 4], got ", exponent);
  SG_CHECK(blur >= 0 && blur <= 8, "blur must be in [0, 8] pixels, got ", blur);
  SG_CHECK(dose >= 0 && std::isfinite(dose), "dose must be >= 0 (0 = no shot noise), got ", dose);
  SG_CHECK(noise >= 0 && std::isfinite(noise), "noise amplitude must be >= 0, got ", noise);
  SG_CHECK(first_index + uint64_t(count) < (uint64_t(1) << 63), "first_index + count too large");
}

Quat single_axis_r0(const Gen3dParams& p) {
  if (p.r0_identity) return Quat{};
  Rng rng(p.seed, ~uint64_t(0));
  return random_rotation(rng);
}

bool is_tilt_pairs_json(const nlohmann::json& j) {
  return j.is_object() && j.contains("format") && j.at("format") == kTiltPairsFormat;
}

Gen3dParams params3d_from_json(const nlohmann::json& j, const std::string& what) {
  Gen3dParams p;
  try {
    SG_CHECK(is_tilt_pairs_json(j), "not a params.json of 3-D tilt pairs (format ", kTiltPairsFormat, ")");
    p.shape = j.at("shape").get<std::string>();
    p.ino = j.value("ino", p.ino);
    p.count = j.at("count").get<int64_t>();
    p.size = j.at("size").get<int64_t>();
    p.stereo_angle_deg = j.at("stereo_angle_deg").get<double>();
    p.task = j.at("task").get<std::string>();
    const auto axis = j.at("tilt_axis").get<std::vector<double>>();
    SG_CHECK(axis.size() == 3, "tilt_axis must hold three numbers, got ", axis.size());
    p.tilt_axis = {axis[0], axis[1], axis[2]};
    p.r0_identity = j.value("r0_identity", false);
    p.radius_min = j.at("radius_min").get<double>();
    p.radius_max = j.at("radius_max").get<double>();
    p.seed = j.at("seed").get<uint64_t>();
    p.first_index = j.at("first_index").get<uint64_t>();
    p.supersample = j.at("supersample").get<int>();
    p.exponent = j.at("exponent").get<double>();
    p.blur = j.at("blur").get<double>();
    p.dose = j.at("dose").get<double>();
    p.noise = j.at("noise").get<double>();
    p.validate();
    if (p.task == "single-axis") {
      const auto r = j.at("r0").get<std::vector<double>>();
      const Quat r0 = single_axis_r0(p);
      SG_CHECK(r.size() == 4 && std::fabs(r[0] - r0.w) + std::fabs(r[1] - r0.x) +
                                        std::fabs(r[2] - r0.y) + std::fabs(r[3] - r0.z) < 1e-9,
               "r0 is not the rotation its seed gives");
    }
  } catch (const nlohmann::json::exception& e) {
    fail(what, ": ", e.what());
  } catch (const Error& e) {
    fail(what, ": ", e.what());
  }
  return p;
}

GenParams tilt_pairs_training_params(const nlohmann::json& j, const GenParams& model,
                                     const std::vector<int64_t>& image_shape, const std::string& what) {
  const Gen3dParams g = params3d_from_json(j, what);
  SG_CHECK(image_shape == std::vector<int64_t>({g.count, 2, g.size, g.size}), what, " describes ",
           g.count, " pairs of ", g.size, " x ", g.size, " images, but the images file holds another shape");
  SG_CHECK(g.task == "single-axis", what, ": task '", g.task,
           "': only the single-axis task has a model (docs/particles3d.md)");
  const Ambiguity a = single_axis_ambiguity(make_polyhedron(g.shape, g.ino), single_axis_r0(g), g.tilt_axis);
  const int k = int(std::lround(360.0 / a.period_deg));
  SG_CHECK(!a.fold, what, ": this R0 makes alpha and ", a.fold_deg,
           " - alpha look alike (a mirror fold), which a model of sin/cos n alpha cannot learn; "
           "generate with a random R0 (without --axis-aligned)");
  const int order = ParticleShape::make(model.shape, model.sides).order();
  SG_CHECK(order == k, what, ": the single-axis task has period ", a.period_deg, " deg, so the model's order must be ",
           k, ", but data.shape '", model.shape, "' has order ", order,
           k == 1 ? " (use data.shape \"s\", order 1)" : "");
  GenParams p = model;
  p.stereo_angle_deg = g.stereo_angle_deg;
  p.count = g.count;
  p.size = g.size;
  p.projection = false;
  p.normalise_size = 0;
  return p;
}

nlohmann::json to_json(const Gen3dParams& p) {
  const Polyhedron poly = make_polyhedron(p.shape, p.ino);
  const Vec3 a = normalised(p.tilt_axis);
  nlohmann::json j{{"format", kTiltPairsFormat},
                   {"version", 1},
                   {"shape", p.shape},
                   {"group", poly.group_name},
                   {"group_order", poly.group.size()},
                   {"count", p.count},
                   {"size", p.size},
                   {"layout", "images [N, 2, H, W]; orientations [N, 4] (w, x, y, z) of image 0; sizes [N] circumradius px"},
                   {"stereo_angle_deg", p.stereo_angle_deg},
                   {"tilt_axis", {a.x, a.y, a.z}},
                   {"partner", "R2 = R_axis(stereo_angle) R, lab frame x right, y down, z beam"},
                   {"task", p.task},
                   {"radius_min", p.radius_min},
                   {"radius_max", p.radius_max},
                   {"seed", p.seed},
                   {"first_index", p.first_index},
                   {"rng", "sample i: sg::Rng(seed, first_index + i)"},
                   {"supersample", p.supersample},
                   {"exponent", p.exponent},
                   {"blur", p.blur},
                   {"dose", p.dose},
                   {"noise", p.noise}};
  if (p.shape == "decahedron") j["ino"] = p.ino;
  if (p.task == "single-axis") {
    const Quat r0 = single_axis_r0(p);
    j["r0"] = {r0.w, r0.x, r0.y, r0.z};
    j["r0_identity"] = p.r0_identity;
  }
  return j;
}

namespace {

void generate_sample(const Gen3dParams& p, const Polyhedron& poly, const Quat& r0, const Quat& tilt,
                     uint64_t index, float* images, float* orientation, float* size_out) {
  Rng rng(p.seed, index);
  const Vec3 axis = normalised(p.tilt_axis);
  Quat q = p.task == "full" ? random_rotation(rng) : mul(axis_angle(axis, 360 * rng.uniform()), r0);
  const float qf[4] = {float(q.w), float(q.x), float(q.y), float(q.z)};
  q = normalised(Quat{qf[0], qf[1], qf[2], qf[3]});
  const double size = double(p.size);
  const double radius = double(float(size * rng.uniform(p.radius_min, p.radius_max)));
  const double cx = rng.uniform(radius + 1, size - radius - 1);
  const double cy = rng.uniform(radius + 1, size - radius - 1);
  for (int k = 0; k < 4; ++k) orientation[k] = qf[k];
  *size_out = float(radius);
  const int64_t n = p.size * p.size;
  for (int k = 0; k < 2; ++k) {
    float* img = images + k * n;
    render_thickness(poly, Pose3d{k == 0 ? q : mul(tilt, q), cx, cy, radius}, p.supersample,
                     p.exponent, p.size, p.size, img);
    gaussian_blur(img, p.size, p.size, p.blur);
    if (p.dose > 0) add_shot_noise(img, size_t(n), p.dose, rng);
    if (p.noise > 0) add_uniform_noise(img, size_t(n), p.noise, rng);
  }
}

}  // namespace

Dataset3d generate_3d(const Gen3dParams& p) {
  p.validate();
  const Polyhedron poly = make_polyhedron(p.shape, p.ino);
  const Quat r0 = single_axis_r0(p), tilt = axis_angle(p.tilt_axis, p.stereo_angle_deg);
  Dataset3d ds;
  ds.params = p;
  const int64_t n = p.size * p.size;
  ds.images.resize(size_t(p.count * 2 * n));
  ds.orientations.resize(size_t(p.count * 4));
  ds.sizes.resize(size_t(p.count));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < p.count; ++i)
    generate_sample(p, poly, r0, tilt, p.first_index + uint64_t(i), ds.images.data() + i * 2 * n,
                    ds.orientations.data() + i * 4, ds.sizes.data() + i);
  return ds;
}

}  // namespace sg

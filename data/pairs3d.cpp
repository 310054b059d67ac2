#include "data/pairs3d.h"

#include <cmath>

#include "data/blur.h"
#include "data/noise.h"
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

nlohmann::json to_json(const Gen3dParams& p) {
  const Polyhedron poly = make_polyhedron(p.shape, p.ino);
  const Vec3 a = normalised(p.tilt_axis);
  nlohmann::json j{{"format", "stereograd-tilt-pairs-3d"},
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

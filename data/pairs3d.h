// Tilt pairs of 3-D polyhedral particles (issue 22): per sample one particle imaged at
// orientation R and again after the holder is tilted by delta about its axis a:
//   R2 = R_a(delta) R       (lab-frame rotation, data/rotation.h conventions).
// Orientation: task "full": R uniform on SO(3); task "single-axis": R = R_a(alpha) R0,
// alpha uniform in [0, 360), R0 fixed by the seed (random_rotation(Rng(seed, 2^64 - 1))),
// or the identity with r0_identity. Circumradius uniform in [radius_min, radius_max] *
// size pixels; centre uniform in [r + 1, size - r - 1]^2, so every orientation is in frame.
//
// Sample i draws from Rng(seed, first_index + i) only, in this order: the orientation
// (three uniforms, or one for alpha), radius, cx, cy, then per image its shot noise and
// its uniform noise; so the bytes are the same for any thread count. The stored float32
// quaternion (w >= 0) and radius are exactly what is rendered.
// Per image: thickness (data/thickness.h), probe blur sigma `blur` px (data/blur.h), shot
// noise at `dose` electrons per pixel per pixel of thickness, uniform U[0, noise).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/pairs.h"
#include "data/polyhedra.h"

namespace sg {

struct Gen3dParams {
  std::string shape = "cube";
  double ino = 0.8;  // decahedron only (data/polyhedra.h)
  int64_t count = 1000;
  int64_t size = 64;
  double stereo_angle_deg = 10;  // delta, in (0, 90)
  std::string task = "full";     // full | single-axis
  Vec3 tilt_axis{1, 0, 0};       // holder axis, lab frame; default the image x axis
  bool r0_identity = false;      // single-axis: R0 = identity instead of from the seed
  double radius_min = 0.15, radius_max = 0.30;  // fractions of size, <= 0.45
  uint64_t seed = 0, first_index = 0;
  int supersample = 1;
  double exponent = 1;
  double blur = 0, dose = 0, noise = 0;

  void validate() const;  // one-line sg::Error naming the bad parameter
};

nlohmann::json to_json(const Gen3dParams& p);  // every parameter, R0, layout

struct Dataset3d {
  Gen3dParams params;
  std::vector<float> images;        // [N, 2, size, size]
  std::vector<float> orientations;  // [N, 4] quaternion (w, x, y, z) of the first image
  std::vector<float> sizes;         // [N] circumradius, pixels
};

// The format tag of params.json (to_json), and the parameters read back from one; errors
// name `what`. A stored R0 must be the one the seed gives (a hand-edited file is refused).
inline constexpr const char* kTiltPairsFormat = "stereograd-tilt-pairs-3d";
bool is_tilt_pairs_json(const nlohmann::json& j);
Gen3dParams params3d_from_json(const nlohmann::json& j, const std::string& what);

// Training a 2-D stereo model on a folder of single-axis tilt pairs (data/dataset_io.h
// calls this for such a params.json): the model's data section `model` with the folder's
// stereo angle, count and size; the images' shape must be the [count, 2, size, size] the
// file states. The model's order n must be the task's
// k = 360 / period (data/single_axis.h; 1 for a random R0, e.g. data.shape "s"), and a
// task with a mirror fold is refused: the angle head reads sin/cos of n alpha, which
// cannot express alpha = c - alpha. normalise_size is 0: the folder's images are raw, so
// a model's size normalisation is applied to them (train/trainer.h folder_data).
GenParams tilt_pairs_training_params(const nlohmann::json& j, const GenParams& model,
                                     const std::vector<int64_t>& image_shape, const std::string& what);

Quat single_axis_r0(const Gen3dParams& p);  // R0 of the single-axis task
Dataset3d generate_3d(const Gen3dParams& p);  // OpenMP over samples, static schedule

}  // namespace sg

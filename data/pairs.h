// Stereo-pair datasets (report §2.1, §2.4, §2.5): the same particle (same centroid and
// size) imaged at theta and at theta + stereo angle, with noise, preprocessing and
// optionally a 1-D projection.
//
// Sample i is generated from its own counter-based generator Rng(seed, first_index + i)
// and nothing else, so a dataset is the same bytes for any thread count, and a
// dataset generated in pieces (first_index = 0, 1000, ...) equals one generated whole.
// Per sample the generator draws, in this order: theta, radius, cx, cy; then for each
// image in turn its shot noise and its background noise.
//
// The ground-truth angle travels with each sample (Dataset::angles) for evaluation and
// for the explicit supervised mode only: the stereo training objective never reads it.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sg {

struct GenParams {
  std::string shape = "square";  // square | polygon | s | t
  int sides = 0;                 // polygon only, >= 3
  int64_t count = 1000;          // stereo pairs
  int64_t size = 64;             // images are size x size; projections have size values
  double stereo_angle_deg = 10;  // second image at theta + this, in (0, 180)
  double angle_min_deg = 0;      // theta uniform in [angle_min, angle_max), within [0, 360]
  double angle_max_deg = 360;
  double radius_min = 0.15;  // circumradius uniform in [min, max] * size; max <= 0.45
  double radius_max = 0.30;  //   keeps every rotation in frame (2r + 2 < size)
  uint64_t seed = 0;
  uint64_t first_index = 0;  // sample i uses Rng(seed, first_index + i)
  double noise = 1.0;        // uniform background U[0, noise), the report's [0, 1)
  double dose = 0;           // shot noise: electrons per pixel at full coverage; 0 = off
  double threshold = -1;     // noise removal threshold; < 0 means "= noise"
  int supersample = 1;       // k x k sub-samples per pixel; 1 = binary like the report
  bool preprocess = true;    // remove background and centre by mass (data/preprocess.h)
  bool projection = false;   // store 1-D projections [N, 2, size] instead of images
  // Projections only: shift each one so its centre of mass is exactly at size/2 (a
  // Fourier phase ramp, data/projection.h) after the whole-pixel roll of preprocess;
  // a model trained so reads centred input in eval and predict too.
  bool subpixel_centre = false;

  // Variety for a robust model (docs/data.md); the defaults turn each off and leave
  // every sample exactly as without them (no extra random draws).
  int supersample_max = 0;      // > supersample: each pair draws k uniformly in [supersample, this]
  double dose_max = 0;          // > dose > 0: each pair's dose log-uniform in [dose, dose_max]
  double shot_fraction = 1;     // with dose > 0: probability a pair gets shot noise at all
  double blur_max = 0;          // probe blur: Gaussian sigma uniform in [0, blur_max] px, per pair
  double intensity_min = 1;     // each image scaled by a factor uniform in [min, max]
  double intensity_max = 1;     //   after preprocessing (a detector's gain and offset aside)
  // Preprocessing: resample each image so the particle's rms radius is this fraction of
  // the frame (data/preprocess.h normalise_size); 0 = off. Eval and predict apply it too.
  double normalise_size = 0;
  // The fold c of angles.npy's own frame (θ and c − θ project alike), degrees in [0, 360),
  // where that frame is not the truth's: `reconstruct --pseudo-labels` writes the fold it
  // read from the recovered particle. < 0: none recorded (generated data: the shape's own,
  // data/projection_symmetry.h).
  double fold_deg = -1;

  void validate() const;  // throws sg::Error naming the bad parameter
  double effective_threshold() const { return threshold < 0 ? noise : threshold; }
};

// Every generation parameter (and the seed), plus the derived order n and layout, as
// written to params.json. params_from_json reads it back and validates it.
nlohmann::json to_json(const GenParams& p);
GenParams params_from_json(const nlohmann::json& j);
// The same from params.json's text; errors name `what`.
GenParams params_from_text(const std::string& text, const std::string& what);

struct Dataset {
  GenParams params;
  std::vector<float> images;  // [N, 2, size, size] or, with projection, [N, 2, size]
  // [N] theta of the first image, degrees in [0, 360); empty when the ground truth is
  // unknown (a folder trained on without angles.npy: the stereo objective needs none).
  std::vector<float> angles;

  int64_t count() const { return int64_t(images.size()) / sample_floats(); }  // N
  bool has_angles() const { return !angles.empty(); }
  int order() const;  // rotational order n of the shape
  double stereo_angle_deg() const { return params.stereo_angle_deg; }
  std::vector<int64_t> image_shape() const;  // {N, 2, H, W} or {N, 2, L}
  int64_t sample_floats() const;             // floats per pair: 2 H W or 2 L
  const float* pair(int64_t i) const { return images.data() + i * sample_floats(); }
};

// Generates params.count pairs in parallel (OpenMP, static schedule).
Dataset generate(const GenParams& params);

}  // namespace sg

// A small trained model and generated image sets for the tests that drive predict and
// eval end to end (tests/test_predict_warnings.cpp, tests/test_calibration.cpp).
//
// The model is the Difference CNN cheat-trained (supervised, so its zero is the
// renderer's) on 32 px binary squares of circumradius 0.2-0.3 of the frame: a few seconds
// on two cores, and 92-98 % of its answers within 3 degrees on unseen sets of 150.
#pragma once
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "engine/io/npy.h"
#include "tests/cli_run.h"
#include "tests/temp_dir.h"

namespace sg::test {

inline constexpr int64_t kSmallSize = 32;
inline constexpr const char* kSmallGen = "--size 32 --radius-min 0.2 --radius-max 0.3";

// Trains the model into dir/run and returns its checkpoint's path.
inline std::string train_small_model(const TempDir& dir) {
  std::ofstream(dir.file("small.json")) << R"({"name": "small", "mode": "supervised", "curriculum": "none",
    "stages": [1.0], "epochs_per_stage": 4, "final_epochs": 0, "batch": 32, "eval_pairs": 100,
    "test_rotations": 1, "data": {"count": 1024, "size": 32, "radius_min": 0.2, "radius_max": 0.3}})";
  const Run r = run_cli("train --config " + dir.file("small.json") + " --out " + dir.file("run"));
  REQUIRE_MESSAGE(r.status == 0, r.out);
  return dir.file("run/checkpoint.safetensors");
}

struct ImageSet {
  std::string images;         // [N, 1, S, S] .npy: the first image of each generated pair
  std::vector<float> angles;  // their true angles (the renderer's frame)
};

// `gen` with `options` into dir/name, and the first images of its pairs as name.npy.
inline ImageSet generated_set(const TempDir& dir, const std::string& name, const std::string& options) {
  const std::string folder = dir.file(name);
  const Run g = run_cli("gen --out " + folder + " " + options);
  REQUIRE_MESSAGE(g.status == 0, g.out);
  const NpyArray pairs = load_npy(folder + "/images.npy");  // [N, 2, S, S]
  const int64_t n = pairs.shape[0], per = pairs.shape[2] * pairs.shape[3];
  std::vector<float> first;
  for (int64_t i = 0; i < n; ++i)
    first.insert(first.end(), pairs.data.begin() + 2 * i * per, pairs.data.begin() + (2 * i + 1) * per);
  ImageSet s{folder + ".npy", load_npy(folder + "/angles.npy").data};
  save_npy(s.images, {n, 1, pairs.shape[2], pairs.shape[3]}, first.data());
  return s;
}

// The lines of `out` that contain `part`.
inline std::vector<std::string> lines_with(const std::string& out, const std::string& part) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < out.size()) {
    const size_t end = std::min(out.find('\n', at), out.size());
    const std::string line = out.substr(at, end - at);
    if (has(line, part)) lines.push_back(line);
    at = end + 1;
  }
  return lines;
}

}  // namespace sg::test

// predict never answers silently wrong (train/predict_checks.h, train/input_profile.h):
// the checkpoint's preprocessing by default, and warnings naming the images whose
// answers cannot be trusted; none on input like the training images.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "data/angles.h"
#include "data/shapes.h"
#include "engine/io/npy.h"
#include "tests/small_run.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/input_profile.h"
#include "train/predict_checks.h"

using namespace sg;
using sg::test::has;
using sg::test::lines_with;
using sg::test::Run;
using sg::test::run_cli;

namespace {
// A binary square of circumradius `radius` px at the centre of a 32 px frame.
std::vector<float> square(double radius, double theta, float value = 1.0f) {
  const int64_t n = sg::test::kSmallSize;
  std::vector<float> img(size_t(n * n));
  render(ParticleShape::make("square", 0), Pose{n / 2.0, n / 2.0, radius, theta}, 1, n, n, img.data());
  for (float& v : img) v *= value;
  return img;
}
}  // namespace

TEST_CASE("predict warnings: the image list names up to four and counts the rest") {
  CHECK(image_list({3}) == "image 3");
  CHECK(image_list({3, 7}) == "images 3 and 7");
  CHECK(image_list({3, 7, 12, 40}) == "images 3, 7, 12 and 40");
  CHECK(image_list({0, 1, 2, 5, 9}) == "images 0, 1, 2 and 2 more");
}

TEST_CASE("predict warnings: a rendered square's size, intensity and background are measured") {
  // A square of circumradius R covers 2R² pixels: its equivalent radius is R·sqrt(2/π).
  for (double R : {5.0, 9.0, 13.0}) {
    std::vector<float> img = square(R, 20, 0.7f);
    for (float& v : img) v += 0.25f;  // a flat background under it
    const ImageStats s = measure_image(img.data(), 32, 32);
    CHECK(s.particle);
    CHECK_FALSE(s.touches_border);
    CHECK(s.radius_px == doctest::Approx(R * std::sqrt(2 / kPi)).epsilon(0.06));
    CHECK(s.intensity == doctest::Approx(0.95));
    CHECK(s.background == doctest::Approx(0.25));
  }
  const std::vector<float> empty(32 * 32, 0.0f);
  CHECK_FALSE(measure_image(empty.data(), 32, 32).particle);
}

TEST_CASE("predict warnings: big, small, noisy, unfinished and old checkpoints, end to end") {
  namespace fs = std::filesystem;
  const sg::test::TempDir tmp("predict_warn");
  const std::string ck = sg::test::train_small_model(tmp);
  const std::string d = tmp.path.string();
  auto predict = [&](const std::string& ckpt, const std::string& input, const std::string& more = "") {
    return run_cli("predict --checkpoint " + ckpt + " --input " + input + " --output " + d + "/a.npy " + more);
  };

  // The checkpoint records the sizes it was trained on: circumradius 6.4-9.6 px, an
  // equivalent radius of 0.8 times that, within a pixel's rounding.
  const Checkpoint c = read_checkpoint(ck);
  REQUIRE(c.input_profile.is_object());
  const InputProfile prof = profile_from_json(c.input_profile, "test");
  CHECK(prof.radius_px.lo == doctest::Approx(6.4 * std::sqrt(2 / kPi)).epsilon(0.1));
  CHECK(prof.radius_px.hi == doctest::Approx(9.6 * std::sqrt(2 / kPi)).epsilon(0.1));
  CHECK(prof.background.hi == 0.0);  // preprocessed: the noise is gone

  // Input as trained: no warning, and the angles are right.
  const auto normal = sg::test::generated_set(tmp, "normal", std::string(sg::test::kSmallGen) + " --count 40 --seed 5");
  Run r = predict(ck, normal.images);
  CAPTURE(r.out);
  CHECK(r.status == 0);
  CHECK_FALSE(has(r.out, "warning"));
  const std::vector<float> normal_angles = load_npy(d + "/a.npy").data;
  CHECK(evaluate_angles(normal_angles, normal.angles, 4).within[3] >= 85.0);

  // Far larger and far smaller particles: images 3, 7 and 12 of 20.
  std::vector<float> sizes;
  for (int i = 0; i < 20; ++i) {
    const double R = i == 3 || i == 12 ? 14.0 : i == 7 ? 2.5 : 8.0;
    const std::vector<float> img = square(R, 3.0 * i);
    sizes.insert(sizes.end(), img.begin(), img.end());
  }
  save_npy(d + "/sizes.npy", {20, 32, 32}, sizes.data());
  r = predict(ck, d + "/sizes.npy");
  CAPTURE(r.out);
  CHECK(r.status == 0);
  const std::vector<std::string> size_lines = lines_with(r.out, "particle size");
  REQUIRE(size_lines.size() == 1);
  CHECK(has(size_lines[0], "predict: warning: "));
  CHECK(has(size_lines[0], "in images 3, 7 and 12 ("));
  CHECK(lines_with(r.out, "predict: warning:").size() == 1);

  // The same particles with their noise, as an instrument gives them: predict removes it
  // as gen did for the set above, so the answers are those angles exactly; with
  // --no-preprocess they are wrong, and every image is named.
  const auto noisy = sg::test::generated_set(tmp, "noisy", std::string(sg::test::kSmallGen) +
                                                               " --count 40 --seed 5 --no-preprocess");
  r = predict(ck, noisy.images);
  CAPTURE(r.out);
  CHECK(r.status == 0);
  CHECK_FALSE(has(r.out, "warning"));
  CHECK(load_npy(d + "/a.npy").data == normal_angles);
  r = predict(ck, noisy.images, "--no-preprocess");
  CAPTURE(r.out);
  CHECK(r.status == 0);
  CHECK(evaluate_angles(load_npy(d + "/a.npy").data, noisy.angles, 4).within[3] < 50.0);
  const std::vector<std::string> bg = lines_with(r.out, "background outside");
  REQUIRE(bg.size() == 1);
  CHECK(has(bg[0], "in images 0, 1, 2 and 37 more ("));
  CHECK(has(bg[0], "--no-preprocess"));

  // An unfinished checkpoint: its config planned twice the epochs it has done.
  fs::copy_file(ck, d + "/unfinished.safetensors");
  nlohmann::json cfg = to_json(c.config);
  cfg["epochs_per_stage"] = 8;
  set_checkpoint_json(d + "/unfinished.safetensors", "config", cfg);
  r = predict(d + "/unfinished.safetensors", normal.images);
  CAPTURE(r.out);
  CHECK(r.status == 0);
  CHECK(lines_with(r.out, "predict: warning: the checkpoint is unfinished: 4 of 8 epochs").size() == 1);

  // A checkpoint from before the profile was recorded: no input warnings, no failure.
  fs::copy_file(ck, d + "/old.safetensors");
  set_checkpoint_json(d + "/old.safetensors", "input_profile", nullptr);
  CHECK(read_checkpoint(d + "/old.safetensors").input_profile.is_null());
  r = predict(d + "/old.safetensors", d + "/sizes.npy");
  CAPTURE(r.out);
  CHECK(r.status == 0);
  CHECK_FALSE(has(r.out, "warning"));

  // One image twenty times: near-constant answers are reported.
  std::vector<float> same;
  for (int i = 0; i < 20; ++i) same.insert(same.end(), sizes.begin(), sizes.begin() + 32 * 32);
  save_npy(d + "/same.npy", {20, 32, 32}, same.data());
  r = predict(ck, d + "/same.npy");
  CAPTURE(r.out);
  CHECK(lines_with(r.out, "predict: warning: the 20 predicted angles spread over only").size() == 1);
}

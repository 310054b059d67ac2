// Calibration (train/calibration.h): eval stores the offset and mirror it finds, predict
// --calibrated applies them, predict --reference fixes the zero (and with two references
// the sign) from images of known orientation. Checked against angles made here: a lab
// frame that is the renderer's mirrored and shifted, θlab = 25° − θ.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/angles.h"
#include "engine/error.h"
#include "engine/io/npy.h"
#include "tests/small_run.h"
#include "train/calibration.h"
#include "train/checkpoint.h"

using namespace sg;
using sg::test::has;
using sg::test::Run;
using sg::test::run_cli;

namespace {
constexpr double kLabZero = 25;
double lab_angle(double renderer_deg) { return wrap_positive(kLabZero - renderer_deg); }

// % of `got` within `tol` degrees of `want`, modulo the period.
double within(const std::vector<float>& got, const std::vector<double>& want, double tol, double period = 90) {
  REQUIRE(got.size() == want.size());
  int64_t n = 0;
  for (size_t i = 0; i < got.size(); ++i) n += std::fabs(wrap_symmetric(got[i] - want[i], period)) <= tol;
  return 100.0 * double(n) / double(got.size());
}
}  // namespace

TEST_CASE("calibration: the calibrated angle undoes an offset and a mirror, modulo the period") {
  for (bool mirrored : {false, true})
    for (double c : {-30.0, 0.0, 17.5}) {
      Calibration cal;
      cal.offset_deg = c, cal.mirrored = mirrored, cal.period_deg = 90;
      for (double t : {0.0, 12.0, 44.9, 89.5}) {
        const double p = wrap_positive(mirrored ? c - t : t + c, 90);  // what such a model reads
        CHECK(std::fabs(wrap_symmetric(calibrated_angle(cal, p) - t, 90)) < 1e-9);
        CHECK(calibrated_angle(cal, p) >= 0.0);
        CHECK(calibrated_angle(cal, p) < 90.0);
      }
    }
  Calibration back = calibration_from_json(to_json(Calibration{12.5, true, 72, {{"on", "x"}}}), "t");
  CHECK(back.offset_deg == 12.5);
  CHECK(back.mirrored);
  CHECK(back.period_deg == 72);
  CHECK_THROWS_WITH_AS(calibration_from_json({{"offset_deg", 1}, {"period_deg", 90}}, "ck"),
                       "ck: the calibration's 'mirrored' is missing", Error);
}

TEST_CASE("calibration: one reference fixes the zero, two also the sign") {
  const double c = 33, P = 90;
  const std::vector<double> truth{10, 31, 70, 85};
  for (bool mirrored : {false, true}) {
    std::vector<float> read;
    for (double t : truth) read.push_back(float(wrap_positive(mirrored ? c - t : t + c, P)));
    // One reference, the sign told (a stored calibration's): every angle comes out right.
    const Calibration one = calibration_from_references({read[0]}, {truth[0]}, P, mirrored);
    // Two references find the sign themselves.
    const Calibration two = calibration_from_references({read[1], read[2]}, {truth[1], truth[2]}, P, std::nullopt);
    CHECK(two.mirrored == mirrored);
    for (size_t i = 0; i < truth.size(); ++i) {
      CHECK(std::fabs(wrap_symmetric(calibrated_angle(one, read[i]) - truth[i], P)) < 1e-4);
      CHECK(std::fabs(wrap_symmetric(calibrated_angle(two, read[i]) - truth[i], P)) < 1e-4);
    }
  }
  // References half a period apart read the same under either sign: refused.
  CHECK_THROWS_WITH_AS(calibration_from_references({10.0f, 55.0f}, {0, 45}, P, std::nullopt),
                       doctest::Contains("too close to 0 or half the period"), Error);
}

TEST_CASE("calibration: eval stores it, predict --calibrated and --reference give the lab's angles") {
  namespace fs = std::filesystem;
  const sg::test::TempDir tmp("calibration");
  const std::string ck = sg::test::train_small_model(tmp);
  const std::string d = tmp.path.string();

  // A labelled folder in the lab's frame: eval finds the mirror and the offset 25°.
  const auto labelled = sg::test::generated_set(tmp, "lab", std::string(sg::test::kSmallGen) + " --count 150 --seed 11");
  std::vector<float> lab;
  for (float t : labelled.angles) lab.push_back(float(lab_angle(t)));
  save_npy(d + "/lab/angles.npy", {int64_t(lab.size())}, lab.data());
  Run e = run_cli("eval --checkpoint " + ck + " --data " + d + "/lab");
  CAPTURE(e.out);
  REQUIRE(e.status == 0);
  CHECK(has(e.out, "calibration stored in the checkpoint and " + d + "/run/calibration.json"));
  const nlohmann::json stored = nlohmann::json::parse(std::ifstream(d + "/run/calibration.json"));  // the default --out
  CHECK(stored["mirrored"] == true);
  CHECK(std::fabs(wrap_symmetric(stored["offset_deg"].get<double>() - kLabZero, 90)) < 1.0);
  CHECK(read_checkpoint(ck).calibration == stored);

  // Unseen images: --calibrated answers in the lab's frame.
  const auto test = sg::test::generated_set(tmp, "test", std::string(sg::test::kSmallGen) + " --count 60 --seed 12");
  std::vector<double> want;
  for (float t : test.angles) want.push_back(lab_angle(t));
  const std::string predict = "predict --checkpoint " + ck + " --input " + test.images + " --output " + d + "/a.npy";
  Run p = run_cli(predict + " --calibrated");
  CAPTURE(p.out);
  REQUIRE(p.status == 0);
  CHECK(has(p.out, "calibrated: offset"));
  CHECK(within(load_npy(d + "/a.npy").data, want, 4.0) >= 90.0);
  REQUIRE(run_cli(predict).status == 0);  // uncalibrated: the renderer's frame, not the lab's
  CHECK(within(load_npy(d + "/a.npy").data, want, 4.0) < 50.0);

  // One reference image at its known lab angle (the stored mirror gives the sign).
  const NpyArray images = load_npy(test.images);
  const int64_t per = 32 * 32;
  save_npy(d + "/ref1.npy", {1, 32, 32}, images.data.data());
  p = run_cli(predict + " --reference " + d + "/ref1.npy --reference-angle " + std::to_string(want[0]));
  CAPTURE(p.out);
  REQUIRE(p.status == 0);
  CHECK(within(load_npy(d + "/a.npy").data, want, 5.0) >= 90.0);

  // Without a stored calibration, two references find the mirror themselves.
  fs::copy_file(ck, d + "/plain.safetensors");
  set_checkpoint_json(d + "/plain.safetensors", "calibration", nullptr);
  size_t j = 1;  // a second reference 15-30° from the first in the lab's frame
  while (std::fabs(wrap_symmetric(want[j] - want[0], 90)) < 15 || std::fabs(wrap_symmetric(want[j] - want[0], 90)) > 30) ++j;
  std::vector<float> two(images.data.begin(), images.data.begin() + per);
  two.insert(two.end(), images.data.begin() + int64_t(j) * per, images.data.begin() + int64_t(j + 1) * per);
  save_npy(d + "/ref2.npy", {2, 32, 32}, two.data());
  const std::string plain = "predict --checkpoint " + d + "/plain.safetensors --input " + test.images + " --output " + d + "/a.npy";
  p = run_cli(plain + " --reference " + d + "/ref2.npy --reference-angle " + std::to_string(want[0]) + "," +
              std::to_string(want[j]));
  CAPTURE(p.out);
  REQUIRE(p.status == 0);
  CHECK(has(p.out, "mirrored"));
  CHECK(within(load_npy(d + "/a.npy").data, want, 5.0) >= 90.0);

  // Refusals: no calibration stored (exit 1), options that do not go together (exit 2).
  sg::test::one_line_error(run_cli(plain + " --calibrated"), "holds no calibration; run stereograd eval");
  CHECK(run_cli(plain + " --reference " + d + "/ref1.npy").status == 2);
  CHECK(run_cli(predict + " --calibrated --reference " + d + "/ref1.npy --reference-angle 3").status == 2);
  sg::test::one_line_error(run_cli(plain + " --reference " + d + "/ref2.npy --reference-angle 3"),
                           "--reference-angle gives 1 angle");
}

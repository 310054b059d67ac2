// The 3-D single-axis task end to end through the CLI (gen, train, eval, predict) on a
// tiny set, and the figures eval writes (train/eval3d_figures.h, data/plot_picture.h):
// each is a PNG of the size its layout gives, and a point or a needle lands on the pixel
// an independent computation (the layout's formula, alpha from orientations.npy) says.
#include <doctest/doctest.h>
#include <png.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/angles.h"
#include "data/pairs3d.h"
#include "data/plot_picture.h"
#include "data/single_axis.h"
#include "engine/io/npy.h"
#include "models/angle_heatmap.h"
#include "tests/cli_run.h"
#include "tests/temp_dir.h"
#include "train/checkpoint.h"
#include "train/input_profile.h"
#include "train/predict_angles.h"

using namespace sg;
using sg::test::has;
using sg::test::one_line_error;
using sg::test::run_cli;
using sg::test::Run;
using sg::test::TempDir;

namespace {

struct Grey {
  uint32_t w = 0, h = 0;
  std::vector<uint8_t> px;
  int at(int64_t i, int64_t j) const { return px[size_t(i) * w + size_t(j)]; }
};

Grey read_png(const std::string& path) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  REQUIRE_MESSAGE(png_image_begin_read_from_file(&img, path.c_str()), path);
  img.format = PNG_FORMAT_GRAY;
  Grey g;
  g.px.resize(PNG_IMAGE_SIZE(img));
  REQUIRE(png_image_finish_read(&img, nullptr, g.px.data(), 0, nullptr));
  g.w = img.width, g.h = img.height;
  return g;
}

// Any pixel of value v within (di, dj) of (i, j).
bool near(const Grey& g, int64_t i, int64_t j, int64_t di, int64_t dj, int v) {
  for (int64_t a = i - di; a <= i + di; ++a)
    for (int64_t b = j - dj; b <= j + dj; ++b)
      if (a >= 0 && b >= 0 && a < g.h && b < g.w && g.at(a, b) == v) return true;
  return false;
}

// The layout of the error plot, from data/plot_picture.h and train/eval3d_figures.h: a
// 400 x 240 frame at (left 40, top 10), 10 px right and 20 px below; x over one period,
// y over [-10, 10] degrees, y up.
constexpr int64_t kLeft = 40, kTop = 10, kW = 400, kH = 240;
int64_t column_of(double x, double period) { return kLeft + std::lround(x / period * (kW - 1)); }
int64_t row_of(double y) { return kTop + std::lround((10 - y) / 20 * (kH - 1)); }

}  // namespace

TEST_CASE("plot picture: points, frame and dial needles land where the layout says") {
  PlotFrame f;
  f.left = 30, f.top = 5, f.width = 101, f.height = 51, f.x0 = 0, f.x1 = 100, f.y0 = -5, f.y1 = 5;
  const Image img = scatter_picture(f, {25, 80, 50}, {2.5, -5, 99}, {0}, 25, 10, 20);
  CHECK(img.w == 30 + 101 + 10);
  CHECK(img.h == 5 + 51 + 20);
  // x 25 → column 30 + 25·100/100 = 55; y 2.5 → row 5 + (5 − 2.5)/10·50 = 17.5 → 18 (lround)
  CHECK(img.at(18, 55) == 0.0f);
  CHECK(img.at(18, 54) == 0.0f);  // the dot is 3 x 3
  CHECK(img.at(18, 57) == 1.0f);  // and no wider
  // y −5 is the bottom row of the frame's inside (row 55), clipped there; y 99 the top (row 5)
  CHECK(img.at(55, 30 + 80) == 0.0f);
  CHECK(img.at(5, 30 + 50) == 0.0f);
  CHECK(img.at(4, 10) == 1.0f);     // outside the frame: paper
  CHECK(img.at(4, 60) == 0.0f);     // the frame's top edge, one row above the data area
  CHECK(img.at(30, 30) == 0.75f);   // the guide at y = 0: row 30, dashed from column 30
  CHECK(img.at(60, 30 + 75) == 0.0f);  // an x tick below the frame at x = 75

  Image dial(40, 40);
  draw_dial(dial, 0, 0, 40, 0.25, 0.5);  // true at 90° (straight up), predicted at 180° (left)
  const double c = 19.5, r = 18;
  CHECK(dial.at(int64_t(std::lround(c - 0.8 * r)), int64_t(std::lround(c))) == 1.0f);  // up: true
  CHECK(dial.at(int64_t(std::lround(c)), int64_t(std::lround(c - 0.4 * r))) == 0.6f);  // left: predicted
  CHECK(dial.at(int64_t(std::lround(c + 0.8 * r)), int64_t(std::lround(c))) == 0.0f);  // down: nothing
  CHECK_THROWS_AS(scatter_picture(f, {1, 2}, {1}, {}, 25), Error);
}

TEST_CASE("particles3d: train, eval figures and predict on a tiny single-axis set") {
  TempDir dir("p3d");
  const std::string g = "--shape cube --task single-axis --size 32 --seed 5 ";
  Run r = run_cli("gen " + g + "--count 256 --pseudo-labels --out " + dir.file("train"));
  REQUIRE_MESSAGE(r.status == 0, r.out);
  r = run_cli("gen " + g + "--count 24 --first-index 1000000 --out " + dir.file("test"));
  REQUIRE_MESSAGE(r.status == 0, r.out);
  std::ofstream(dir.file("h.json")) << R"({"name": "tiny-3d", "model": "heatmap2d", "mode": "supervised",
    "supervised_images": "both", "curriculum": "none", "stages": [1.0], "epochs_per_stage": 3, "final_epochs": 0,
    "batch": 32, "eval_pairs": 1, "heatmap": {"bins": 72, "hidden": 64, "sigma_bins": 1},
    "data": {"shape": "s", "size": 32, "stereo_angle_deg": 10, "normalise_size": 0.173}})";
  r = run_cli("train --config " + dir.file("h.json") + " --data " + dir.file("train") + " --out " + dir.file("run"));
  REQUIRE_MESSAGE(r.status == 0, r.out);
  const std::string ck = dir.file("run/checkpoint.safetensors");

  // The true alpha of each unseen pair, from its quaternion (the test's own reading).
  const NpyArray q = load_npy(dir.file("test/orientations.npy"));
  std::ifstream pj(dir.file("test/params.json"));
  const Gen3dParams params = params3d_from_json(nlohmann::json::parse(pj), "params.json");
  std::vector<double> alpha;
  for (int64_t i = 0; i < 24; ++i) {
    const float* o = q.data.data() + 4 * i;
    alpha.push_back(single_axis_angle(normalised(Quat{o[0], o[1], o[2], o[3]}), single_axis_r0(params), {1, 0, 0}));
  }

  {  // eval writes the plots and the sample grid
    r = run_cli("eval --checkpoint " + ck + " --data " + dir.file("test") + " --match-pairs 4 --out " + dir.file("e"));
    REQUIRE_MESSAGE(r.status == 0, r.out);
    std::ifstream jf(dir.file("e/eval3d.json"));
    const nlohmann::json j = nlohmann::json::parse(jf);
    CHECK(j["match_pairs"] == 4);
    const double period = j["period_deg"];
    CHECK(period == 360);
    for (const char* stem : {"model_single", "model_pair", "match_single", "match_pair", "sync_pairs"}) {
      CAPTURE(stem);
      const Grey plot = read_png(dir.file(std::string("e/error_vs_alpha_") + stem + ".png"));
      CHECK(plot.w == kLeft + kW + 10);
      CHECK(plot.h == kTop + kH + 20);
      CHECK(std::ifstream(dir.file(std::string("e/error_vs_alpha_") + stem + ".svg")).good());
      const Grey samples = read_png(dir.file(std::string("e/samples_") + stem + ".png"));
      const int64_t shown = std::string(stem).rfind("match", 0) == 0 ? 4 : 8, cols = 4, rows = (shown + 3) / 4;
      CHECK(samples.w == cols * (2 * 32 + 1) + (cols + 1) * 4);  // image | dial per cell, 4 px gaps
      CHECK(samples.h == rows * 32 + (rows + 1) * 4);
    }
    // The matcher is exact on noise-free renders (< 0.5°): pair i is a dot at (alpha_i, 0).
    const Grey plot = read_png(dir.file("e/error_vs_alpha_match_single.png"));
    for (int64_t i = 0; i < 4; ++i) {
      CAPTURE(alpha[size_t(i)]);
      CHECK(near(plot, row_of(0), column_of(alpha[size_t(i)], period), 7, 1, 0));
    }
    CHECK_FALSE(near(plot, row_of(8), column_of(alpha[0], period), 1, 1, 0));  // nothing at +8°
    // Its sample grid: cell 0's dial (x 4 + 33, y 4) has the true needle (white) at alpha_0.
    const Grey s = read_png(dir.file("e/samples_match_single.png"));
    const double c = 15.5, len = 0.85 * 14, a = alpha[0] * kPi / 180;
    CHECK(near(s, 4 + std::lround(c - len * std::sin(a)), 4 + 33 + std::lround(c + len * std::cos(a)), 1, 1, 255));
  }

  {  // predict reads images and tilt pairs, alpha over the task's period
    const NpyArray pairs = load_npy(dir.file("test/images.npy"));  // [24, 2, 32, 32]
    std::vector<float> first, second;
    for (int64_t i = 0; i < 24; ++i) {
      first.insert(first.end(), pairs.data.begin() + (2 * i) * 1024, pairs.data.begin() + (2 * i + 1) * 1024);
      second.insert(second.end(), pairs.data.begin() + (2 * i + 1) * 1024, pairs.data.begin() + (2 * i + 2) * 1024);
    }
    save_npy(dir.file("first.npy"), {24, 32, 32}, first.data());
    save_npy(dir.file("first1.npy"), {24, 1, 32, 32}, first.data());
    save_npy(dir.file("second.npy"), {24, 32, 32}, second.data());
    const auto predict = [&](const std::string& in, const std::string& extra = "") {
      const Run p = run_cli("predict --checkpoint " + ck + " --input " + in + " --output " + in + ".out.npy " + extra);
      REQUIRE_MESSAGE(p.status == 0, p.out);
      CHECK(has(p.out, "single-axis task, period 360°, no mirror fold"));
      const NpyArray a = load_npy(in + ".out.npy");
      CHECK(a.shape == std::vector<int64_t>{24});
      for (float v : a.data) CHECK((v >= 0 && v < 360));
      return a.data;
    };
    const std::vector<float> a1 = predict(dir.file("first.npy")), a2 = predict(dir.file("second.npy"));
    CHECK(predict(dir.file("first1.npy")) == a1);  // [N, 1, H, W] is [N, H, W]
    // A pair is read from both images: what the model's own pair reading gives on the
    // images prepared as in training (the CLI's shape handling, split and delta checked).
    const std::vector<float> ap = predict(dir.file("test/images.npy"), "--stereo-angle 10");
    const Checkpoint c = read_checkpoint(ck);
    std::vector<float> prepared = pairs.data;
    prepare_input(c.config, prepared.data(), 48, true);
    std::vector<float> p1, p2;
    split_pairs(prepared.data(), 24, 1024, p1, p2);
    const auto model = model_from_checkpoint(c, Device::CPU);
    const std::vector<float> want = model->predict_pair_deg(Tensor::from_vector(p1, {24, 1, 32, 32}),
                                                            Tensor::from_vector(p2, {24, 1, 32, 32}), 10.0f);
    CHECK(ap == want);
    CHECK(ap != a1);  // not the first image alone
    // --half-turn on: an image flipped top to bottom shows the particle turned by 180° about
    // the tilt axis x, and the view makes the read-outs agree with that exactly.
    std::vector<float> flipped = first;
    half_turn_view(flipped, {24, 1, 32, 32}, false);
    save_npy(dir.file("flipped.npy"), {24, 32, 32}, flipped.data());
    const std::vector<float> on = predict(dir.file("first.npy"), "--half-turn on"),
                             on_flipped = predict(dir.file("flipped.npy"), "--half-turn on");
    for (size_t i = 0; i < 24; ++i) CHECK(std::fabs(wrap_symmetric(double(on_flipped[i]) - on[i] - 180.0, 360.0)) < 0.01);
    // Bad input: one line each, nothing written.
    const std::string base = "predict --checkpoint " + ck + " --output " + dir.file("bad.npy") + " --input ";
    one_line_error(run_cli(base + dir.file("test/images.npy")), "stereo pairs [N, 2, H, W] need their --stereo-angle");
    one_line_error(run_cli(base + dir.file("first.npy") + " --stereo-angle 10"), "--stereo-angle is for stereo pairs");
    one_line_error(run_cli(base + dir.file("test/images.npy") + " --stereo-angle 95"),
                   "--stereo-angle must be in (0, 90)");
    one_line_error(run_cli(base + dir.file("test/images.npy") + " --stereo-angle 0"),
                   "--stereo-angle must be in (0, 90)");
    save_npy(dir.file("three.npy"), {8, 3, 32, 32}, pairs.data.data());
    one_line_error(run_cli(base + dir.file("three.npy")), "has shape [8, 3, 32, 32]");
    std::vector<float> nan = first;
    nan[5000] = NAN;
    save_npy(dir.file("nan.npy"), {24, 32, 32}, nan.data());
    one_line_error(run_cli(base + dir.file("nan.npy")), "expected finite values");
    CHECK_FALSE(std::ifstream(dir.file("bad.npy")).good());
  }

  {  // a task with a shorter period (R0 = identity: 90° and a fold) is plotted over that period
    r = run_cli("gen --shape cube --task single-axis --size 32 --seed 2 --axis-aligned --count 12 --out " +
                dir.file("aligned"));
    REQUIRE_MESSAGE(r.status == 0, r.out);
    r = run_cli("eval --data " + dir.file("aligned") + " --method classical --match-pairs 3 --out " + dir.file("ea"));
    REQUIRE_MESSAGE(r.status == 0, r.out);
    const NpyArray qa = load_npy(dir.file("aligned/orientations.npy"));
    const Grey plot = read_png(dir.file("ea/error_vs_alpha_match_single.png"));
    for (int64_t i = 0; i < 3; ++i) {
      const float* o = qa.data.data() + 4 * i;
      const double a = single_axis_angle(normalised(Quat{o[0], o[1], o[2], o[3]}), Quat{}, {1, 0, 0});
      CAPTURE(a);
      CHECK(near(plot, row_of(0), column_of(std::fmod(a, 90.0), 90), 7, 1, 0));
    }
  }

  {  // eval's one-line refusals: the matcher's pair count and the quaternion file
    one_line_error(run_cli("eval --data " + dir.file("test") + " --method classical --match-pairs 0"),
                   "--match-pairs must be positive");
    one_line_error(run_cli("eval --checkpoint " + ck + " --data " + dir.file("test") + " --method model --match-pairs 3"),
                   "--match-pairs goes with the matcher");
    const std::vector<float> three(24 * 3, 0.5f);
    save_npy(dir.file("test/orientations.npy"), {24, 3}, three.data());
    one_line_error(run_cli("eval --data " + dir.file("test") + " --method classical --out " + dir.file("e2")),
                   "must be [24, 4] quaternions");
    CHECK_FALSE(std::ifstream(dir.file("e2/eval3d.json")).good());
  }
}

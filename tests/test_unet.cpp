// The U-Net and its autoencoder variant (models/unet.h): every layer's shape against
// figure 2.4 (with the corrected channel counts), parameter counts worked out by hand,
// the skip flag removing every path around the angle, the bottleneck's period, the loss
// gradient against finite differences, the same loss on every backend, the config
// section, the angle-sensitivity measurement, and train → eval → perturb → predict
// through the CLI.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/io/npy.h"
#include "engine/ops.h"
#include "models/unet.h"
#include "tests/cli_run.h"
#include "tests/op_harness.h"
#include "train/config.h"
#include "train/sensitivity.h"
#include "train/trainer.h"

using namespace sg;
using test::has;
using test::Run;
using test::run_cli;

namespace {

struct Row {
  const char* name;
  Shape out;  // per sample, NCHW
  int64_t params;
};

void check_layers(Sequential& s, const std::vector<Row>& want) {
  REQUIRE(s.layers().size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const Layer& l = *s.layers()[i];
    CAPTURE(want[i].name);
    CHECK(l.name == want[i].name);
    CHECK(l.output_shape() == want[i].out);
    CHECK(l.parameter_count() == want[i].params);
  }
}

UNetModel make(bool skips, Bottleneck b, int64_t size = 64, Device d = Device::CPU,
               float self_weight = 0.0f, uint64_t seed = 3) {
  UNetOptions o;
  o.skips = skips;
  o.bottleneck = b;
  o.self_weight = self_weight;
  Rng rng(seed, 1);
  return UNetModel(size, 4, o, rng, d);
}

// A batch of images in [0, 1).
Tensor images(int64_t n, int64_t size, uint64_t seed, Device d = Device::CPU) {
  return test::random_tensor({n, 1, size, size}, seed, d, false, 0.0f, 1.0f);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  std::vector<float> x = a.to_vector(), y = b.to_vector();
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(double(x[i]) - y[i]));
  return m;
}

Tensor find(UNetModel& m, const std::string& name) {
  for (NamedTensor& t : m.parameters())
    if (t.name == name) return t.tensor;
  FAIL("no parameter " << name);
  return {};
}

// Moves a freshly initialised model away from its non-smooth points, where a finite
// difference says nothing: the last Conv2DTranspose's bias to 0.5, so its ReLU passes
// every pixel (else most sit at zero or near the kink), and the (S, C) bias to
// (0.6, 0.8), so atan2 is far from its pole at the origin (and ψ from the wrap).
void lift_output(UNetModel& m) {
  Tensor b = find(m, "decoder.conv2d_transpose_3.bias");
  b.copy_from(Tensor::full(b.shape(), 0.5f));
  Tensor sc = find(m, "encoder.dense_1.bias");
  sc.copy_from(Tensor::from_vector({0.6f, 0.8f}, {2}));
}

// Conv 3×3: in·out·9 + out; Dense: in·out + out.
int64_t conv(int64_t in, int64_t out) { return in * out * 9 + out; }
int64_t dense(int64_t in, int64_t out) { return in * out + out; }

}  // namespace

TEST_CASE("unet: every layer's output shape and parameters follow figure 2.4 (4, 8, 16, 32 channels)") {
  for (bool skips : {false, true}) {
    CAPTURE(skips);
    UNetModel m = make(skips, Bottleneck::Angle);
    check_layers(m.encoder(), {{"conv2d", {4, 64, 64}, conv(1, 4)},
                               {"max_pooling2d", {4, 32, 32}, 0},
                               {"dropout", {4, 32, 32}, 0},
                               {"conv2d_1", {8, 32, 32}, conv(4, 8)},
                               {"max_pooling2d_1", {8, 16, 16}, 0},
                               {"dropout_1", {8, 16, 16}, 0},
                               {"conv2d_2", {16, 16, 16}, conv(8, 16)},
                               {"max_pooling2d_2", {16, 8, 8}, 0},
                               {"dropout_2", {16, 8, 8}, 0},
                               {"conv2d_3", {32, 8, 8}, conv(16, 32)},
                               {"flatten", {2048}, 0},
                               {"dense", {16}, dense(2048, 16)},
                               {"dense_1", {2}, dense(16, 2)}});
    // With skips each Conv2DTranspose also reads the encoder map of its size: 32, 16, 8, 4
    // more input channels.
    const int64_t k = skips ? 1 : 0;
    check_layers(m.decoder(), {{"dense", {16}, dense(1, 16)},
                               {"dense_1", {2048}, dense(16, 2048)},
                               {"reshape", {32, 8, 8}, 0},
                               {"conv2d_transpose", {16, 8, 8}, conv(32 + 32 * k, 16)},
                               {"up_sampling2d", {16, 16, 16}, 0},
                               {"dropout", {16, 16, 16}, 0},
                               {"conv2d_transpose_1", {8, 16, 16}, conv(16 + 16 * k, 8)},
                               {"up_sampling2d_1", {8, 32, 32}, 0},
                               {"dropout_1", {8, 32, 32}, 0},
                               {"conv2d_transpose_2", {4, 32, 32}, conv(8 + 8 * k, 4)},
                               {"up_sampling2d_2", {4, 64, 64}, 0},
                               {"dropout_2", {4, 64, 64}, 0},
                               {"conv2d_transpose_3", {1, 64, 64}, conv(4 + 4 * k, 1)}});
  }
}

TEST_CASE("unet: parameter totals, tensor names and Conv2DTranspose layouts, with and without skips") {
  // Counted by hand: encoder 40 + 296 + 1,168 + 4,640 + 32,784 + 34 = 38,962;
  // decoder without skips 32 + 34,816 + 4,624 + 1,160 + 292 + 37 = 40,961;
  // skips add 32·16·9 + 16·8·9 + 8·4·9 + 4·1·9 = 6,084; sincos adds 16 (Dense 2 → 16).
  UNetModel ae = make(false, Bottleneck::Angle), un = make(true, Bottleneck::Angle);
  UNetModel sc = make(false, Bottleneck::SinCos);
  CHECK(ae.encoder().parameter_count() == 38962);
  CHECK(ae.parameter_count() == 38962 + 40961);
  CHECK(un.parameter_count() == 38962 + 40961 + 6084);
  CHECK(sc.parameter_count() == 38962 + 40961 + 16);
  CHECK(find(ae, "decoder.conv2d_transpose.weight").shape() == Shape{32, 16, 3, 3});
  CHECK(find(un, "decoder.conv2d_transpose.weight").shape() == Shape{64, 16, 3, 3});
  CHECK(find(un, "decoder.conv2d_transpose_3.weight").shape() == Shape{8, 1, 3, 3});
  CHECK(find(sc, "decoder.dense.weight").shape() == Shape{16, 2});
  CHECK(find(ae, "encoder.conv2d_3.weight").shape() == Shape{32, 16, 3, 3});
  int64_t n = 0;
  for (NamedTensor& t : un.parameters()) n += t.tensor.numel();
  CHECK(n == un.parameter_count());
  std::ostringstream os;
  un.summary(os);
  CHECK(os.str().find("conv2d_3, conv2d_2, conv2d_1, conv2d") != std::string::npos);
  CHECK_THROWS_WITH_AS(make(true, Bottleneck::Angle, 60), doctest::Contains("multiple of 8"), Error);
}

TEST_CASE("unet: without skips the output depends on the image only through the angle") {
  // Cut the angle's way into the decoder (its first Dense's weights to zero): the
  // autoencoder then draws one image for every input, the U-Net still follows its input
  // through the skips.
  Tensor x = images(3, 32, 11);
  for (bool skips : {false, true}) {
    CAPTURE(skips);
    UNetModel m = make(skips, Bottleneck::SinCos, 32);
    Tensor w = find(m, "decoder.dense.weight");
    w.copy_from(Tensor::zeros(w.shape()));
    Context ctx;
    Tensor y = m.reconstruct(x, {0.1f}, ctx)[0];
    std::vector<float> v = y.to_vector();
    const size_t per = size_t(32 * 32);
    double spread = 0;
    for (size_t i = 0; i < per; ++i)
      spread = std::max({spread, std::fabs(double(v[i]) - v[per + i]), std::fabs(double(v[i]) - v[2 * per + i])});
    if (skips) CHECK(spread > 1e-4);
    else CHECK(spread == 0.0);
  }
}

TEST_CASE("unet: the decoder's angle has the period 360/n, and other shifts change the image") {
  // A shift by one period P = 2π/n is the identity on the code (wrap of ψ + P, or a
  // rotation of (S, C) by 2π); half a period is not.
  const float P = float(2 * M_PI / 4);
  Tensor x = images(2, 32, 12);
  for (Bottleneck b : {Bottleneck::Angle, Bottleneck::SinCos})
    for (bool skips : {false, true}) {
      CAPTURE(skips);
      UNetModel m = make(skips, b, 32);
      lift_output(m);
      Context ctx;
      std::vector<Tensor> y = m.reconstruct(x, {0.05f, 0.05f + P, 0.05f + P / 2}, ctx);
      CHECK(max_abs_diff(y[0], y[1]) < 1e-4);
      CHECK(max_abs_diff(y[0], y[2]) > 1e-4);
    }
}

TEST_CASE("unet: the loss's gradient matches central finite differences") {
  // 8×8 images (the encoder down to 1×1, few ReLU kinks for a step to cross), two pairs,
  // dropout on with fixed masks (a fresh Context per evaluation). The loss is a float, so
  // a difference quotient carries a rounding error of about |loss|·2⁻²³/eps; the
  // tolerance is that floor twice plus 5 % of the tensor's largest gradient.
  const int64_t size = 8;
  Tensor a = images(2, size, 21), b = images(2, size, 22);
  for (Bottleneck bn : {Bottleneck::Angle, Bottleneck::SinCos})
    for (bool skips : {false, true}) {
      CAPTURE(skips);
      CAPTURE(int(bn));
      UNetModel m = make(skips, bn, size, Device::CPU, 0.5f);
      lift_output(m);
      auto loss = [&] {
        Context ctx{true, 7, 0};
        return m.stereo_loss(a, b, 0.17f, ctx);
      };
      for (NamedTensor& p : m.parameters()) p.tensor.zero_grad();
      Tensor l0 = loss();
      l0.backward();
      const double eps = 3e-3;
      const double floor = 2 * std::fabs(l0.item()) * std::ldexp(1.0, -23) / eps;
      for (std::string name : {"encoder.conv2d.weight", "encoder.dense_1.weight",
                               "encoder.dense_1.bias", "decoder.dense.weight",
                               "decoder.conv2d_transpose_2.weight", "decoder.conv2d_transpose_3.bias"}) {
        CAPTURE(name);
        Tensor t = find(m, name);
        std::vector<float> g = t.grad().to_vector(), v = t.to_vector();
        double scale = 0;
        for (float x : g) scale = std::max(scale, double(std::fabs(x)));
        const size_t step = std::max<size_t>(1, v.size() / 12);  // about a dozen elements
        for (size_t i = 0; i < v.size(); i += step) {
          std::vector<float> w = v;
          NoGradGuard ng;
          w[i] = float(v[i] + eps);
          t.copy_from(Tensor::from_vector(w, t.shape()));
          const double up = loss().item();
          w[i] = float(v[i] - eps);
          t.copy_from(Tensor::from_vector(w, t.shape()));
          const double down = loss().item();
          t.copy_from(Tensor::from_vector(v, t.shape()));
          CHECK_MESSAGE(std::fabs((up - down) / (2 * eps) - g[i]) <= 0.05 * scale + 2 * floor,
                        "element " << i << ": autograd " << g[i] << ", finite difference "
                                   << (up - down) / (2 * eps) << " (scale " << scale << ")");
        }
      }
    }
}

TEST_CASE("unet: the same loss and gradients on every backend") {
  Tensor a = images(2, 16, 31), b = images(2, 16, 32);
  std::vector<float> ref_loss;
  std::vector<std::vector<float>> ref_grad;
  for (Device d : test::backends()) {
    CAPTURE(device_name(d));
    for (bool skips : {false, true}) {
      UNetModel m = make(skips, Bottleneck::Angle, 16, d, 0.5f);
      Context ctx{true, 9, 0};
      Tensor loss = m.stereo_loss(a.to(d), b.to(d), 0.17f, ctx);
      loss.backward();
      std::vector<float> g = find(m, "encoder.conv2d.weight").grad().to_vector();
      if (d == Device::CPU) {
        ref_loss.push_back(loss.item());
        ref_grad.push_back(g);
        continue;
      }
      CHECK(loss.item() == doctest::Approx(ref_loss[skips]).epsilon(1e-4));
      std::vector<double> want(ref_grad[skips].begin(), ref_grad[skips].end());
      test::check_close(g, want, 1e-3, 1e-6, "encoder.conv2d.weight gradient");
    }
  }
}

TEST_CASE("unet config: the unet section is validated and round-trips") {
  const auto error_of = test::config_error_of;
  TrainConfig c = config_from_json(nlohmann::json::parse(
      R"({"model": "autoencoder", "wrap": "symmetric", "unet": {"bottleneck": "sincos", "self_weight": 1}})"), "cfg");
  CHECK(c.unet.bottleneck == "sincos");
  CHECK(c.unet.self_weight == 1.0);
  CHECK(c.unet.dropout == 0.1);
  CHECK(to_json(config_from_json(to_json(c), "round trip")) == to_json(c));
  CHECK(error_of(R"({"model": "unet", "unet": {"bottleneck": "cube"}})").find("bottleneck") != std::string::npos);
  CHECK(error_of(R"({"model": "unet", "unet": {"dropuot": 0.1}})").find("unknown key 'dropuot'") != std::string::npos);
  CHECK(error_of(R"({"model": "unet", "unet": {"dropout": 1.5}})").find("dropout") != std::string::npos);
  CHECK(error_of(R"({"model": "unet", "unet": {"self_weight": -1}})").find("self_weight") != std::string::npos);
  CHECK(error_of(R"({"unet": {"dropout": 0.2}})").find("not difference2d") != std::string::npos);
  CHECK(error_of(R"({"model": "unet", "wrap": "centred"})").find("centred") != std::string::npos);
  CHECK(error_of(R"({"model": "unet", "data": {"size": 60}})").find("multiple of 8") != std::string::npos);
  CHECK(error_of(R"({"model": "autoencoder", "data": {"projection": true}})").find("projection") != std::string::npos);
  // A difference config's JSON has no unet section.
  CHECK_FALSE(to_json(config_from_json(nlohmann::json::object(), "cfg")).contains("unet"));
}

TEST_CASE("unet sensitivity: shifted pairs keep their first image, and a decoder without its angle shows none") {
  TrainConfig c = config_from_json(nlohmann::json::parse(
      R"({"model": "autoencoder", "wrap": "symmetric", "unet": {"bottleneck": "sincos"},
          "data": {"size": 32, "count": 8}})"), "cfg");
  Dataset d0 = evaluation_data(c, 6);
  TrainConfig c5 = c;
  c5.data.stereo_angle_deg += 5;
  Dataset d5 = evaluation_data(c5, 6);
  const int64_t per = 32 * 32;
  for (int64_t i = 0; i < 6; ++i) {
    CHECK(std::equal(d0.pair(i), d0.pair(i) + per, d5.pair(i)));       // same first image
    CHECK_FALSE(std::equal(d0.pair(i) + per, d0.pair(i) + 2 * per, d5.pair(i) + per));
  }
  UNetModel m = make(false, Bottleneck::SinCos, 32);
  Sensitivity s = angle_sensitivity(m, c, 6);
  REQUIRE(s.shifts.size() == sensitivity_shifts_deg().size());
  for (const ShiftSensitivity& r : s.shifts) CHECK(r.true_change > 0);
  CHECK(s.shifts.back().true_change > s.shifts.front().true_change);
  CHECK(s.shifts.back().model_change > 0);  // random weights still draw the angle
  Tensor w = find(m, "decoder.dense.weight");
  w.copy_from(Tensor::zeros(w.shape()));
  Sensitivity cut = angle_sensitivity(m, c, 6);
  for (const ShiftSensitivity& r : cut.shifts) CHECK(r.model_change == 0.0);
  CHECK(cut.image_mse > 0);
}


TEST_CASE("unet CLI: summary, train one epoch, eval, perturb, predict, and clear errors") {
  namespace fs = std::filesystem;
  Run s = run_cli("summary unet");
  CHECK(s.status == 0);
  CHECK(has(s.out, "(None, 64, 64, 4)"));
  CHECK(has(s.out, "(None, 8, 8, 32)"));
  CHECK(has(s.out, "Total params (encoder + decoder): 86,007"));
  CHECK(has(run_cli("summary autoencoder").out, "Total params (encoder + decoder): 79,923"));

  const fs::path dir = fs::temp_directory_path() / ("sg_unet_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string d = dir.string();
  std::ofstream(d + "/tiny.json") << R"({"name": "tiny-ae", "model": "autoencoder", "stages": [1.0],
    "epochs_per_stage": 1, "final_epochs": 0, "batch": 16, "eval_pairs": 20, "wrap": "symmetric",
    "unet": {"bottleneck": "sincos", "self_weight": 1},
    "data": {"count": 32, "size": 32}})";
  Run t = run_cli("train --config " + d + "/tiny.json --out " + d + "/run");
  REQUIRE(t.status == 0);
  CHECK(has(t.out, "accuracy on 20 unseen pairs"));
  const std::string ck = d + "/run/checkpoint.safetensors";
  Run e = run_cli("eval --checkpoint " + ck + " --pairs 10");
  CHECK(e.status == 0);
  CHECK(has(e.out, "on 10 unseen pairs"));
  Run p = run_cli("perturb --checkpoint " + ck + " --pairs 8 --out " + d + "/perturb.json");
  CHECK(p.status == 0);
  CHECK(has(p.out, "image MSE"));
  std::ifstream pj(d + "/perturb.json");
  nlohmann::json j = nlohmann::json::parse(pj);
  CHECK(j.at("pairs") == 8);
  CHECK(j.at("shifts").size() == sensitivity_shifts_deg().size());
  CHECK(j.at("unet").at("bottleneck") == "sincos");

  std::vector<float> img(2 * 32 * 32, 0.0f);
  for (int i = 8; i < 24; ++i)
    for (int k = 10; k < 22; ++k) img[size_t(i * 32 + k)] = img[size_t(1024 + i * 32 + k)] = 1.0f;
  save_npy(d + "/x.npy", {2, 32, 32}, img.data());
  CHECK(run_cli("predict --checkpoint " + ck + " --input " + d + "/x.npy --output " + d + "/a.npy").status == 0);
  NpyArray a = load_npy(d + "/a.npy");
  REQUIRE(a.shape == std::vector<int64_t>{2});
  CHECK(a.data[0] == a.data[1]);

  // perturb refuses a Difference Model's checkpoint, naming what it holds.
  std::ofstream(d + "/diff.json") << R"({"stages": [1.0], "epochs_per_stage": 1, "final_epochs": 0,
    "batch": 16, "eval_pairs": 10, "wrap": "symmetric", "data": {"count": 16, "size": 32}})";
  REQUIRE(run_cli("train --config " + d + "/diff.json --out " + d + "/diff").status == 0);
  Run bad = run_cli("perturb --checkpoint " + d + "/diff/checkpoint.safetensors");
  CHECK(bad.status == 1);
  CHECK(has(bad.out, "holds a difference2d model"));
  fs::remove_all(dir);
}

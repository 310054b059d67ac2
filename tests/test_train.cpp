// The trainer's parts: config validation, the curriculum, the evaluation's offset and
// mirror removal, and kill-and-resume giving bit-identical weights.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "engine/error.h"
#include "engine/random.h"
#include "tests/cli_run.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/curriculum.h"
#include "train/evaluate.h"
#include "train/train_full.h"
#include "train/trainer.h"

using namespace sg;

namespace {
std::string temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("sg_test_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}

TrainConfig tiny_config() {
  return config_from_json(nlohmann::json::parse(R"({
    "name": "tiny", "stages": [0.25, 1.0], "epochs_per_stage": 1, "final_epochs": 1,
    "batch": 16, "eval_pairs": 50, "wrap": "symmetric",
    "data": {"shape": "square", "count": 64, "size": 32, "radius_min": 0.2, "radius_max": 0.3}})"),
                          "test config");
}
}  // namespace

TEST_CASE("config: defaults are the report's, and unknown keys and bad values are named") {
  TrainConfig c = config_from_json(nlohmann::json::object(), "empty");
  CHECK(c.batch == 64);
  CHECK(c.data.count == 4096);
  CHECK(c.stages == std::vector<double>{0.02, 0.10, 0.25, 0.33, 1.0});
  CHECK(c.total_epochs() == 30);
  CHECK(c.fraction_at(0) == 0.02);
  CHECK(c.fraction_at(24) == 1.0);
  CHECK(c.fraction_at(29) == 1.0);
  const auto error_of = test::config_error_of;
  CHECK(error_of(R"({"bacth": 64})").find("unknown key 'bacth'") != std::string::npos);
  CHECK(error_of(R"({"batch": "64"})").find("'batch' has the wrong type") != std::string::npos);
  CHECK(error_of(R"({"batch": 0})").find("batch") != std::string::npos);
  CHECK(error_of(R"({"data": {"shape": "hexagon"}})").find("hexagon") != std::string::npos);
  CHECK(error_of(R"({"data": {"stereo_angle_deg": 190}})").find("stereo") != std::string::npos);
  CHECK(error_of(R"({"model": "difference1d"})").find("projection") != std::string::npos);
  CHECK(error_of(R"({"stages": [0.1, 0.5, 0.5]})").find("stages must increase") != std::string::npos);
  CHECK(error_of(R"({"stages": [0.5, 0.2, 1.0]})").find("stages must increase") != std::string::npos);
  // A key twice in one object is an error, at any depth; the same key in two objects is not.
  auto text_error = [](const char* text) {
    try {
      config_from_text(text, "cfg");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(text_error(R"({"batch": 32, "batch": 64})").find("key 'batch' is given twice") != std::string::npos);
  CHECK(text_error(R"({"data": {"size": 32, "size": 64}})").find("key 'size' is given twice") != std::string::npos);
  CHECK(text_error(R"({"name": "a", "data": {"shape": "square"}, "unet": {"name": "b"}})").find("twice") ==
        std::string::npos);
  // The JSON round trip is exact.
  CHECK(to_json(config_from_json(to_json(c), "round trip")) == to_json(c));
}

TEST_CASE("evaluation removes an arbitrary offset and a mirror, modulo 360/n") {
  Rng rng(5);
  std::vector<float> truth, shifted, mirrored;
  for (int i = 0; i < 500; ++i) {
    float t = float(rng.uniform(0, 360));
    double noise = rng.normal() * 0.3;
    truth.push_back(t);
    shifted.push_back(float(std::fmod(t + 37.0 + noise + 720.0, 90.0)));
    mirrored.push_back(float(std::fmod(-t + 12.0 + noise + 720.0, 90.0)));
  }
  Accuracy a = evaluate_angles(shifted, truth, 4);
  CHECK_FALSE(a.mirrored);
  CHECK(a.offset_deg == doctest::Approx(37.0).epsilon(0.01));
  CHECK(a.std_deg == doctest::Approx(0.3).epsilon(0.15));
  CHECK(a.within[3] == 100.0);
  CHECK_FALSE(a.collapsed);
  Accuracy m = evaluate_angles(mirrored, truth, 4);
  CHECK(m.mirrored);
  CHECK(m.within[3] == 100.0);
  // A collapsed model: every prediction the same.
  Accuracy c = evaluate_angles(std::vector<float>(truth.size(), 10.0f), truth, 4);
  CHECK(c.collapsed);
  CHECK(c.within[1] < 10.0);
}

TEST_CASE("similarity curriculum: the closest images are close in angle") {
  GenParams p;
  p.count = 400;
  p.seed = 3;
  Dataset ds = generate(p);
  Ranking r = rank_by_similarity(ds, 0);
  CHECK(r.order.front() == 0);  // the reference is its own closest
  std::vector<int64_t> near = closest(r, 0.05);
  CHECK(near.size() == 20);
  // The closest 5 % by pixels lie within a narrow angular range of the reference
  // (modulo 90°), much narrower than the uniform spread of 22.5° mean distance.
  Ranking by_angle = rank_by_angle(ds, 0);
  double mean_dist = 0;
  for (int64_t i : near) mean_dist += by_angle.score[size_t(i)];
  mean_dist /= double(near.size());
  CHECK(mean_dist < 8.0);
}

TEST_CASE("a run stopped after an epoch and resumed ends with bit-identical weights") {
  TrainConfig cfg = tiny_config();
  const std::string a = temp_dir("full"), b = temp_dir("resumed");
  Trainer full(cfg, a, Device::CPU);
  full.run(false, stderr);
  {
    Trainer part(cfg, b, Device::CPU);
    part.set_epoch_limit(2);
    part.run(false, stderr);
    CHECK(part.epochs_done() == 2);
    CHECK(part.stopped_early());
  }
  CHECK(read_checkpoint(b + "/checkpoint.safetensors").epochs_done == 2);
  Trainer resumed(cfg, b, Device::CPU);
  resumed.run(true, stderr);
  CHECK(resumed.epochs_done() == cfg.total_epochs());
  CHECK(resumed.history().size() == size_t(cfg.total_epochs()));
  std::vector<NamedTensor> pa = full.model().parameters(), pb = resumed.model().parameters();
  for (size_t i = 0; i < pa.size(); ++i) CHECK(pa[i].tensor.to_vector() == pb[i].tensor.to_vector());
  // Resuming with a different config is refused.
  TrainConfig other = cfg;
  other.lr = 0.002;
  Trainer wrong(other, b, Device::CPU);
  CHECK_THROWS_WITH_AS(wrong.run(true, stderr), doctest::Contains("different config"), Error);
  std::filesystem::remove_all(a);
  std::filesystem::remove_all(b);
}

TEST_CASE("resume without a checkpoint names the missing file") {
  const std::string d = temp_dir("none");
  Trainer t(tiny_config(), d, Device::CPU);
  CHECK_THROWS_WITH_AS(t.run(true, stderr), doctest::Contains("checkpoint.safetensors"), Error);
  std::filesystem::remove_all(d);
}

TEST_CASE("every shipped config in configs/ loads and validates") {
  int n = 0;
  for (const auto& f : std::filesystem::directory_iterator(std::string(STEREOGRAD_SOURCE_DIR) + "/configs")) {
    if (f.path().extension() != ".json") continue;
    CAPTURE(f.path().string());
    if (f.path().filename().string().rfind("particle_full_", 0) == 0) {  // train-full's (train/train_full.h)
      std::ifstream in(f.path());
      CHECK_NOTHROW(full_config_from_json(nlohmann::json::parse(in), f.path().string()));
    } else {
      CHECK_NOTHROW(load_config(f.path().string()));
    }
    ++n;
  }
  CHECK(n >= 6);
}

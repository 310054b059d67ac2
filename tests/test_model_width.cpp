// The Difference Model's width option (config keys "filters", "dense"): the built network
// has the closed-form parameter count, trains, has the gradients autograd claims, and a
// wide checkpoint goes through train --resume and eval; old checkpoints (no keys) load as
// the report's network; bad values are refused with one line.
#include <algorithm>
#include <cmath>
#include <fstream>

#include "engine/optim/optimizer.h"
#include "models/difference.h"
#include "tests/cli_run.h"
#include "tests/op_harness.h"
#include "tests/temp_dir.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

using namespace sg;
using namespace sg::test;

namespace {

// Closed form: a k-wide conv has k^d·cin·cout + cout parameters (d = 1 or 2), a Dense
// in·out + out. 2-D convs are 'valid' (side s → s − 2, then pooled to ⌊·/2⌋); 1-D convs
// are 'same' (s → ⌊s/2⌋ after pooling). The flattened length is side^d · filters[2].
int64_t closed_form_parameters(Dims dims, int64_t size, const DifferenceWidth& w) {
  const int64_t k = dims == Dims::Two ? 9 : 3;
  int64_t n = 0, cin = 1, side = size;
  for (int64_t f : w.filters) {
    n += k * cin * f + f;
    cin = f;
    side = dims == Dims::Two ? (side - 2) / 2 : side / 2;
  }
  const int64_t flat = (dims == Dims::Two ? side * side : side) * cin;
  return n + flat * w.dense + w.dense + w.dense * 2 + 2;
}

int64_t parameter_count(DifferenceModel& m) {
  int64_t n = 0;
  for (NamedTensor& t : m.parameters()) n += t.tensor.numel();
  return n;
}

DifferenceWidth wide() {
  DifferenceWidth w;
  w.filters = {8, 12, 10};
  w.dense = 24;
  return w;
}

}  // namespace

TEST_CASE("difference model width: parameter count is the closed form, 2-D and 1-D") {
  DifferenceWidth big;
  big.filters = {32, 64, 64};
  big.dense = 64;
  for (Dims dims : {Dims::Two, Dims::One})
    for (const DifferenceWidth& w : {DifferenceWidth{}, big, wide()}) {
      Rng rng(3);
      DifferenceModel m(dims, 64, 1, Wrap::Symmetric, rng, Device::CPU, w);
      CHECK(parameter_count(m) == closed_form_parameters(dims, 64, w));
    }
  Rng rng(3);
  DifferenceModel report(Dims::Two, 64, 1, Wrap::Symmetric, rng, Device::CPU);
  CHECK(parameter_count(report) == 18690);  // the report's network, the default
  DifferenceModel wider(Dims::Two, 64, 1, Wrap::Symmetric, rng, Device::CPU, big);
  CHECK(parameter_count(wider) == 203394);
}

TEST_CASE("difference model width: a wide model's gradients match finite differences and it trains") {
  // 2-D at 24 px: 22 → 11 → 9 → 4 → 2 → 1, so the head sees 1·1·10 features; 1-D at 16.
  for (Dims dims : {Dims::Two, Dims::One}) {
    CAPTURE(int(dims));
    const int64_t size = dims == Dims::Two ? 24 : 16;
    Rng rng(7);
    DifferenceModel m(dims, size, 1, Wrap::Symmetric, rng, Device::CPU, wide());
    Shape in = difference_input_shape(dims, size);
    in.insert(in.begin(), 2);
    Tensor x = random_tensor(in, 11, Device::CPU, true, 0.0f, 1.0f);
    std::vector<NamedTensor> params = m.parameters();
    // Biases start at zero, which puts a unit fed only by dead ReLUs exactly on its kink,
    // where the central difference sees half the slope autograd does: move them off it.
    uint64_t seed = 20;
    for (NamedTensor& p : params)
      if (p.name.size() > 4 && p.name.compare(p.name.size() - 4, 4, "bias") == 0)
        p.tensor.copy_from(random_tensor(p.tensor.shape(), seed++, Device::CPU, false, -0.2f, 0.2f));
    // Inference context (dropout off), so the features are a fixed function of the
    // inputs and weights; the first conv's kernel and the hidden Dense's bias stand for
    // the weights.
    auto f = [&](const std::vector<Tensor>&) {
      Context ctx;
      return m.features(x, ctx);
    };
    const Tensor& dense_bias = params[params.size() - 3].tensor;  // then the output's w, b
    REQUIRE(dense_bias.shape() == Shape{wide().dense});
    gradcheck("features wrt image", f, {x}, {2e-4, 2e-2, 2e-3});
    gradcheck("features wrt conv 0 weight", f, {params.front().tensor}, {2e-4, 2e-2, 2e-3});
    gradcheck("features wrt hidden dense bias", f, {dense_bias}, {2e-4, 2e-2, 2e-3});

    // One Adam step on the supervised loss lowers it on the same batch.
    Tensor targets = Tensor::from_vector({0.0f, 1.0f, 1.0f, 0.0f}, {2, 2}, Device::CPU);
    AdamParams hp;
    hp.lr = 1e-2f;
    Adam opt(params, hp);
    auto loss_now = [&] {
      Context ctx;
      return m.supervised_loss(x, targets, ctx);
    };
    Tensor loss = loss_now();
    const float before = loss.item();
    REQUIRE(std::isfinite(before));
    opt.zero_grad();
    loss.backward();
    opt.step();
    const float after = loss_now().item();
    CHECK(std::isfinite(after));
    CHECK(after < before);
  }
}

TEST_CASE("difference model width: config keys, defaults and one-line refusals") {
  const TrainConfig d = config_from_json(nlohmann::json::parse("{}"), "cfg");
  CHECK(d.width == DifferenceWidth{});
  const TrainConfig c = config_from_json(
      nlohmann::json::parse(R"({"filters": [32, 64, 64], "dense": 64})"), "cfg");
  CHECK(c.width.filters == std::array<int64_t, 3>{32, 64, 64});
  CHECK(c.width.dense == 64);
  CHECK(config_from_json(to_json(c), "again").width == c.width);  // stored in the checkpoint
  CHECK(has(config_error_of(R"({"filters": [16, 32]})"), "'filters' must list 3 conv widths, got 2"));
  CHECK(has(config_error_of(R"({"filters": [16, 32, 16, 8]})"), "got 4"));
  CHECK(has(config_error_of(R"({"filters": [0, 32, 16]})"), "filters: every conv width must be in [1, 256], got 0"));
  CHECK(has(config_error_of(R"({"filters": [16, 257, 16]})"), "got 257"));
  CHECK(has(config_error_of(R"({"filters": [16, 32.5, 16]})"), "key 'filters' has the wrong type"));
  CHECK(has(config_error_of(R"({"filters": 16})"), "key 'filters' has the wrong type"));
  CHECK(has(config_error_of(R"({"dense": 0})"), "dense: the hidden Dense width must be in [1, 1024], got 0"));
  CHECK(has(config_error_of(R"({"dense": 1025})"), "got 1025"));
  CHECK(has(config_error_of(R"({"dense": 2.5})"), "key 'dense' has the wrong type"));
  CHECK(has(config_error_of(R"({"model": "unet", "dense": 32})"),
            "'filters' and 'dense' are for models difference2d and difference1d ('filters' also for heatmap2d's trunk), not unet"));
  for (const char* bad : {R"({"filters": [16, 32]})", R"({"dense": -3})", R"({"filters": ["a", 1, 1]})"}) {
    const std::string e = config_error_of(bad);
    CHECK(e != "no error");
    CHECK(std::count(e.begin(), e.end(), '\n') == 0);
  }
}

TEST_CASE("difference model width: a wide checkpoint trains, resumes and evaluates, and an old one loads narrow") {
  TempDir dir("width");
  const std::string data = R"("data": {"count": 128, "size": 32, "radius_min": 0.2, "radius_max": 0.3})";
  const std::string common = R"("mode": "supervised", "curriculum": "none", "stages": [1.0], "final_epochs": 0,
    "batch": 32, "eval_pairs": 20, )" + data;
  std::ofstream(dir.file("two.json")) << R"({"filters": [8, 12, 10], "dense": 24, "epochs_per_stage": 2, )" << common << "}";
  const std::string ckpt = dir.file("run/checkpoint.safetensors");
  {  // stopped after one of the two epochs
    Trainer part(load_config(dir.file("two.json")), dir.file("run"), Device::CPU);
    part.set_epoch_limit(1);
    part.run(false, stderr);
    REQUIRE(part.stopped_early());
  }
  REQUIRE(read_checkpoint(ckpt).epochs_done == 1);
  // The second epoch from the checkpoint: resume rebuilds the wide model from the stored
  // config and loads its weights (a width mismatch would fail on the tensor shapes).
  Run r = run_cli("train --config " + dir.file("two.json") + " --out " + dir.file("run") + " --resume");
  REQUIRE_MESSAGE(r.status == 0, r.out);
  Checkpoint c = read_checkpoint(ckpt);
  CHECK(c.epochs_done == 2);
  CHECK(c.config.width == wide());
  {
    auto m = model_from_checkpoint(c, Device::CPU);
    auto* dm = dynamic_cast<DifferenceModel*>(m.get());
    REQUIRE(dm != nullptr);
    CHECK(parameter_count(*dm) == closed_form_parameters(Dims::Two, 32, wide()));
  }
  r = run_cli("eval --checkpoint " + ckpt);
  CHECK_MESSAGE(r.status == 0, r.out);

  // A checkpoint written before the keys existed has none in its config: it loads as the
  // report's network. Its wide weights then no longer fit, which shows the keys are read.
  nlohmann::json cfg = nlohmann::json::parse(read_checkpoint(ckpt).file.metadata.at("config"));
  cfg.erase("filters");
  cfg.erase("dense");
  set_checkpoint_json(ckpt, "config", cfg);
  CHECK(read_checkpoint(ckpt).config.width == DifferenceWidth{});
  CHECK_THROWS_AS(model_from_checkpoint(read_checkpoint(ckpt), Device::CPU), Error);

  std::ofstream(dir.file("narrow.json")) << R"({"epochs_per_stage": 1, )" << common << "}";
  r = run_cli("train --config " + dir.file("narrow.json") + " --out " + dir.file("old"));
  REQUIRE_MESSAGE(r.status == 0, r.out);
  const std::string old = dir.file("old/checkpoint.safetensors");
  cfg = nlohmann::json::parse(read_checkpoint(old).file.metadata.at("config"));
  CHECK(cfg.at("filters") == nlohmann::json{16, 32, 16});
  cfg.erase("filters");
  cfg.erase("dense");
  set_checkpoint_json(old, "config", cfg);
  r = run_cli("eval --checkpoint " + old);
  CHECK_MESSAGE(r.status == 0, r.out);
}

TEST_CASE("difference model width: summary describes a wide network and refuses bad widths") {
  Run r = run_cli("summary difference --filters 32,64,64 --dense 64");
  CHECK_MESSAGE(r.status == 0, r.out);
  CHECK(has(r.out, "Total params: 203,394"));
  one_line_error(run_cli("summary difference --filters 32,64"), "--filters must be three integers");
  one_line_error(run_cli("summary difference --dense 0"), "dense: the hidden Dense width must be in [1, 1024]");
}

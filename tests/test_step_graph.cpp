// The training step as the trainer runs it (train/train_step.h: the input double-buffered
// on a second stream, the device work through StepGraph's capture and replay) against
// today's step, written out here as the reference: the batch made with make_batch, the
// dropout base uploaded, zero_grad, the loss, backward and Adam's step(), one kernel at a
// time. Same bits on every backend, with a short last batch between full ones (a new
// key: new buffers, on the GPU a new graph), and on the CUDA backends no host
// synchronisation once warm. On a GPU the captured step is also checked against the
// same step with option graph=off (uncaptured); without one that case reports skipped.
#include <doctest/doctest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "engine/ops.h"
#include "engine/optim/optimizer.h"
#include "kernels/cuda/api.h"
#include "tests/op_harness.h"
#include "train/batch.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/trainer.h"

using namespace sg;
using namespace sg::test;

namespace {

struct Steps {
  std::vector<float> losses;
  std::vector<std::vector<float>> weights;
  std::vector<int64_t> syncs;  // host synchronisations of each step (CUDA backends)
  int64_t replays = 0;
};

// 10 pairs in batches of 4, 4, 2, two epochs: six steps, the short one twice.
TrainConfig tiny_config(const std::string& mode) {
  TrainConfig c = config_from_json(nlohmann::json::parse(R"({
    "name": "graph", "curriculum": "none", "stages": [1.0], "epochs_per_stage": 1,
    "final_epochs": 0, "batch": 4, "eval_pairs": 10, "supervised_images": "both",
    "data": {"shape": "square", "count": 10, "size": 32, "radius_min": 0.2, "radius_max": 0.3}})"),
                                   "test config");
  c.mode = mode;
  return c;
}

// Today's step: the batch and the supervised targets uploaded as new tensors, the loss of
// both images averaged as the trainer did before train_step.h.
Tensor todays_loss(PairModel& m, const TrainConfig& c, const PairBatch& b, Device d, Context& ctx) {
  if (c.mode != "supervised")
    return m.stereo_loss(b.first, b.second, float(c.data.stereo_angle_deg * M_PI / 180.0), ctx);
  std::vector<float> theta2 = b.theta_deg;
  for (float& t : theta2) t += float(c.data.stereo_angle_deg);
  const Shape rows{int64_t(b.theta_deg.size()), 2};
  Tensor first = m.supervised_loss(
      b.first, Tensor::from_vector(supervised_target_values(b.theta_deg, m.order()), rows, d), ctx);
  Tensor second = m.supervised_loss(
      b.second, Tensor::from_vector(supervised_target_values(theta2, m.order()), rows, d), ctx);
  return scale(add(first, second), 0.5f);
}

int64_t host_syncs(Device d) {
  return d == Device::CPU ? 0 : cuda::cuda_backend(backend_for(d)).host_syncs();
}

// The six steps on `d`, through TrainStep (`train_step`) or today's step.
Steps run_steps(Device d, const std::string& mode, bool train_step) {
  const TrainConfig c = tiny_config(mode);
  const Dataset ds = generate(c.data);
  std::unique_ptr<PairModel> m = build_model(c, d);
  AdamParams hp;
  hp.lr = float(c.lr);
  Adam adam(m->parameters(), hp);
  std::unique_ptr<TrainStep> ts = train_step ? make_train_step(*m, adam, c, d) : nullptr;
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < ds.count(); ++i) idx.push_back((i * 7) % ds.count());  // a fixed order
  Tensor losses = Tensor::zeros({6}, d), base = Tensor::zeros({2}, d);
  const bool supervised = mode == "supervised";
  Steps r;
  int64_t k = 0;
  for (uint64_t epoch = 0; epoch < 2; ++epoch)
    for (size_t b = 0, step = 0; b < idx.size(); b += 4, ++step, ++k) {
      const size_t e = std::min(idx.size(), b + 4);
      const uint64_t stream_base = (epoch << 32) | (uint64_t(step) << 8);
      const int64_t before = host_syncs(d);
      if (ts) {
        ts->upload(gather_batch(ds, idx, b, e, supervised ? m->order() : 0, c.data.stereo_angle_deg));
        ts->run(stream_base);
        backend_for(d).copy(1, ts->loss().data(), losses.data() + k);
      } else {
        const PairBatch batch = make_batch(ds, idx, b, e, d);
        backend_for(d).from_host(base.data(), reinterpret_cast<const float*>(&stream_base), 2);
        Context ctx{true, c.seed, 0, reinterpret_cast<const uint64_t*>(base.data())};
        adam.zero_grad();
        Tensor loss = todays_loss(*m, c, batch, d, ctx);
        backend_for(d).copy(1, loss.data(), losses.data() + k);
        loss.backward();
        adam.step();
      }
      r.syncs.push_back(host_syncs(d) - before);
    }
  r.losses = losses.to_vector();
  for (NamedTensor& p : m->parameters()) r.weights.push_back(p.tensor.to_vector());
  if (ts) r.replays = ts->graph().replays();
  return r;
}

void check_same(const Steps& a, const Steps& b) {
  CHECK(a.losses == b.losses);
  REQUIRE(a.weights.size() == b.weights.size());
  for (size_t i = 0; i < a.weights.size(); ++i) {
    INFO("parameter " << i);
    CHECK(a.weights[i] == b.weights[i]);
  }
}

}  // namespace

TEST_CASE("step graph: the trainer's step gives today's bits, double-buffered, no host sync") {
  for (Device d : backends()) {
    if (d == Device::CUDA) continue;  // the GPU case below
    for (const std::string mode : {"stereo", "supervised"}) {
      INFO("device " << device_name(d) << ", mode " << mode);
      const Steps now = run_steps(d, mode, true), today = run_steps(d, mode, false);
      check_same(now, today);
      // The losses differ from step to step: the steps did train on different batches.
      CHECK(now.losses[0] != now.losses[1]);
      CHECK(now.replays == 0);  // nothing captured: this backend has no graphs
      // The first step of a batch size allocates; after it no step waits for the device.
      for (size_t s = 0; s < now.syncs.size(); ++s)
        if (s != 0 && s != 2) CHECK_MESSAGE(now.syncs[s] == 0, "step " << s + 1);
    }
  }
}

// Without a CUDA device this prints the line CTest reports as skipped.
TEST_CASE("step graph: on the GPU, the captured step's bits are the uncaptured step's") {
  if (!has_backend(Device::CUDA)) {
    std::printf("SKIPPED: no CUDA device on this machine\n");
    return;
  }
  Backend& gpu = backend_for(Device::CUDA);
  REQUIRE(gpu.supports_graphs());
  for (const std::string mode : {"stereo", "supervised"}) {
    INFO("mode " << mode);
    const Steps captured = run_steps(Device::CUDA, mode, true);
    gpu.set_option("graph", "off");
    const Steps plain = run_steps(Device::CUDA, mode, true);
    gpu.set_option("graph", "on");
    const Steps today = run_steps(Device::CUDA, mode, false);
    // Keys (batch, buffer) of the six steps: (4,0) (4,1) (2,0) (4,1) (4,0) (2,1); the
    // first of each is its warm-up, so steps 4 and 5 are captured and replayed.
    CHECK(captured.replays == 2);
    CHECK(plain.replays == 0);
    check_same(captured, plain);
    check_same(captured, today);
  }
}

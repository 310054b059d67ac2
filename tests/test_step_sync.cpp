// A training step without host synchronisation (issue 20): Adam's step count and bias
// correction on the device with one update call for every parameter, the dropout streams'
// base and the loss kept on the device. Checked against today's step, kept here as the reference: Adam as one
// Backend::adam_update per parameter with t and lr_t from the host (itself checked
// against the double-precision reference in test_optim.cpp), the loss read every step.
// The two must give the same bits, on every backend; on the CUDA backends the new step
// must make no host synchronisation once warm, the reference one per step.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "engine/optim/optimizer.h"
#include "kernels/cuda/api.h"
#include "models/difference.h"
#include "tests/op_harness.h"
#include "train/config.h"
#include "train/trainer.h"

using namespace sg;
using namespace sg::test;

namespace {


bool is_cuda(Device d) { return d != Device::CPU; }
int64_t host_syncs(Device d) { return cuda::cuda_backend(backend_for(d)).host_syncs(); }

// Today's Adam: per parameter, adam_update with t counted and lr_t computed on the host.
class HostAdam {
 public:
  explicit HostAdam(std::vector<NamedTensor> params) : params_(std::move(params)) {
    for (NamedTensor& p : params_) {
      m_.push_back(Tensor::zeros(p.tensor.shape(), p.tensor.device()));
      v_.push_back(Tensor::zeros(p.tensor.shape(), p.tensor.device()));
    }
  }
  void step(float lr) {
    AdamParams a;
    a.lr = lr;
    a.step = ++t_;
    for (size_t i = 0; i < params_.size(); ++i) {
      Tensor& p = params_[i].tensor;
      if (!p.has_grad()) continue;
      p.backend().adam_update(p.numel(), a, p.grad_data(), p.data(), m_[i].data(), v_[i].data());
    }
  }
  std::vector<Tensor> m_, v_;

 private:
  std::vector<NamedTensor> params_;
  int64_t t_ = 0;
};

struct Trained {
  std::vector<std::vector<float>> weights, m, v;
  std::vector<float> losses;
  std::vector<int64_t> syncs;  // host synchronisations of each step (CUDA backends)
};

// `steps` Adam steps of the 2-D Difference CNN (dropout on) on fixed random batches, the
// learning rate halved from the third step on; `device_step` picks the new step or today's.
Trained train(Device d, int steps, bool device_step) {
  auto cnn = make_difference_cnn(Dims::Two);
  Rng rng(11);
  const Shape in = difference_input_shape(Dims::Two, 32);
  cnn->build(in, rng, d);
  Adam adam(cnn->parameters());
  HostAdam host_adam(cnn->parameters());
  Shape batch{6};
  batch.insert(batch.end(), in.begin(), in.end());
  Tensor losses = Tensor::zeros({steps}, d);  // the new step's losses, read at the end
  Tensor base = Tensor::zeros({2}, d);         // the new step's dropout stream base (a uint64)
  Trained r;
  for (int s = 0; s < steps; ++s) {
    const int64_t before = is_cuda(d) ? host_syncs(d) : 0;
    const float lr = s < 2 ? 1e-3f : 5e-4f;
    Tensor x = random_tensor(batch, 700 + uint64_t(s), d, false, 0.0f, 1.0f);
    Tensor target = random_tensor({6, 2}, 800 + uint64_t(s), d, false);
    // Today's step passes its streams as values; the new one keeps their base on the device.
    const uint64_t stream = 100 + uint64_t(s) * 10;
    Context ctx{true, 5, stream};
    if (device_step) {
      base.backend().from_host(base.data(), reinterpret_cast<const float*>(&stream), 2);
      ctx = Context{true, 5, 0, reinterpret_cast<const uint64_t*>(base.data())};
    }
    adam.zero_grad();
    Tensor loss = mse(cnn->forward(x, ctx), target);
    if (device_step) {
      loss.backend().copy(1, loss.data(), losses.data() + s);
      loss.backward();
      adam.hyper().lr = lr;
      adam.step();
    } else {
      r.losses.push_back(loss.item());
      loss.backward();
      host_adam.step(lr);
    }
    if (is_cuda(d)) r.syncs.push_back(host_syncs(d) - before);
  }
  if (device_step) r.losses = losses.to_vector();
  std::vector<NamedTensor> params = cnn->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    r.weights.push_back(params[i].tensor.to_vector());
    if (device_step) {
      std::vector<NamedTensor> st = adam.state();  // adam.m.<name>, adam.v.<name> per parameter
      r.m.push_back(st[2 * i].tensor.to_vector());
      r.v.push_back(st[2 * i + 1].tensor.to_vector());
    } else {
      r.m.push_back(host_adam.m_[i].to_vector());
      r.v.push_back(host_adam.v_[i].to_vector());
    }
  }
  return r;
}

// A one-epoch run of the Trainer, `steps` batches of 4 pairs, on `d`; returns the host
// synchronisations it made and its parameters.
std::pair<int64_t, std::vector<std::vector<float>>> trainer_run(Device d, int64_t steps) {
  TrainConfig cfg = config_from_json(nlohmann::json::parse(R"({
    "name": "sync", "mode": "supervised", "curriculum": "none", "stages": [1.0],
    "epochs_per_stage": 1, "final_epochs": 0, "batch": 4, "eval_pairs": 10,
    "data": {"shape": "square", "count": 64, "size": 32, "radius_min": 0.2, "radius_max": 0.3}})"),
                                     "test config");
  cfg.epoch_pairs = 4 * steps;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sg_test_step_sync_" + std::to_string(steps) + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  Trainer t(cfg, dir.string(), d);
  std::FILE* log = std::tmpfile();  // not a terminal: the loss is read once, at the epoch's end
  REQUIRE(log != nullptr);
  const int64_t before = host_syncs(d);
  t.run(false, log);
  const int64_t syncs = host_syncs(d) - before;
  std::fclose(log);
  std::vector<std::vector<float>> w;
  for (NamedTensor& p : t.model().parameters()) w.push_back(p.tensor.to_vector());
  std::filesystem::remove_all(dir);
  return {syncs, w};
}

}  // namespace

TEST_CASE("step sync: Adam's device schedule and one update call give today's bits") {
  for (Device d : sg::test::backends()) {
    INFO("device " << device_name(d));
    const int steps = 4;
    const Trained now = train(d, steps, true), today = train(d, steps, false);
    CHECK(now.losses == today.losses);
    REQUIRE(now.weights.size() == today.weights.size());
    for (size_t i = 0; i < today.weights.size(); ++i) {
      INFO("parameter " << i);
      CHECK(now.weights[i] == today.weights[i]);
      CHECK(now.m[i] == today.m[i]);
      CHECK(now.v[i] == today.v[i]);
    }
    if (!is_cuda(d)) continue;
    // Once warm (the first step allocates gradients and cached blocks), the new step reads
    // nothing back; today's reads its loss every step.
    for (int s = 1; s < steps; ++s) {
      CHECK_MESSAGE(now.syncs[size_t(s)] == 0, "step " << s + 1);
      CHECK_MESSAGE(today.syncs[size_t(s)] >= 1, "step " << s + 1);
    }
  }
}

TEST_CASE("step sync: the trainer's steps make no host synchronisation on the CUDA backends") {
  for (Device d : {Device::CudaOnCpu, Device::CUDA}) {
    if (!has_backend(d)) continue;
    INFO("device " << device_name(d));
    // Twice the steps, the same synchronisations: setup, the epoch's one read of its
    // losses and the checkpoint, none per step.
    const auto four = trainer_run(d, 4), eight = trainer_run(d, 8);
    CHECK(four.first > 0);
    CHECK(eight.first == four.first);
    // The longer run trained on: the steps did run.
    CHECK(eight.second != four.second);
  }
}

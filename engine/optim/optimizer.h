// Optimisers update a fixed list of named parameters from their accumulated gradients.
// Their state (moments, step count) is exposed by name so checkpoints can save it and a
// resumed run continues bit-identically.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/layers/layer.h"

namespace sg {

class Optimizer {
 public:
  explicit Optimizer(std::vector<NamedTensor> params) : params_(std::move(params)) {}
  virtual ~Optimizer() = default;
  virtual std::string type() const = 0;
  // One update from the current gradients (a parameter with no gradient is left alone).
  virtual void step() = 0;
  void zero_grad();

  // State tensors under "<optimiser>.<slot>.<parameter name>", and scalar counters.
  virtual std::vector<NamedTensor> state() = 0;
  virtual std::map<std::string, int64_t> counters() const = 0;
  virtual void set_counters(const std::map<std::string, int64_t>& c) = 0;

 protected:
  std::vector<NamedTensor> params_;
};

// Adam with Keras's defaults and update rule (backend.h gives the formula). The step count
// and bias correction live on the device beside the moments (Backend::adam_schedule), and
// one adam_update_spans call updates every parameter: a step reads nothing back and hands
// the backend the same arguments each time. The host keeps its own count for checkpoints.
class Adam : public Optimizer {
 public:
  Adam(std::vector<NamedTensor> params, AdamParams hp = {});
  std::string type() const override { return "adam"; }
  void step() override;  // count_step() then queue_step()
  // The two halves of step(), for a step captured once and replayed (train/step_graph.h):
  // count_step() is the host's, run every step (the count checkpoints keep; lr uploaded
  // when it changed), queue_step() the device's, the part a capture records (the schedule
  // and the update of every parameter, with the same arguments every step).
  void count_step();
  void queue_step();
  std::vector<NamedTensor> state() override;
  std::map<std::string, int64_t> counters() const override { return {{"step", step_}}; }
  void set_counters(const std::map<std::string, int64_t>& c) override;
  AdamParams& hyper() { return hp_; }

 private:
  // Writes t and, when hp_.lr changed, lr into the device schedule (uploads: no wait).
  void upload_schedule(bool with_step);

  AdamParams hp_;
  std::vector<Tensor> m_, v_;
  int64_t step_ = 0;
  Tensor sched_;             // [t, lr, lr_t] on the parameters' device (kAdamT...)
  float sched_lr_ = -1.0f;   // the lr last written into sched_
  std::vector<AdamSpan> spans_;
};

// Plain SGD, with optional momentum (Keras's form: vel = μ vel - lr g; p += vel).
class Sgd : public Optimizer {
 public:
  Sgd(std::vector<NamedTensor> params, float lr = 0.01f, float momentum = 0.0f);
  std::string type() const override { return "sgd"; }
  void step() override;
  std::vector<NamedTensor> state() override;
  std::map<std::string, int64_t> counters() const override { return {}; }
  void set_counters(const std::map<std::string, int64_t>&) override {}

 private:
  float lr_, momentum_;
  std::vector<Tensor> vel_;
};

}  // namespace sg

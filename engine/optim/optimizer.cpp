#include "engine/optim/optimizer.h"

#include "engine/error.h"

namespace sg {

void Optimizer::zero_grad() {
  for (NamedTensor& p : params_) p.tensor.zero_grad();
}

Adam::Adam(std::vector<NamedTensor> params, AdamParams hp)
    : Optimizer(std::move(params)), hp_(hp) {
  for (NamedTensor& p : params_) {
    m_.push_back(Tensor::zeros(p.tensor.shape(), p.tensor.device()));
    v_.push_back(Tensor::zeros(p.tensor.shape(), p.tensor.device()));
  }
  if (!params_.empty()) {
    sched_ = Tensor::zeros({kAdamScheduleSize}, params_[0].tensor.device());
    upload_schedule(true);
  }
}

void Adam::upload_schedule(bool with_step) {
  Backend& b = sched_.backend();
  if (with_step) {
    const float t = float(step_);
    b.from_host(sched_.data() + kAdamT, &t, 1);
  }
  if (hp_.lr != sched_lr_) {
    b.from_host(sched_.data() + kAdamLr, &hp_.lr, 1);
    sched_lr_ = hp_.lr;
  }
}

void Adam::step() {
  count_step();
  queue_step();
}

void Adam::count_step() {
  SG_CHECK(step_ + 1 < kAdamMaxSteps, "adam: step ", step_ + 1, " is past the ", kAdamMaxSteps,
           " steps the device's float step count holds exactly");
  hp_.step = ++step_;
  if (!params_.empty()) upload_schedule(false);
}

void Adam::queue_step() {
  if (params_.empty()) return;
  // The spans change only when a parameter gets its first gradient.
  spans_.clear();
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i].tensor;
    if (!p.has_grad()) continue;
    SG_CHECK(p.device() == sched_.device(), "adam: parameter '", params_[i].name, "' is on ",
             device_name(p.device()), ", the others on ", device_name(sched_.device()));
    spans_.push_back({p.numel(), p.grad_data(), p.data(), m_[i].data(), v_[i].data()});
  }
  Backend& b = sched_.backend();
  b.adam_schedule(hp_, sched_.data());
  b.adam_update_spans(spans_.data(), int64_t(spans_.size()), hp_, sched_.data());
}

std::vector<NamedTensor> Adam::state() {
  std::vector<NamedTensor> s;
  for (size_t i = 0; i < params_.size(); ++i) {
    s.push_back({"adam.m." + params_[i].name, m_[i]});
    s.push_back({"adam.v." + params_[i].name, v_[i]});
  }
  return s;
}

void Adam::set_counters(const std::map<std::string, int64_t>& c) {
  auto it = c.find("step");
  SG_CHECK(it != c.end() && it->second >= 0, "adam: checkpoint lacks a valid step count");
  SG_CHECK(it->second < kAdamMaxSteps, "adam: checkpoint's step count ", it->second,
           " is past the ", kAdamMaxSteps, " steps the device's float step count holds");
  step_ = it->second;
  if (!params_.empty()) upload_schedule(true);
}

Sgd::Sgd(std::vector<NamedTensor> params, float lr, float momentum)
    : Optimizer(std::move(params)), lr_(lr), momentum_(momentum) {
  SG_CHECK(lr > 0.0f && momentum >= 0.0f && momentum < 1.0f,
           "sgd: need lr > 0 and momentum in [0, 1), got ", lr, " and ", momentum);
  if (momentum_ > 0.0f)
    for (NamedTensor& p : params_) vel_.push_back(Tensor::zeros(p.tensor.shape(), p.tensor.device()));
}

void Sgd::step() {
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor& p = params_[i].tensor;
    if (!p.has_grad()) continue;
    p.backend().sgd_update(p.numel(), lr_, momentum_, p.grad_data(), p.data(),
                           vel_.empty() ? nullptr : vel_[i].data());
  }
}

std::vector<NamedTensor> Sgd::state() {
  std::vector<NamedTensor> s;
  for (size_t i = 0; i < vel_.size(); ++i) s.push_back({"sgd.velocity." + params_[i].name, vel_[i]});
  return s;
}

}  // namespace sg

#include "train/train_step.h"

#include "engine/error.h"

namespace sg {

TrainStep::TrainStep(Adam& opt, Device device, uint64_t seed, LossFn loss)
    : opt_(opt),
      device_(device),
      backend_(backend_for(device)),
      seed_(seed),
      loss_fn_(std::move(loss)),
      graph_(backend_),
      loss_(Tensor::zeros({1}, device)),
      stream_base_(Tensor::zeros({2}, device)) {}

void TrainStep::upload(const HostBatch& b) {
  SG_CHECK(!b.shape.empty() && b.shape[0] > 0, "train step: an empty batch");
  batch_ = b.shape[0];
  buffer_ ^= 1;
  Slot& s = slots_[batch_][size_t(buffer_)];
  PairBatch& p = s.batch;
  const Shape targets{batch_, 2};
  if (!p.first.defined()) {  // this size's buffers, once
    p.first = Tensor::zeros(b.shape, device_);
    p.second = Tensor::zeros(b.shape, device_);
    if (!b.target_first.empty()) {
      p.target_first = Tensor::zeros(targets, device_);
      p.target_second = Tensor::zeros(targets, device_);
    }
  }
  SG_CHECK(p.first.shape() == b.shape, "train step: batch of shape ", shape_str(b.shape),
           " after one of ", shape_str(p.first.shape()), " with as many pairs");
  SG_CHECK(b.target_first.empty() == !p.target_first.defined(),
           "train step: a batch with targets after one without, or the reverse");
  backend_.upload_side(p.first.data(), b.first.data(), p.first.numel(), s.read_until);
  backend_.upload_side(p.second.data(), b.second.data(), p.second.numel(), s.read_until);
  if (p.target_first.defined()) {
    backend_.upload_side(p.target_first.data(), b.target_first.data(), 2 * batch_, s.read_until);
    backend_.upload_side(p.target_second.data(), b.target_second.data(), 2 * batch_, s.read_until);
  }
  p.theta_deg = b.theta_deg;
}

void TrainStep::run(uint64_t stream_base) {
  SG_CHECK(batch_ > 0, "train step: run before any upload");
  Slot& s = slots_.at(batch_)[size_t(buffer_)];
  backend_.from_host(stream_base_.data(), reinterpret_cast<const float*>(&stream_base), 2);
  opt_.count_step();
  backend_.join_side();
  const auto* base = reinterpret_cast<const uint64_t*>(stream_base_.data());
  graph_.run(2 * batch_ + buffer_, [&] {
    opt_.zero_grad();
    Context ctx{true, seed_, 0, base};
    Tensor loss = loss_fn_(s.batch, ctx);
    backend_.copy(1, loss.data(), loss_.data());
    loss.backward();
    opt_.queue_step();
  });
  s.read_until = backend_.mark();
}

}  // namespace sg

#include "models/difference.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/layers/basic.h"
#include "engine/layers/conv.h"
#include "engine/ops.h"

namespace sg {

void DifferenceWidth::validate() const {
  for (int64_t f : filters)
    SG_CHECK(f >= 1 && f <= 256, "filters: every conv width must be in [1, 256], got ", f);
  SG_CHECK(dense >= 1 && dense <= 1024, "dense: the hidden Dense width must be in [1, 1024], got ",
           dense);
}

std::unique_ptr<Sequential> make_difference_cnn(Dims dims, const DifferenceWidth& w) {
  auto m = std::make_unique<Sequential>();
  add_difference_trunk(*m, dims, w);
  m->add<Dense>(w.dense, Activation::Relu);
  m->add<Dense>(2, Activation::None);
  return m;
}

void add_difference_trunk(Sequential& m, Dims dims, const DifferenceWidth& w) {
  w.validate();
  for (int64_t f : w.filters) {
    if (dims == Dims::Two) {
      m.add<Conv2D>(f, 3, Padding::Valid, Activation::Relu);
      m.add<MaxPooling2D>();
    } else {
      m.add<Conv1D>(f, 3, Padding::Same, Activation::Relu);
      m.add<MaxPooling1D>();
    }
    m.add<Dropout>(0.1f);
  }
  m.add<Flatten>();
}

Shape difference_input_shape(Dims dims, int64_t size) {
  return dims == Dims::Two ? Shape{1, size, size} : Shape{1, size};
}

Wrap parse_wrap(const std::string& name) {
  if (name == "report") return Wrap::Report;
  if (name == "symmetric") return Wrap::Symmetric;
  if (name == "centred") return Wrap::Centred;
  fail("unknown wrap '", name, "' (expected report, symmetric or centred)");
}

DifferenceModel::DifferenceModel(Dims dims, int64_t size, int order, Wrap wrap, Rng& rng,
                                 Device device, const DifferenceWidth& width)
    : dims_(dims), size_(size), order_(order), wrap_(wrap),
      cnn_(make_difference_cnn(dims, width)) {
  SG_CHECK(order >= 1, "difference model: rotational order must be >= 1, got ", order);
  cnn_->build(difference_input_shape(dims, size), rng, device);
}

Tensor DifferenceModel::features(const Tensor& images, Context& ctx) {
  return cnn_->forward(images, ctx);
}

Tensor DifferenceModel::predicted_difference(const Tensor& first, const Tensor& second,
                                             float target, Context& ctx) {
  Tensor phi1 = atan2_pairs(features(first, ctx));
  Tensor phi2 = atan2_pairs(features(second, ctx));
  const float two_pi = float(2 * M_PI);
  if (wrap_ == Wrap::Centred)  // wrap(d − t) + t, symmetric about the target
    return scale(wrap_angle(scale(sub(phi2, phi1), 1.0f, -target), two_pi, true), 1.0f, target);
  return wrap_angle(sub(phi2, phi1), two_pi, wrap_ == Wrap::Symmetric);
}

// mse(predicted_difference(...), nδ) in one fused op after the two CNN passes (the
// angle head, wrap and loss and their backward: one launch each way on the GPU).
Tensor DifferenceModel::stereo_loss(const Tensor& first, const Tensor& second, float delta_rad,
                                    Context& ctx) {
  Tensor sc1 = features(first, ctx);
  Tensor sc2 = features(second, ctx);
  return angle_loss(sc1, sc2, float(2 * M_PI), wrap_, float(order_) * delta_rad);
}

Tensor DifferenceModel::supervised_loss(const Tensor& images, const Tensor& targets,
                                        Context& ctx) {
  return mse(features(images, ctx), targets);
}

std::vector<float> DifferenceModel::predict_deg(const Tensor& images) {
  NoGradGuard no_grad;
  Context ctx;  // inference: dropout off
  return angles_to_degrees(atan2_pairs(features(images, ctx)), order_);
}

std::vector<float> angles_to_degrees(const Tensor& phi, int order) {
  std::vector<float> out = phi.to_vector();
  const double period = 360.0 / order;
  for (float& a : out) {
    double deg = std::fmod(double(a) * 180.0 / M_PI / order, period);
    if (deg < 0) deg += period;
    if (deg >= period) deg -= period;  // fmod can round a tiny negative up to period
    a = float(deg);
  }
  return out;
}

}  // namespace sg

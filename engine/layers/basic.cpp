#include "engine/layers/basic.h"

#include "engine/error.h"
#include "engine/ops.h"

namespace sg {

namespace {
// x [N, ...] viewed as [N, target...].
Tensor per_sample_reshape(const Tensor& x, const Shape& target) {
  Shape s{x.dim(0)};
  s.insert(s.end(), target.begin(), target.end());
  return reshape(x, s);
}
}  // namespace

Shape Dense::build_impl(const Shape& in, Rng& rng, Device device) {
  SG_CHECK(units_ > 0, "Dense: units must be positive, got ", units_);
  SG_CHECK(in.size() == 1, "Dense '", name, "' needs a flat input [features], got ",
           shape_str(in), " (add a Flatten layer)");
  params_.push_back({"weight", glorot({units_, in[0]}, in[0], units_, rng, device)});
  params_.push_back({"bias", Tensor::zeros({units_}, device).set_requires_grad(true)});
  return {units_};
}

Tensor Dense::forward_impl(const Tensor& x, Context&) {
  Tensor y = linear(x, params_[0].tensor, params_[1].tensor);
  return act_ == Activation::Relu ? relu(y) : y;
}

Shape MaxPooling2D::build_impl(const Shape& in, Rng&, Device) {
  SG_CHECK(in.size() == 3, "MaxPooling2D '", name, "' needs [C, H, W], got ", shape_str(in));
  return {in[0], in[1] / 2, in[2] / 2};
}
Tensor MaxPooling2D::forward_impl(const Tensor& x, Context&) { return maxpool2d(x); }

Shape MaxPooling1D::build_impl(const Shape& in, Rng&, Device) {
  SG_CHECK(in.size() == 2, "MaxPooling1D '", name, "' needs [C, L], got ", shape_str(in));
  return {in[0], in[1] / 2};
}
Tensor MaxPooling1D::forward_impl(const Tensor& x, Context&) { return maxpool1d(x); }

Shape Dropout::build_impl(const Shape& in, Rng&, Device) {
  SG_CHECK(rate_ >= 0.0f && rate_ < 1.0f, "Dropout: rate must be in [0, 1), got ", rate_);
  return in;
}
Tensor Dropout::forward_impl(const Tensor& x, Context& ctx) {
  return dropout(x, rate_, ctx.training, ctx.seed, ctx.stream++, ctx.stream_base);
}

Shape Reshape::build_impl(const Shape& in, Rng&, Device) {
  SG_CHECK(shape_numel(in) == shape_numel(target_), "Reshape '", name, "': cannot view ",
           shape_str(in), " as ", shape_str(target_));
  return target_;
}
Tensor Reshape::forward_impl(const Tensor& x, Context&) { return per_sample_reshape(x, target_); }

Shape Flatten::build_impl(const Shape& in, Rng& rng, Device d) {
  target_ = {shape_numel(in)};
  return Reshape::build_impl(in, rng, d);
}

Shape UpSampling2D::build_impl(const Shape& in, Rng&, Device) {
  SG_CHECK(in.size() == 3, "UpSampling2D '", name, "' needs [C, H, W], got ", shape_str(in));
  return {in[0], 2 * in[1], 2 * in[2]};
}
Tensor UpSampling2D::forward_impl(const Tensor& x, Context&) { return upsample2x(x); }

}  // namespace sg

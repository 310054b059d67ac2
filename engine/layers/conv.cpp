#include "engine/layers/conv.h"

#include "engine/error.h"
#include "engine/layers/basic.h"
#include "engine/ops.h"

namespace sg {

Tensor ConvLayer::activate(const Tensor& y) const {
  return act_ == Activation::Relu ? relu(y) : y;
}

void ConvLayer::check_config(size_t input_rank, const Shape& in) const {
  SG_CHECK(filters_ > 0 && kernel_ > 0 && kernel_ % 2 == 1, type(),
           ": filters must be positive and the kernel odd, got ", filters_, " and ", kernel_);
  SG_CHECK(in.size() == input_rank, type(), " '", name, "' needs a ",
           input_rank == 3 ? "[C, H, W]" : "[C, L]", " input, got ", shape_str(in));
}

Shape Conv2D::build_impl(const Shape& in, Rng& rng, Device device) {
  check_config(3, in);
  const int64_t C = in[0], k = kernel_, rf = k * k, p = pad();
  params_.push_back({"weight", glorot({filters_, C, k, k}, C * rf, filters_ * rf, rng, device)});
  params_.push_back({"bias", Tensor::zeros({filters_}, device).set_requires_grad(true)});
  return {filters_, in[1] + 2 * p - k + 1, in[2] + 2 * p - k + 1};
}

Tensor Conv2D::forward_impl(const Tensor& x, Context&) {
  return activate(conv2d(x, params_[0].tensor, params_[1].tensor, pad()));
}

bool Conv2D::fuses_with(const Layer& next) const {
  return act_ == Activation::Relu && dynamic_cast<const MaxPooling2D*>(&next);
}

Tensor Conv2D::forward_fused_relu(const Tensor& x) {
  check_input(x);
  return conv2d_relu(x, params_[0].tensor, params_[1].tensor, pad());
}

Tensor Conv2D::forward_fused_pool(const Tensor& x) {
  check_input(x);
  return conv_relu_pool2d(x, params_[0].tensor, params_[1].tensor, pad());
}

Tensor Conv2D::forward_fused_pool_dropout(const Tensor& x, const DropoutMask& m) {
  check_input(x);
  return conv_relu_pool_dropout2d(x, params_[0].tensor, params_[1].tensor, pad(), m);
}

Shape Conv1D::build_impl(const Shape& in, Rng& rng, Device device) {
  check_config(2, in);
  const int64_t C = in[0], k = kernel_, p = pad();
  params_.push_back({"weight", glorot({filters_, C, k}, C * k, filters_ * k, rng, device)});
  params_.push_back({"bias", Tensor::zeros({filters_}, device).set_requires_grad(true)});
  return {filters_, in[1] + 2 * p - k + 1};
}

Tensor Conv1D::forward_impl(const Tensor& x, Context&) {
  return activate(conv1d(x, params_[0].tensor, params_[1].tensor, pad()));
}

bool Conv1D::fuses_with(const Layer& next) const {
  return act_ == Activation::Relu && dynamic_cast<const MaxPooling1D*>(&next);
}

Tensor Conv1D::forward_fused_relu(const Tensor& x) {
  check_input(x);
  return conv1d_relu(x, params_[0].tensor, params_[1].tensor, pad());
}

Tensor Conv1D::forward_fused_pool(const Tensor& x) {
  check_input(x);
  return conv_relu_pool1d(x, params_[0].tensor, params_[1].tensor, pad());
}

Tensor Conv1D::forward_fused_pool_dropout(const Tensor& x, const DropoutMask& m) {
  check_input(x);
  return conv_relu_pool_dropout1d(x, params_[0].tensor, params_[1].tensor, pad(), m);
}

// Keras stores the kernel as (kh, kw, out, in); we keep PyTorch's [in, out, kh, kw].
Shape Conv2DTranspose::build_impl(const Shape& in, Rng& rng, Device device) {
  check_config(3, in);
  const int64_t C = in[0], k = kernel_, rf = k * k, p = pad();
  params_.push_back({"weight", glorot({C, filters_, k, k}, filters_ * rf, C * rf, rng, device)});
  params_.push_back({"bias", Tensor::zeros({filters_}, device).set_requires_grad(true)});
  return {filters_, in[1] - 2 * p + k - 1, in[2] - 2 * p + k - 1};
}

Tensor Conv2DTranspose::forward_impl(const Tensor& x, Context&) {
  return activate(conv_transpose2d(x, params_[0].tensor, params_[1].tensor, pad()));
}

}  // namespace sg

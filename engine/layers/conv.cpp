#include "engine/layers/conv.h"

#include "engine/error.h"
#include "engine/ops.h"

namespace sg {

namespace {
// 'same' pads (k-1)/2 on each side (odd kernels); 'valid' pads nothing.
int64_t pad_of(Padding p, int64_t kernel) { return p == Padding::Same ? (kernel - 1) / 2 : 0; }
Tensor activate(const Tensor& y, Activation a) { return a == Activation::Relu ? relu(y) : y; }
void check_kernel(int64_t filters, int64_t kernel, const char* type) {
  SG_CHECK(filters > 0 && kernel > 0 && kernel % 2 == 1, type,
           ": filters must be positive and the kernel odd, got ", filters, " and ", kernel);
}
}  // namespace

Shape Conv2D::build_impl(const Shape& in, Rng& rng, Device device) {
  check_kernel(filters_, kernel_, "Conv2D");
  SG_CHECK(in.size() == 3, "Conv2D '", name, "' needs a [C, H, W] input, got ", shape_str(in));
  const int64_t C = in[0], k = kernel_, rf = k * k, p = pad_of(padding_, k);
  params_.push_back({"weight", glorot({filters_, C, k, k}, C * rf, filters_ * rf, rng, device)});
  params_.push_back({"bias", Tensor::zeros({filters_}, device).set_requires_grad(true)});
  return {filters_, in[1] + 2 * p - k + 1, in[2] + 2 * p - k + 1};
}

Tensor Conv2D::forward_impl(const Tensor& x, Context&) {
  return activate(conv2d(x, params_[0].tensor, params_[1].tensor, pad_of(padding_, kernel_)), act_);
}

Shape Conv1D::build_impl(const Shape& in, Rng& rng, Device device) {
  check_kernel(filters_, kernel_, "Conv1D");
  SG_CHECK(in.size() == 2, "Conv1D '", name, "' needs a [C, L] input, got ", shape_str(in));
  const int64_t C = in[0], k = kernel_, p = pad_of(padding_, k);
  params_.push_back({"weight", glorot({filters_, C, k}, C * k, filters_ * k, rng, device)});
  params_.push_back({"bias", Tensor::zeros({filters_}, device).set_requires_grad(true)});
  return {filters_, in[1] + 2 * p - k + 1};
}

Tensor Conv1D::forward_impl(const Tensor& x, Context&) {
  return activate(conv1d(x, params_[0].tensor, params_[1].tensor, pad_of(padding_, kernel_)), act_);
}

Shape Conv2DTranspose::build_impl(const Shape& in, Rng& rng, Device device) {
  check_kernel(filters_, kernel_, "Conv2DTranspose");
  SG_CHECK(in.size() == 3, "Conv2DTranspose '", name, "' needs a [C, H, W] input, got ",
           shape_str(in));
  const int64_t C = in[0], k = kernel_, rf = k * k, p = pad_of(padding_, k);
  params_.push_back({"weight", glorot({C, filters_, k, k}, filters_ * rf, C * rf, rng, device)});
  params_.push_back({"bias", Tensor::zeros({filters_}, device).set_requires_grad(true)});
  return {filters_, in[1] - 2 * p + k - 1, in[2] - 2 * p + k - 1};
}

Tensor Conv2DTranspose::forward_impl(const Tensor& x, Context&) {
  return activate(
      conv_transpose2d(x, params_[0].tensor, params_[1].tensor, pad_of(padding_, kernel_)), act_);
}

}  // namespace sg

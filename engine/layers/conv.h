// Convolution layers (Keras Conv1D, Conv2D, Conv2DTranspose; stride 1, bias, optional
// ReLU). Weights in PyTorch's layouts: Conv2D [out, in, kh, kw], Conv1D [out, in, k],
// Conv2DTranspose [in, out, kh, kw].
#pragma once
#include "engine/error.h"
#include "engine/layers/layer.h"

namespace sg {

// What the three share: filters, an odd kernel width, padding and activation.
class ConvLayer : public Layer {
 public:
  ConvLayer(int64_t filters, int64_t kernel, Padding padding, Activation act)
      : filters_(filters), kernel_(kernel), padding_(padding), act_(act) {}

  // Whether this layer with `next` after it is a conv block that one fused op computes
  // (Conv2D + MaxPooling2D or Conv1D + MaxPooling1D, with ReLU), and that op: the same
  // values and gradients as this layer followed by `next`.
  virtual bool fuses_with(const Layer&) const { return false; }
  virtual Tensor forward_fused_pool(const Tensor&) { fail(type(), " has no fused pooling"); }
  // The same block with a training Dropout after the pooling, in one op (its mask m).
  virtual Tensor forward_fused_pool_dropout(const Tensor&, const DropoutMask&) {
    fail(type(), " has no fused pooling");
  }
  // Whether this layer's conv, bias and ReLU run as one op (conv2d_relu / conv1d_relu)
  // when no pooling fuses with it, and that op: the same values and gradients.
  virtual bool fuses_relu() const { return false; }
  virtual Tensor forward_fused_relu(const Tensor&) { fail(type(), " has no fused ReLU"); }

 protected:
  // 'same' pads (k-1)/2 on each side (odd kernels); 'valid' pads nothing.
  int64_t pad() const { return padding_ == Padding::Same ? (kernel_ - 1) / 2 : 0; }
  Tensor activate(const Tensor& y) const;
  void check_config(size_t input_rank, const Shape& in) const;
  int64_t filters_, kernel_;
  Padding padding_;
  Activation act_;
};

class Conv2D : public ConvLayer {
 public:
  using ConvLayer::ConvLayer;
  std::string type() const override { return "Conv2D"; }
  bool fuses_with(const Layer& next) const override;
  Tensor forward_fused_pool(const Tensor& x) override;
  Tensor forward_fused_pool_dropout(const Tensor& x, const DropoutMask& m) override;
  bool fuses_relu() const override { return act_ == Activation::Relu; }
  Tensor forward_fused_relu(const Tensor& x) override;

 protected:
  Shape build_impl(const Shape& in, Rng& rng, Device device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;
};

class Conv1D : public ConvLayer {
 public:
  using ConvLayer::ConvLayer;
  std::string type() const override { return "Conv1D"; }
  bool fuses_with(const Layer& next) const override;
  Tensor forward_fused_pool(const Tensor& x) override;
  Tensor forward_fused_pool_dropout(const Tensor& x, const DropoutMask& m) override;
  bool fuses_relu() const override { return act_ == Activation::Relu; }
  Tensor forward_fused_relu(const Tensor& x) override;

 protected:
  Shape build_impl(const Shape& in, Rng& rng, Device device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;
};

class Conv2DTranspose : public ConvLayer {
 public:
  using ConvLayer::ConvLayer;
  std::string type() const override { return "Conv2DTranspose"; }

 protected:
  Shape build_impl(const Shape& in, Rng& rng, Device device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;
};

}  // namespace sg

// Convolution layers (Keras Conv1D, Conv2D, Conv2DTranspose; stride 1, bias, optional
// ReLU). Weights in PyTorch's layouts: Conv2D [out, in, kh, kw], Conv1D [out, in, k],
// Conv2DTranspose [in, out, kh, kw].
#pragma once
#include "engine/layers/layer.h"

namespace sg {

class Conv2D : public Layer {
 public:
  Conv2D(int64_t filters, int64_t kernel, Padding padding, Activation act)
      : filters_(filters), kernel_(kernel), padding_(padding), act_(act) {}
  std::string type() const override { return "Conv2D"; }

 protected:
  Shape build_impl(const Shape& in, Rng& rng, Device device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;

 private:
  int64_t filters_, kernel_;
  Padding padding_;
  Activation act_;
};

class Conv1D : public Layer {
 public:
  Conv1D(int64_t filters, int64_t kernel, Padding padding, Activation act)
      : filters_(filters), kernel_(kernel), padding_(padding), act_(act) {}
  std::string type() const override { return "Conv1D"; }

 protected:
  Shape build_impl(const Shape& in, Rng& rng, Device device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;

 private:
  int64_t filters_, kernel_;
  Padding padding_;
  Activation act_;
};

class Conv2DTranspose : public Layer {
 public:
  Conv2DTranspose(int64_t filters, int64_t kernel, Padding padding, Activation act)
      : filters_(filters), kernel_(kernel), padding_(padding), act_(act) {}
  std::string type() const override { return "Conv2DTranspose"; }

 protected:
  Shape build_impl(const Shape& in, Rng& rng, Device device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;

 private:
  int64_t filters_, kernel_;
  Padding padding_;
  Activation act_;
};

}  // namespace sg

// The small layers: Dense, MaxPooling1D/2D, Dropout, Flatten, Reshape, UpSampling2D.
#pragma once
#include "engine/layers/layer.h"

namespace sg {

// y = act(x wᵀ + b), w [units, in] (PyTorch's Linear layout).
class Dense : public Layer {
 public:
  Dense(int64_t units, Activation act) : units_(units), act_(act) {}
  std::string type() const override { return "Dense"; }

 protected:
  Shape build_impl(const Shape& in, Rng& rng, Device device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;

 private:
  int64_t units_;
  Activation act_;
};

class MaxPooling2D : public Layer {
 public:
  std::string type() const override { return "MaxPooling2D"; }

 protected:
  Shape build_impl(const Shape& in, Rng&, Device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;
};

class MaxPooling1D : public Layer {
 public:
  std::string type() const override { return "MaxPooling1D"; }

 protected:
  Shape build_impl(const Shape& in, Rng&, Device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;
};

class Dropout : public Layer {
 public:
  explicit Dropout(float rate) : rate_(rate) {}
  std::string type() const override { return "Dropout"; }
  float rate() const { return rate_; }

 protected:
  Shape build_impl(const Shape& in, Rng&, Device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;

 private:
  float rate_;
};

// Reshape to a fixed per-sample shape; Flatten is Reshape to [numel].
class Reshape : public Layer {
 public:
  explicit Reshape(Shape target) : target_(std::move(target)) {}
  std::string type() const override { return "Reshape"; }

 protected:
  Shape build_impl(const Shape& in, Rng&, Device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;
  Shape target_;
};

class Flatten : public Reshape {
 public:
  Flatten() : Reshape({}) {}
  std::string type() const override { return "Flatten"; }

 protected:
  Shape build_impl(const Shape& in, Rng& rng, Device d) override;
};

class UpSampling2D : public Layer {
 public:
  std::string type() const override { return "UpSampling2D"; }

 protected:
  Shape build_impl(const Shape& in, Rng&, Device) override;
  Tensor forward_impl(const Tensor& x, Context& ctx) override;
};

}  // namespace sg

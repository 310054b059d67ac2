// A stack of layers applied in order, with Keras-style automatic names ("conv2d",
// "conv2d_1", ...) and a Keras-style summary() table.
#pragma once
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "engine/layers/layer.h"

namespace sg {

class Sequential {
 public:
  Sequential& add(std::unique_ptr<Layer> layer);
  template <typename L, typename... A>
  Sequential& add(A&&... args) {
    return add(std::make_unique<L>(std::forward<A>(args)...));
  }

  // Builds every layer for a per-sample input shape (no batch axis).
  void build(const Shape& input_shape, Rng& rng, Device device);
  // Applies the layers in order; a conv (ReLU) followed by its max pooling runs as one
  // fused op (ConvLayer::fuses_with) unless set_fusion(false), with the same results.
  Tensor forward(const Tensor& x, Context& ctx);
  void set_fusion(bool on) { fuse_ = on; }

  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const;
  // Every parameter as "<prefix><layer>.<weight|bias>", in layer order.
  std::vector<NamedTensor> parameters(const std::string& prefix = "");
  int64_t parameter_count() const;
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  // Keras's table: layer (type), output shape (batch shown as None), parameter count.
  void summary(std::ostream& os, const std::string& title = "") const;

 private:
  std::vector<std::unique_ptr<Layer>> layers_;
  Shape input_shape_;
  bool fuse_ = true;
};

// 86007 → "86,007": the summaries' parameter counts.
std::string with_thousands(int64_t v);

}  // namespace sg

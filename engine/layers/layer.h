// Layers: Keras-style building blocks over the ops of engine/ops.h. A layer is built once
// for an input shape (without the batch axis), which creates its parameters with Keras's
// default initialisation (glorot_uniform kernels, zero biases) on the chosen device.
// The public call checks the input shape, then runs the layer's forward (tiny-cuda-nn's
// non-virtual-public / virtual-private split). Layers never name a backend.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/random.h"
#include "engine/tensor.h"

namespace sg {

// What a forward pass needs besides its input: training mode (dropout on) and where
// dropout draws its masks. Each dropout call takes the next stream, so a step's masks
// are a pure function of (seed, stream_base, call order).
struct Context {
  bool training = false;
  uint64_t seed = 0;
  uint64_t stream = 0;
  // When set, a device pointer whose value is added to every stream (the trainer keeps
  // the step's part there, so a step's arguments do not change from step to step).
  const uint64_t* stream_base = nullptr;
};

enum class Activation { None, Relu };
enum class Padding { Valid, Same };

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual std::string type() const = 0;  // Keras's class name, e.g. "Conv2D"

  void build(const Shape& input_shape, Rng& rng, Device device);
  Tensor operator()(const Tensor& x, Context& ctx);
  // Throws unless the layer is built and x is [N, input_shape...].
  void check_input(const Tensor& x) const;

  std::string name;  // set by the model, e.g. "conv2d_1"
  bool built() const { return !output_shape_.empty(); }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }
  // Parameters under their stable names ("weight", "bias"), in PyTorch's layouts.
  std::vector<NamedTensor>& parameters() { return params_; }
  int64_t parameter_count() const;

 protected:
  virtual Shape build_impl(const Shape& input_shape, Rng& rng, Device device) = 0;
  virtual Tensor forward_impl(const Tensor& x, Context& ctx) = 0;
  // Glorot-uniform tensor: U(-l, l), l = sqrt(6 / (fan_in + fan_out)).
  static Tensor glorot(const Shape& shape, int64_t fan_in, int64_t fan_out, Rng& rng,
                       Device device);
  std::vector<NamedTensor> params_;

 private:
  Shape input_shape_, output_shape_;
};

}  // namespace sg

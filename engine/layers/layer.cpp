#include "engine/layers/layer.h"

#include <cmath>

#include "engine/error.h"

namespace sg {

void Layer::build(const Shape& input_shape, Rng& rng, Device device) {
  params_.clear();
  input_shape_ = input_shape;
  output_shape_ = build_impl(input_shape, rng, device);
  for (int64_t d : output_shape_)
    SG_CHECK(d > 0, type(), " '", name, "': input ", shape_str(input_shape),
             " gives an empty output ", shape_str(output_shape_));
}

Tensor Layer::operator()(const Tensor& x, Context& ctx) {
  check_input(x);
  return forward_impl(x, ctx);
}

void Layer::check_input(const Tensor& x) const {
  SG_CHECK(built(), type(), " '", name, "' used before it was built");
  SG_CHECK(x.defined(), type(), " '", name, "': undefined input");
  Shape per_sample(x.shape().begin() + (x.rank() ? 1 : 0), x.shape().end());
  SG_CHECK(x.rank() >= 1 && per_sample == input_shape_, type(), " '", name,
           "' expects input [N, ", shape_str(input_shape_).substr(1), " but got ",
           shape_str(x.shape()));
}

int64_t Layer::parameter_count() const {
  int64_t n = 0;
  for (const NamedTensor& p : params_) n += p.tensor.numel();
  return n;
}

Tensor Layer::glorot(const Shape& shape, int64_t fan_in, int64_t fan_out, Rng& rng,
                     Device device) {
  const double limit = std::sqrt(6.0 / double(fan_in + fan_out));
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (float& f : v) f = float(rng.uniform(-limit, limit));
  Tensor t = Tensor::from_vector(v, shape, device);
  t.set_requires_grad(true);
  return t;
}

}  // namespace sg

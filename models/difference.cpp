#include "models/difference.h"

#include "engine/layers/basic.h"
#include "engine/layers/conv.h"

namespace sg {

std::unique_ptr<Sequential> make_difference_cnn(Dims dims) {
  auto m = std::make_unique<Sequential>();
  const int64_t filters[3] = {16, 32, 16};
  for (int64_t f : filters) {
    if (dims == Dims::Two) {
      m->add<Conv2D>(f, 3, Padding::Valid, Activation::Relu);
      m->add<MaxPooling2D>();
    } else {
      m->add<Conv1D>(f, 3, Padding::Same, Activation::Relu);
      m->add<MaxPooling1D>();
    }
    m->add<Dropout>(0.1f);
  }
  m->add<Flatten>();
  m->add<Dense>(16, Activation::Relu);
  m->add<Dense>(2, Activation::None);
  return m;
}

Shape difference_input_shape(Dims dims, int64_t size) {
  return dims == Dims::Two ? Shape{1, size, size} : Shape{1, size};
}

}  // namespace sg

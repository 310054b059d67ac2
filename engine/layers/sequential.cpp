#include "engine/layers/sequential.h"

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <map>
#include <regex>
#include <sstream>

#include "engine/error.h"
#include "engine/layers/basic.h"
#include "engine/layers/conv.h"

namespace sg {

namespace {
// Keras's to_snake_case: Conv2D → conv2d, MaxPooling2D → max_pooling2d,
// Conv2DTranspose → conv2d_transpose.
std::string snake(const std::string& type) {
  std::string s = std::regex_replace(type, std::regex("(.)([A-Z][a-z]+)"), "$1_$2");
  s = std::regex_replace(s, std::regex("([a-z])([A-Z])"), "$1_$2");
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string with_thousands(int64_t v) {
  std::string s = std::to_string(v);
  for (int i = int(s.size()) - 3; i > (v < 0 ? 1 : 0); i -= 3) s.insert(size_t(i), ",");
  return s;
}

Sequential& Sequential::add(std::unique_ptr<Layer> layer) {
  std::map<std::string, int> seen;
  for (auto& l : layers_) seen[l->type()]++;
  int k = seen[layer->type()];
  layer->name = snake(layer->type()) + (k ? "_" + std::to_string(k) : "");
  layers_.push_back(std::move(layer));
  return *this;
}

void Sequential::build(const Shape& input_shape, Rng& rng, Device device) {
  input_shape_ = input_shape;
  Shape s = input_shape;
  for (auto& l : layers_) {
    l->build(s, rng, device);
    s = l->output_shape();
  }
}

Tensor Sequential::forward(const Tensor& x, Context& ctx) {
  Tensor y = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    auto* conv = dynamic_cast<ConvLayer*>(layers_[i].get());
    if (fuse_ && conv && i + 1 < layers_.size() && conv->fuses_with(*layers_[i + 1])) {
      // A Dropout after the pooling joins the block while training: it takes the stream
      // its own call would have taken, so the masks are the same.
      auto* drop = i + 2 < layers_.size() ? dynamic_cast<Dropout*>(layers_[i + 2].get()) : nullptr;
      if (drop && ctx.training && drop->rate() > 0.0f) {
        y = conv->forward_fused_pool_dropout(
            y, DropoutMask{drop->rate(), ctx.seed, ctx.stream++, ctx.stream_base});
        i += 2;  // the pooling and the dropout ran inside the fused op
        continue;
      }
      y = conv->forward_fused_pool(y);
      ++i;  // the pooling layer ran inside the fused op
    } else if (fuse_ && conv && conv->fuses_relu()) {
      y = conv->forward_fused_relu(y);
    } else {
      y = (*layers_[i])(y, ctx);
    }
  }
  return y;
}

const Shape& Sequential::output_shape() const {
  SG_CHECK(!layers_.empty() && layers_.back()->built(), "model used before it was built");
  return layers_.back()->output_shape();
}

std::vector<NamedTensor> Sequential::parameters(const std::string& prefix) {
  std::vector<NamedTensor> out;
  for (auto& l : layers_)
    for (NamedTensor& p : l->parameters()) out.push_back({prefix + l->name + "." + p.name, p.tensor});
  return out;
}

int64_t Sequential::parameter_count() const {
  int64_t n = 0;
  for (auto& l : layers_) n += l->parameter_count();
  return n;
}

// Shapes print channels-last like Keras (None, 62, 62, 16), so they read as the report's
// figures; the tensors themselves are NCHW.
void Sequential::summary(std::ostream& os, const std::string& title) const {
  auto keras_shape = [](const Shape& s) {
    std::ostringstream o;
    o << "(None";
    for (size_t i = 1; i < s.size(); ++i) o << ", " << s[i];
    if (!s.empty()) o << ", " << s[0];
    o << ")";
    return o.str();
  };
  // Keras's 30-wide first column, widened so a long name and type (conv2d_transpose_3
  // (Conv2DTranspose)) never runs into the shape.
  size_t name_w = 30;
  for (const auto& l : layers_) name_w = std::max(name_w, l->name.size() + l->type().size() + 5);
  const std::string rule(name_w + 35, '_'), heavy(name_w + 35, '=');
  if (!title.empty()) os << "Model: \"" << title << "\"\n";
  os << rule << "\n"
     << std::left << std::setw(int(name_w)) << " Layer (type)" << std::setw(22) << "Output Shape"
     << "Param #\n"
     << heavy << "\n";
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = *layers_[i];
    os << std::left << std::setw(int(name_w)) << (" " + l.name + " (" + l.type() + ")")
       << std::setw(22) << keras_shape(l.output_shape()) << with_thousands(l.parameter_count())
       << "\n"
       << (i + 1 < layers_.size() ? "\n" : "");
  }
  os << heavy << "\n"
     << "Total params: " << with_thousands(parameter_count()) << "\n"
     << "Trainable params: " << with_thousands(parameter_count()) << "\n"
     << "Non-trainable params: 0\n"
     << rule << "\n";
}

}  // namespace sg

#include "models/unet.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/layers/basic.h"
#include "engine/layers/conv.h"
#include "engine/layers/sequential.h"
#include "engine/ops.h"

namespace sg {

namespace {
const int64_t kEncoderFilters[4] = {4, 8, 16, 32};  // figure 2.4's shapes (see unet.h)
const int64_t kDecoderFilters[3] = {16, 8, 4};

bool is_conv(const Layer& l) { return dynamic_cast<const Conv2D*>(&l) != nullptr; }
bool is_conv_transpose(const Layer& l) { return dynamic_cast<const Conv2DTranspose*>(&l) != nullptr; }
}  // namespace

Bottleneck parse_bottleneck(const std::string& name) {
  if (name == "angle") return Bottleneck::Angle;
  if (name == "sincos") return Bottleneck::SinCos;
  fail("unknown bottleneck '", name, "' (expected angle or sincos)");
}

UNetModel::UNetModel(int64_t size, int order, const UNetOptions& options, Rng& rng,
                     Device device)
    : size_(size), order_(order), options_(options),
      encoder_(std::make_unique<Sequential>()), decoder_(std::make_unique<Sequential>()) {
  SG_CHECK(order >= 1, "unet: rotational order must be >= 1, got ", order);
  SG_CHECK(size >= 8 && size % 8 == 0, "unet: image size must be a multiple of 8 (three 2× "
                                       "poolings), got ", size);
  SG_CHECK(options.dropout >= 0 && options.dropout < 1, "unet: dropout must be in [0, 1), got ",
           options.dropout);
  SG_CHECK(options.self_weight >= 0 && std::isfinite(options.self_weight),
           "unet: self_weight must be >= 0, got ", options.self_weight);
  SG_CHECK(options.wrap != Wrap::Centred, "unet: the centred wrap is for the Difference Model's "
                                          "stereo difference; use symmetric or report");
  const float rate = options.dropout;
  for (int b = 0; b < 4; ++b) {
    encoder_->add<Conv2D>(kEncoderFilters[b], 3, Padding::Same, Activation::Relu);
    if (b == 3) break;
    encoder_->add<MaxPooling2D>();
    encoder_->add<Dropout>(rate);
  }
  encoder_->add<Flatten>();
  encoder_->add<Dense>(16, Activation::Relu);
  encoder_->add<Dense>(2, Activation::None);
  encoder_->build({1, size, size}, rng, device);

  const int64_t s8 = size / 8;
  decoder_->add<Dense>(16, Activation::Relu);
  decoder_->add<Dense>(32 * s8 * s8, Activation::Relu);
  decoder_->add<Reshape>(Shape{32, s8, s8});
  for (int64_t f : kDecoderFilters) {
    decoder_->add<Conv2DTranspose>(f, 3, Padding::Same, Activation::Relu);
    decoder_->add<UpSampling2D>();
    decoder_->add<Dropout>(rate);
  }
  decoder_->add<Conv2DTranspose>(1, 3, Padding::Same, Activation::Relu);
  // Built layer by layer, not by Sequential::build: with skips each Conv2DTranspose takes
  // the concatenation of its input and the encoder map of the same size (m₄ first).
  std::vector<Shape> maps;
  for (const auto& l : encoder_->layers())
    if (is_conv(*l)) maps.push_back(l->output_shape());
  Shape s{options.bottleneck == Bottleneck::Angle ? 1 : 2};
  for (const auto& l : decoder_->layers()) {
    if (options.skips && is_conv_transpose(*l)) {
      const Shape& m = maps.back();
      SG_CHECK(m[1] == s[1] && m[2] == s[2], "unet: skip ", shape_str(m), " does not match ",
               shape_str(s));
      s[0] += m[0];
      maps.pop_back();
    }
    l->build(s, rng, device);
    s = l->output_shape();
  }
}

std::vector<NamedTensor> UNetModel::parameters() {
  std::vector<NamedTensor> p = encoder_->parameters("encoder.");
  for (NamedTensor& t : decoder_->parameters("decoder.")) p.push_back(t);
  return p;
}

int64_t UNetModel::parameter_count() const {
  return encoder_->parameter_count() + decoder_->parameter_count();
}

Tensor UNetModel::encode(const Tensor& images, Context& ctx, std::vector<Tensor>* maps) {
  if (!maps) return encoder_->forward(images, ctx);
  // Layer by layer, to keep each conv's output before its pooling (Sequential::forward
  // fuses conv and pooling and never stores it).
  Tensor y = images;
  for (const auto& l : encoder_->layers()) {
    y = (*l)(y, ctx);
    if (is_conv(*l)) maps->push_back(y);
  }
  return y;
}

// angle:  ψ = wrap(φ/n + shift) into P = 2π/n, as [N, 1];
// sincos: (S, C) Rᵀ with R the rotation by a = n·shift:
//   S' = S cos a + C sin a = r sin(φ + a),  C' = C cos a − S sin a = r cos(φ + a).
Tensor UNetModel::code(const Tensor& sc, float shift) const {
  const float n = float(order_);
  if (options_.bottleneck == Bottleneck::Angle) {
    Tensor psi = wrap_angle(scale(atan2_pairs(sc), 1.0f / n, shift), float(2 * M_PI) / n,
                            options_.wrap == Wrap::Symmetric);
    return reshape(psi, {sc.dim(0), 1});
  }
  const float a = n * shift, c = std::cos(a), s = std::sin(a);
  Tensor rot = Tensor::from_vector({c, s, -s, c}, {2, 2}, sc.device());  // [out, in]
  return linear(sc, rot, Tensor());
}

Tensor UNetModel::decode(const Tensor& code, const std::vector<Tensor>& maps, Context& ctx) {
  Tensor y = code;
  size_t next = maps.size();  // the decoder meets the maps deepest first
  for (const auto& l : decoder_->layers()) {
    if (options_.skips && is_conv_transpose(*l)) y = concat_channels(y, maps[--next]);
    y = (*l)(y, ctx);
  }
  return y;
}

std::vector<Tensor> UNetModel::reconstruct(const Tensor& first, const std::vector<float>& shifts,
                                           Context& ctx) {
  std::vector<Tensor> maps;
  Tensor sc = encode(first, ctx, options_.skips ? &maps : nullptr);
  std::vector<Tensor> out;
  for (float s : shifts) out.push_back(decode(code(sc, s), maps, ctx));
  return out;
}

Tensor UNetModel::stereo_loss(const Tensor& first, const Tensor& second, float delta_rad,
                              Context& ctx) {
  const bool self = options_.self_weight > 0;
  std::vector<Tensor> out = reconstruct(first, self ? std::vector<float>{delta_rad, 0.0f}
                                                    : std::vector<float>{delta_rad}, ctx);
  Tensor loss = mse(out[0], second);
  if (self) loss = add(loss, scale(mse(out[1], first), options_.self_weight));
  return loss;
}

Tensor UNetModel::supervised_loss(const Tensor& images, const Tensor& targets, Context& ctx) {
  return mse(encode(images, ctx, nullptr), targets);
}

std::vector<float> UNetModel::predict_deg(const Tensor& images) {
  NoGradGuard no_grad;
  Context ctx;  // inference: dropout off
  return angles_to_degrees(atan2_pairs(encode(images, ctx, nullptr)), order_);
}

void UNetModel::summary(std::ostream& os) const {
  const bool angle = options_.bottleneck == Bottleneck::Angle;
  encoder_->summary(os, "unet_encoder");
  os << "\nBottleneck: " << (angle ? "(S, C) → ψ = wrap(atan2(S, C)/n + δ), (None, 1)"
                                   : "(S, C) rotated by nδ, (None, 2)")
     << "\n\n";
  decoder_->summary(os, options_.skips ? "unet_decoder" : "autoencoder_decoder");
  if (options_.skips) {
    os << "Skips: before each Conv2DTranspose, the encoder's conv output of the same size\n"
          "is concatenated on the channel axis:";
    std::vector<const Layer*> convs;
    for (const auto& l : encoder_->layers())
      if (is_conv(*l)) convs.push_back(l.get());
    for (auto it = convs.rbegin(); it != convs.rend(); ++it)
      os << (it == convs.rbegin() ? " " : ", ") << (*it)->name;
    os << ".\n";
  }
  os << "Total params (encoder + decoder): " << with_thousands(parameter_count()) << "\n";
}

}  // namespace sg

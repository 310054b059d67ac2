// The U-Net model of the report (§2.3, figures 2.3 and 2.4) and its autoencoder variant
// (the same network without skip connections, which the report's §5 proposes).
//
// The first image of a pair goes down an encoder to (S, C) ≈ (sin nθ, cos nθ); the
// stereo angle δ is added to that angle and a decoder draws, from the shifted angle
// alone (autoencoder) or from it and the encoder's maps (U-Net), the second image. The
// loss is the pixel MSE against the real second image; no ground-truth angle is read.
//
// Encoder (figure 2.4, 'same' convs with ReLU):        [N, 1, 64, 64]
//   Conv2D 4 → MaxPool → Dropout      [N, 4, 32, 32]   (map m₁ = conv output, 64×64×4)
//   Conv2D 8 → MaxPool → Dropout      [N, 8, 16, 16]   (m₂ 32×32×8)
//   Conv2D 16 → MaxPool → Dropout     [N, 16, 8, 8]    (m₃ 16×16×16)
//   Conv2D 32                         [N, 32, 8, 8]    (m₄ 8×8×32)
//   Flatten → Dense 16 (ReLU) → Dense 2 (linear)       (S, C)
// Figure 2.4's "Details" column says 16 and 32 filters for the first two convs, but its
// own shapes show 4 and 8 channels (and the flattened 2048 = 8·8·32 needs the last to
// be 32): we follow the shapes, 4, 8, 16, 32.
//
// Bottleneck, φ = atan2(S, C) standing for nθ:
//   angle  (the report's): ψ = wrap(φ/n + δ) into one period P = 2π/n, the decoder's
//          single input [N, 1];
//   sincos (ours): (S, C) rotated by nδ, i.e. r·(sin(φ + nδ), cos(φ + nδ)) with
//          r = |(S, C)|, input [N, 2]: no wrap discontinuity inside the network.
// Decoder: Dense 16 (ReLU) → Dense 2048 (ReLU) → Reshape [32, 8, 8], then three blocks
// Conv2DTranspose (16, 8, 4; ReLU) → UpSampling2D → Dropout, and a last
// Conv2DTranspose to 1 channel (ReLU, as figure 2.4). With skips, before each
// Conv2DTranspose the encoder map of the same size (m₄, m₃, m₂, m₁) is concatenated on
// the channel axis, doubling that layer's input channels.
//
// Loss of a pair (x₁, x₂) δ apart, D(x, s) the decoder's image from x's angle + s:
//   mse(D(x₁, δ), x₂) + w·mse(D(x₁, 0), x₁)
// The second term (w = self_weight, 0 in the report) makes the decoder draw the angle
// it is given for both shifts, so code(x₂) = code(x₁) + δ: the Difference Model's
// constraint (docs/unet.md derives why the first term alone leaves the angle free).
#pragma once
#include <memory>
#include <ostream>
#include <vector>

#include "engine/layers/sequential.h"
#include "models/difference.h"
#include "models/pair_model.h"

namespace sg {

enum class Bottleneck { Angle, SinCos };
Bottleneck parse_bottleneck(const std::string& name);  // "angle", "sincos"

struct UNetOptions {
  bool skips = true;                       // false: the autoencoder
  Bottleneck bottleneck = Bottleneck::Angle;
  Wrap wrap = Wrap::Symmetric;             // angle bottleneck: [−P/2, P/2) or report's [0, P)
  float dropout = 0.1f;                    // every Dropout layer's rate
  float self_weight = 0.0f;                // w of the loss above
};

class UNetModel : public PairModel {
 public:
  // Images are size × size (a multiple of 8); `order` is the shape's n.
  UNetModel(int64_t size, int order, const UNetOptions& options, Rng& rng, Device device);

  int order() const override { return order_; }
  const UNetOptions& options() const { return options_; }
  Sequential& encoder() { return *encoder_; }
  Sequential& decoder() { return *decoder_; }
  // "encoder.<layer>.<weight|bias>" then "decoder.<layer>.<weight|bias>".
  std::vector<NamedTensor> parameters() override;
  int64_t parameter_count() const;

  // The decoder's images [N, 1, H, W] from the angle of each image of `first` shifted
  // by each of `shifts` (radians of θ); the encoder runs once for all shifts.
  std::vector<Tensor> reconstruct(const Tensor& first, const std::vector<float>& shifts,
                                  Context& ctx);
  // mse(D(x₁, δ), x₂) + self_weight · mse(D(x₁, 0), x₁).
  Tensor stereo_loss(const Tensor& first, const Tensor& second, float delta_rad,
                     Context& ctx) override;
  // The encoder alone: mean ((S, C) − targets)².
  Tensor supervised_loss(const Tensor& images, const Tensor& targets, Context& ctx) override;
  // The encoder's θ = φ/n in degrees in [0, 360/n), dropout off.
  std::vector<float> predict_deg(const Tensor& images) override;

  // Keras-style tables of the encoder and decoder, the bottleneck and the skips.
  void summary(std::ostream& os) const;

 private:
  // (S, C) rows [N, 2]; with `maps`, also each Conv2D's output (m₁ … m₄).
  Tensor encode(const Tensor& images, Context& ctx, std::vector<Tensor>* maps);
  // The decoder's input for (S, C) shifted by `shift` radians of θ.
  Tensor code(const Tensor& sc, float shift) const;
  Tensor decode(const Tensor& code, const std::vector<Tensor>& maps, Context& ctx);

  int64_t size_;
  int order_;
  UNetOptions options_;
  std::unique_ptr<Sequential> encoder_, decoder_;
};

}  // namespace sg

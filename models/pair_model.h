// What the trainer needs of a model that learns orientation from stereo pairs: the
// Difference Model (models/difference.h) and the U-Net (models/unet.h) both are one.
#pragma once
#include <vector>

#include "engine/layers/layer.h"
#include "engine/tensor.h"

namespace sg {

class PairModel {
 public:
  virtual ~PairModel() = default;
  // Rotational order n of the shape the model reads.
  virtual int order() const = 0;
  // Every trainable tensor under its stable checkpoint name.
  virtual std::vector<NamedTensor> parameters() = 0;
  // Self-supervised loss of a batch of pairs (first at θ, second at θ + δ).
  virtual Tensor stereo_loss(const Tensor& first, const Tensor& second, float delta_rad,
                             Context& ctx) = 0;
  // The report's "cheat" check: (S, C) against (sin nθ, cos nθ) rows [N, 2].
  virtual Tensor supervised_loss(const Tensor& images, const Tensor& targets, Context& ctx) = 0;
  // Orientation in degrees in [0, 360/n) of each image; inference mode, dropout off.
  virtual std::vector<float> predict_deg(const Tensor& images) = 0;
  // The orientation of each pair's first image read from both images (the second δ
  // further on): by default the circular mean of θ₁ and θ₂ − δ on the period 360/n.
  virtual std::vector<float> predict_pair_deg(const Tensor& first, const Tensor& second,
                                              float delta_deg);
};

// φ = atan2(S, C) of [N, 2] rows, as degrees θ = φ/n in [0, 360/n) (no graph).
std::vector<float> angles_to_degrees(const Tensor& phi, int order);

}  // namespace sg

// The Difference Model (report §2.2, §2.4, figures 2.1, 2.2, 2.9, 2.10).
//
// One CNN, shared by both images of a stereo pair: three blocks of Conv (3-wide, ReLU)
// → MaxPooling (2) → Dropout (0.1), Flatten, Dense 16 (ReLU), Dense 2 (linear) giving
// (S, C) ≈ (sin nθ, cos nθ). 2-D convs are 'valid' (64 → 62 → … → 6×6×16 = 576); 1-D
// convs are 'same' (64 → … → 8×16 = 128). φ = atan2(S, C) stands for nθ. The widths
// (16, 32, 16 filters; Dense 16) are the report's defaults, configurable (DifferenceWidth).
//
// Stereo (self-supervised) loss, for a pair (x₁, x₂) δ apart:
//   d = wrap(φ₂ − φ₁),  loss = mean (d − nδ)²
// with the report's wrap (add 2π when d < 0: the second angle crossed into the next of
// the n equivalent zones), the symmetric wrap into [−π, π), or the wrap centred on the
// target, into [nδ − π, nδ + π): its discontinuity lies opposite the target for every δ.
// Supervised ("cheat") loss: mean ((S, C) − (sin nθ, cos nθ))².
#pragma once
#include <array>
#include <memory>
#include <vector>

#include "engine/layers/sequential.h"
#include "models/pair_model.h"

namespace sg {

enum class Dims { One, Two };
using Wrap = AngleWrap;  // Report, Symmetric, Centred (engine/backend.h)
Wrap parse_wrap(const std::string& name);  // "report", "symmetric", "centred"

// The network's widths: the three convs' filter counts and the hidden Dense's units.
// The defaults are the report's network (18,690 parameters in 2-D at 64 × 64); wider
// ones are for distilling accurate pseudo-labels the report's net underfits.
struct DifferenceWidth {
  std::array<int64_t, 3> filters{16, 32, 16};
  int64_t dense = 16;
  bool operator==(const DifferenceWidth& o) const { return filters == o.filters && dense == o.dense; }
  // Each filter count in [1, 256], dense in [1, 1024]; fails with one line otherwise.
  void validate() const;
};

// An unbuilt CNN of figure 2.1 (Two) or 2.9 (One), at width `w`.
std::unique_ptr<Sequential> make_difference_cnn(Dims dims, const DifferenceWidth& w = {});
// Its convolutional trunk alone: the three Conv → MaxPooling → Dropout blocks and Flatten
// (the heads differ: models/angle_heatmap.h puts angle bins on it).
void add_difference_trunk(Sequential& m, Dims dims, const DifferenceWidth& w);
// The per-sample input shape: [1, size, size] or [1, size].
Shape difference_input_shape(Dims dims, int64_t size);

class DifferenceModel : public PairModel {
 public:
  // `order` is the shape's rotational order n; weights drawn from `rng` on `device`.
  DifferenceModel(Dims dims, int64_t size, int order, Wrap wrap, Rng& rng, Device device,
                  const DifferenceWidth& width = {});

  Dims dims() const { return dims_; }
  int64_t size() const { return size_; }
  int order() const override { return order_; }
  Sequential& cnn() { return *cnn_; }
  // Every trainable tensor, named "cnn.<layer>.<weight|bias>".
  std::vector<NamedTensor> parameters() override { return cnn_->parameters("cnn."); }

  // (S, C) rows [N, 2] for images [N, 1, H, W] (2-D) or [N, 1, L] (1-D).
  Tensor features(const Tensor& images, Context& ctx);
  // The pair's predicted stereo angle in zone space (radians, times n), [N], wrapped
  // as configured around the target nδ = `target`.
  Tensor predicted_difference(const Tensor& first, const Tensor& second, float target,
                              Context& ctx);
  // mean (wrap(φ₂ − φ₁) − nδ)², δ in radians.
  Tensor stereo_loss(const Tensor& first, const Tensor& second, float delta_rad,
                     Context& ctx) override;
  // mean ((S, C) − targets)², targets [N, 2] = (sin nθ, cos nθ).
  Tensor supervised_loss(const Tensor& images, const Tensor& targets, Context& ctx) override;
  // Orientation in degrees in [0, 360/n): φ/n, no graph recorded, dropout off.
  std::vector<float> predict_deg(const Tensor& images) override;

 private:
  Dims dims_;
  int64_t size_;
  int order_;
  Wrap wrap_;
  std::unique_ptr<Sequential> cnn_;
};

}  // namespace sg

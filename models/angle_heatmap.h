// The Angle Heatmap Model: a learned reader of orientation as scores over angle bins
// (docs/projections.md, "A learned model on projections").
//
// 1-D projection → Flatten → Dense H (ReLU) → Dense K (linear); 2-D images (the 3-D
// particles' single-axis task, docs/particles3d.md) go through the Difference Model's
// conv trunk first (models/difference.h). K scores over angle bins
// φ_k = k·P/K on the shape's period P = 360°/n. Trained on angles (the pseudo-labels of
// `reconstruct`, never the truth in a label-free result) with the target a circular
// Gaussian bump of width σ bins at the label θ:
//   t_k = exp(−½ (wrap(φ_k − θ) / (σ·P/K))²),  loss = mean_{i,k} (h_ik − t_ik)²
// (heatmap regression, as keypoint detectors do). Read out by the highest bin and a
// parabola through it and its neighbours (sub-bin). Why not the Difference Model's
// (sin, cos) regression: an angle precise to 2° over 360° from 64 samples is a map the
// small CNN does not learn (46–68 % within 2°), while the first Dense layer here can hold
// one template per bin — a learned nearest-template search — and a mirror-symmetric
// particle's two equally good answers stay two peaks instead of being averaged.
// A stereo pair (θ, θ + δ) is read jointly: the peak of (h_a(φ)⁺ + ε)(h_b(φ + δ)⁺ + ε),
// the second heatmap shifted back by δ (interpolated linearly between bins), x⁺ =
// max(x, 0), ε = 0.05: both images must agree (a product, as independent likelihoods
// combine); a sum lets one image's confident wrong peak (the 'T''s mirror) outvote the
// other's. With a fold c (a mirror-symmetric particle: θ and c − θ project alike) each
// heatmap is first symmetrised, h(φ) ← max(h(φ), h(c − φ)): a single image may put its
// mass on either member, and the product of raw heatmaps then followed the confident
// image's mirror peak (the floor ε gave it 1.05·0.05 against 0.15² for the true pair);
// symmetrised, both images offer both members, and only the true θ agrees after the shift
// (the mirrors sit 2δ apart).
#pragma once
#include <array>
#include <memory>
#include <vector>

#include "engine/layers/sequential.h"
#include "models/difference.h"
#include "models/pair_model.h"

namespace sg {

struct HeatmapOptions {
  int64_t bins = 360;     // K, over the period
  int64_t hidden = 512;   // H
  double sigma_bins = 2;  // σ of the target bump, in bins
  // The fold c of the labels' frame (θ and c − θ project alike), degrees; < 0: none. Not
  // a setting: the trainer copies it from the training folder (reconstruct's pseudo-labels
  // of a mirror-symmetric particle), and the checkpoint keeps it.
  double fold_deg = -1;
  // Read each input twice, as itself and in its half-turn view (the particle turned by
  // 180°: half_turn_view), and average the two heatmaps (AngleHeatmapModel::read_heatmaps).
  // Off unless a config asks ("heatmap.half_turn"), so older checkpoints read as they did.
  bool half_turn = false;
  // Train on the half-turn view too: every other image of a batch is turned and its label
  // moved by 180° ("heatmap.half_turn_train"; off unless asked).
  bool half_turn_train = false;
  bool operator==(const HeatmapOptions& o) const {
    return bins == o.bins && hidden == o.hidden && sigma_bins == o.sigma_bins && fold_deg == o.fold_deg &&
           half_turn == o.half_turn && half_turn_train == o.half_turn_train;
  }
  // bins in [8, 4096], hidden in [1, 8192], sigma_bins in [0.25, bins/4], fold_deg -1 or in
  // [0, 360); one line otherwise.
  void validate() const;
};

// Targets [N·K] (row-major) for labels θ (degrees) on period P.
std::vector<float> heatmap_targets(const std::vector<float>& theta_deg, double period_deg,
                                   const HeatmapOptions& o);
// The read-out of one heatmap row h[K]: (argmax + parabola offset)·P/K in [0, P).
double heatmap_peak_deg(const float* h, int64_t bins, double period_deg);
// The highest peak of h farther than `exclude_deg` (circularly) from `first_deg`, read
// out the same way: a mirror-symmetric particle's other answer (θ and c − θ project alike).
double heatmap_second_peak_deg(const float* h, int64_t bins, double period_deg, double first_deg,
                               double exclude_deg);
// The pair's read-out: the peak of (h_a(φ)⁺ + ε)(h_b(φ + δ)⁺ + ε) (`row` is scratch space).
double heatmap_pair_peak_deg(const float* ha, const float* hb, int64_t bins, double period_deg,
                             double delta_deg, std::vector<float>& row);
// The half-turn view, in place, of the samples i ≡ 1 (mod 2) of x [N, 1, L] or
// [N, 1, H, W] (odd_only), or of all of them. A 1-D projection is reversed about its
// centre, j → (L − j) mod L: for any particle p_θ(−t) = p_{θ+180°}(t). A 2-D image is
// flipped top to bottom, row i → H − 1 − i, about the centre of the frame (where size
// normalisation puts the centre of mass): a particle turning about the image's x axis
// (the 3-D single-axis task, tilt axis x) shows α + 180° so, since R_x(180°) maps
// (x, y, z) → (x, −y, −z) and a projection along z cannot see the sign of z.
void half_turn_view(std::vector<float>& x, const Shape& shape, bool odd_only);
// out[k] = ½(h[k] + r(φ_k + 180°)), r between bins linear: a heatmap averaged with the one
// read from the reversed projection, which shows the particle turned by 180°.
void heatmap_half_turn_averaged(const float* h, const float* r, int64_t bins, double period_deg, float* out);
// out[k] = max(h[k], h(c − φ_k)), h between bins linear: a heatmap made symmetric under the
// fold θ ≡ c − θ (c in degrees, any value; out may not alias h).
void heatmap_fold_symmetrised(const float* h, int64_t bins, double period_deg, double fold_deg, float* out);

class AngleHeatmapModel : public PairModel {
 public:
  // Dims::One: projections [N, 1, size], a Dense head only; Dims::Two: images
  // [N, 1, size, size], the conv trunk of width `trunk` first.
  AngleHeatmapModel(Dims dims, int64_t size, int order, const HeatmapOptions& o, Rng& rng, Device device,
                    const DifferenceWidth& trunk = {});
  int order() const override { return order_; }
  std::vector<NamedTensor> parameters() override { return net_->parameters("net."); }
  Sequential& net() { return *net_; }
  // Scores [N, K] of projections [N, 1, L] or images [N, 1, H, W].
  Tensor heatmap(const Tensor& images, Context& ctx);
  // Not a self-supervised model: fails with one line (train it on reconstruct's
  // pseudo-labels, mode supervised).
  Tensor stereo_loss(const Tensor& first, const Tensor& second, float delta_rad,
                     Context& ctx) override;
  // targets [N, 2] = (sin nθ, cos nθ) as the trainer gives them; θ is read back and
  // turned into heatmap_targets.
  Tensor supervised_loss(const Tensor& images, const Tensor& targets, Context& ctx) override;
  std::vector<float> predict_deg(const Tensor& images) override;
  std::vector<float> predict_pair_deg(const Tensor& first, const Tensor& second,
                                      float delta_deg) override;
  // Both answers of each single projection of a mirror-symmetric particle, [N][2]: the
  // highest peak θ and, with a fold, c − θ; without one, the highest peak more than
  // 3σ + 1 bins from θ.
  std::vector<std::array<float, 2>> predict_two_deg(const Tensor& images);

 private:
  // The heatmaps [N·K] every read-out uses, without gradient; with opt_.half_turn each
  // input's half-turn view is a second view of the same θ, its heatmap shifted back by
  // 180° and averaged in.
  std::vector<float> read_heatmaps(const Tensor& images);
  Dims dims_;
  int order_;
  HeatmapOptions opt_;
  std::unique_ptr<Sequential> net_;
};

}  // namespace sg

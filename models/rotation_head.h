// The full-orientation model (docs/particles3d.md, "Task full"): the 2-D Difference
// Model's conv trunk (models/difference.h) → Dense H (ReLU) → Dense 6 (linear), six
// numbers per image that train/rotation6d_loss.h turns into a rotation (the 6-D
// representation) and trains with the equivariance loss. The model knows no shape and
// no label; its input is prepared by data/inplane_turn.h.
#pragma once
#include <memory>

#include "engine/layers/sequential.h"
#include "models/difference.h"

namespace sg {

class RotationHeadModel {
 public:
  // Images [N, 1, size, size]; `hidden` in [1, 8192] (one line otherwise).
  RotationHeadModel(int64_t size, const DifferenceWidth& trunk, int64_t hidden, Rng& rng, Device device);
  std::vector<NamedTensor> parameters() { return net_->parameters("net."); }
  Sequential& net() { return *net_; }
  // The six numbers [N, 6] of images [N, 1, size, size].
  Tensor forward(const Tensor& images, Context& ctx) { return net_->forward(images, ctx); }

 private:
  std::unique_ptr<Sequential> net_;
};

}  // namespace sg

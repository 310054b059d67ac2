#include "models/rotation_head.h"

#include "engine/error.h"
#include "engine/layers/basic.h"

namespace sg {

RotationHeadModel::RotationHeadModel(int64_t size, const DifferenceWidth& trunk, int64_t hidden, Rng& rng,
                                     Device device)
    : net_(std::make_unique<Sequential>()) {
  trunk.validate();
  SG_CHECK(hidden >= 1 && hidden <= 8192, "rotation head: hidden must be in [1, 8192], got ", hidden);
  add_difference_trunk(*net_, Dims::Two, trunk);
  net_->add<Dense>(hidden, Activation::Relu);
  net_->add<Dense>(6, Activation::None);
  net_->build(difference_input_shape(Dims::Two, size), rng, device);
}

}  // namespace sg

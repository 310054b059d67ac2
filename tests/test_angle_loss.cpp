// The fused stereo loss, angle_loss (engine/ops/angle_loss.cpp, Backend::angle_loss_*):
// its op-table entry is in tests/test_op_table.cpp; here the Difference Model's stereo loss, which uses it,
// against the unfused ops it replaces (atan2_pairs ×2, sub, wrap_angle, mse), loss and
// every parameter's gradient, for each wrap.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/ops.h"
#include "models/difference.h"
#include "tests/op_table.h"

using namespace sg;
using namespace sg::test;

namespace {


struct LossAndGrads {
  float loss;
  std::vector<std::vector<float>> grads;
};

// The 2-D Difference Model's stereo loss on a batch of 5 pairs (dropout on, the same masks
// both ways), fused (the model's) or composed of the unfused ops, and its gradients.
LossAndGrads stereo(Device d, AngleWrap wrap, bool fused) {
  Rng rng(4);
  DifferenceModel m(Dims::Two, 32, 4, wrap, rng, d);
  Tensor a = random_tensor({5, 1, 32, 32}, 31, d, false, 0.0f, 1.0f);
  Tensor b = random_tensor({5, 1, 32, 32}, 32, d, false, 0.0f, 1.0f);
  const float delta = float(10 * M_PI / 180);
  Context ctx{true, 5, 700};
  Tensor loss;
  if (fused) {
    loss = m.stereo_loss(a, b, delta, ctx);
  } else {
    Tensor w = m.predicted_difference(a, b, 4 * delta, ctx);
    loss = mse(w, Tensor::full(w.shape(), 4 * delta, d));
  }
  loss.backward();
  LossAndGrads r{loss.item(), {}};
  for (NamedTensor& p : m.parameters()) r.grads.push_back(p.tensor.grad().to_vector());
  return r;
}

}  // namespace

TEST_CASE("angle_loss: the Difference Model's fused stereo loss equals the unfused ops'") {
  for (Device d : backends())
    for (AngleWrap w : {AngleWrap::Report, AngleWrap::Symmetric, AngleWrap::Centred}) {
      INFO("device " << device_name(d) << ", wrap " << wrap_name(w));
      const LossAndGrads fused = stereo(d, w, true), unfused = stereo(d, w, false);
      CHECK(fused.loss > 0.0f);
      CHECK(fused.loss == doctest::Approx(unfused.loss).epsilon(1e-5));
      REQUIRE(fused.grads.size() == unfused.grads.size());
      for (size_t i = 0; i < fused.grads.size(); ++i) {
        INFO("parameter " << i);
        REQUIRE(fused.grads[i].size() == unfused.grads[i].size());
        double scale = 0, diff = 0;
        for (size_t k = 0; k < fused.grads[i].size(); ++k) {
          scale = std::max(scale, double(std::fabs(unfused.grads[i][k])));
          diff = std::max(diff, double(std::fabs(fused.grads[i][k] - unfused.grads[i][k])));
        }
        CHECK(scale > 0.0);
        CHECK(diff <= 1e-4 * scale + 1e-7);
      }
    }
}

TEST_CASE("angle_loss: shapes are checked") {
  Tensor a = Tensor::zeros({3, 2}, Device::CPU), b = Tensor::zeros({4, 2}, Device::CPU);
  Tensor c = Tensor::zeros({3, 3}, Device::CPU);
  CHECK_THROWS_WITH_AS(angle_loss(a, b, 1.0f, AngleWrap::Report, 0.0f), doctest::Contains("shapes differ"), Error);
  CHECK_THROWS_WITH_AS(angle_loss(c, c, 1.0f, AngleWrap::Report, 0.0f), doctest::Contains("(S, C) pairs"), Error);
  CHECK_THROWS_WITH_AS(angle_loss(a, a, 0.0f, AngleWrap::Report, 0.0f), doctest::Contains("period"), Error);
}

// The fused stereo loss, angle_loss (engine/ops/angle_loss.cpp, Backend::angle_loss_*):
// its kernels in the op table on every backend against the double reference
// (kernels/reference/angle_loss.*), and the Difference Model's stereo loss, which uses it,
// against the unfused ops it replaces (atan2_pairs ×2, sub, wrap_angle, mse), loss and
// every parameter's gradient, for each wrap.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/ops.h"
#include "kernels/reference/angle_loss.h"
#include "models/difference.h"
#include "tests/op_table.h"

using namespace sg;
using namespace sg::test;

namespace {

const char* wrap_name(AngleWrap w) {
  return w == AngleWrap::Report ? "report" : w == AngleWrap::Symmetric ? "symmetric" : "centred";
}

// Shapes: rows in the first quadrant for both images (differences in (-1, 1): away from
// the symmetric and centred wraps' jumps at ±π), or for the one-sided wrap the second
// image in the third quadrant (differences in (-4.1, -2.1): away from its jump at 0), so
// that central differences see a smooth loss; all four quadrants forward only; a size.
OpEntry angle_loss_entry(AngleWrap wrap) {
  OpEntry e;
  e.name = std::string("angle_loss ") + wrap_name(wrap);
  e.op = Op::AngleLoss;
  e.forward = {1e-5, 1e-6};
  e.backward = {1e-4, 1e-6};
  e.grad = {1e-2, 2e-2, 2e-4, 24};  // a float sum over n rows: a smaller step is rounding noise
  e.ref_h = 1e-5;
  e.ref_rtol = 1e-5;
  const double P = 2 * M_PI, t = 0.5;
  struct Shape {
    int64_t n;
    bool quadrants, size;
  };
  for (Shape s : {Shape{0, false, false}, Shape{1, false, false}, Shape{37, false, false},
                  Shape{300, false, false}, Shape{37, true, false}, Shape{5000, false, true}}) {
    const int64_t n = s.n;
    OpCase c;
    c.shape = "n=" + std::to_string(n) + (s.quadrants ? ", all quadrants" : "");
    c.in = {2 * n, 2 * n};
    c.out = {1};
    const Draw first{Draw::Uniform, 0.3, 1.0};
    const Draw second = wrap == AngleWrap::Report ? Draw{Draw::Uniform, -1.0, -0.3} : first;
    if (!s.quadrants) c.draws = {first, second};
    if (s.quadrants) c.max_checked = 0;
    c.size_only = s.size;
    c.forward = [=](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.angle_loss_forward(n, float(P), wrap, float(t), in[0], in[1], out[0]);
    };
    c.ref_forward = [=](const DPtrs& in, const DPtrs& out) {
      out[0][0] = ref::angle_loss_forward(n, double(float(P)), wrap, double(float(t)), in[0], in[1]);
    };
    if (n > 0) {
      c.backward = [=](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
        be.angle_loss_backward(n, float(P), wrap, float(t), in[0], in[1], dy[0], din[0], din[1]);
      };
      c.ref_backward = [=](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
        ref::angle_loss_backward(n, double(float(P)), wrap, double(float(t)), in[0], in[1], dy[0][0],
                                 din[0], din[1]);
      };
    }
    e.cases.push_back(c);
  }
  return e;
}

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

TEST_CASE("op table: angle_loss") {
  for (AngleWrap w : {AngleWrap::Report, AngleWrap::Symmetric, AngleWrap::Centred}) run_op(angle_loss_entry(w));
}

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

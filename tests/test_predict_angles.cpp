// Inference over image stacks with test-time quarter turns (train/predict_angles.h) and
// the quarter turn itself (data/image.h rot90), against the renderer and plain sums.
#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "data/image.h"
#include "data/moments.h"
#include "data/shapes.h"
#include "engine/error.h"
#include "train/predict_angles.h"

using namespace sg;

namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;

std::vector<float> polygon(int sides, double theta, int64_t n = 48) {
  std::vector<float> img(size_t(n * n));
  // Centred exactly on the frame centre (n/2 in the renderer's continuous coordinates),
  // so a quarter turn of the pixels is a quarter turn of the shape.
  render(ParticleShape::make("polygon", sides), Pose{n / 2.0, n / 2.0, 0.35 * n, theta}, 4, n, n, img.data());
  return img;
}

// A stand-in for a trained model of order 5: the phase of the 5th moment (exact and
// equivariant) plus an error that depends on how the picture sits in the frame (the
// fraction of its mass in the top half), as a CNN's does.
class FakeModel : public PairModel {
 public:
  int order() const override { return 5; }
  std::vector<NamedTensor> parameters() override { return {}; }
  Tensor stereo_loss(const Tensor&, const Tensor&, float, Context&) override { fail("not trained"); }
  Tensor supervised_loss(const Tensor&, const Tensor&, Context&) override { fail("not trained"); }
  std::vector<float> predict_deg(const Tensor& images) override {
    const Shape s = images.shape();
    const int64_t n = s[2], per = n * n;
    const std::vector<float> v = images.to_vector();
    std::vector<float> out;
    for (int64_t i = 0; i < s[0]; ++i) out.push_back(float(reading(v.data() + i * per, n)));
    return out;
  }
  static double reading(const float* px, int64_t n) {
    const std::vector<uint8_t> all(size_t(n * n), 1);
    double top = 0, total = 0;
    for (int64_t q = 0; q < n * n; ++q) (q < n * n / 2 ? top : total) += px[q];
    total += top;
    const double a = moment_phase_angle_deg(central_moment(px, n, n, all, 0, 5), 5) + 3 * (top / total - 0.5);
    return std::fmod(a + 72.0, 72.0);
  }
};

}  // namespace

TEST_CASE("rot90: a quarter turn of the pixels is the shape at theta - 90 degrees") {
  const int64_t n = 48;
  for (double theta : {7.0, 40.0}) {
    const std::vector<float> img = polygon(5, theta);
    std::vector<float> turned(img.size());
    rot90(img.data(), n, turned.data());
    const std::vector<float> plus = polygon(5, theta + 90), minus = polygon(5, theta - 90);
    double d_plus = 0, d_minus = 0;
    for (size_t i = 0; i < img.size(); ++i) {
      d_plus = std::max(d_plus, double(std::abs(turned[i] - plus[i])));
      d_minus = std::max(d_minus, double(std::abs(turned[i] - minus[i])));
    }
    CHECK(d_minus < 1e-6);
    CHECK(d_plus > 0.5);
  }
}

TEST_CASE("predict_angles: one reading, or the circular mean over quarter turns") {
  FakeModel model;
  const int64_t n = 48, count = 300;  // more than one chunk of 256
  std::vector<float> stack;
  std::vector<double> theta;
  for (int64_t i = 0; i < count; ++i) {
    theta.push_back(0.37 * double(i));
    const std::vector<float> img = polygon(5, theta.back());
    stack.insert(stack.end(), img.begin(), img.end());
  }
  const Shape one{1, n, n};
  const std::vector<float> single = predict_angles(model, stack.data(), count, one, Device::CPU, 1);
  const std::vector<float> two = predict_angles(model, stack.data(), count, one, Device::CPU, 2);
  const std::vector<float> four = predict_angles(model, stack.data(), count, one, Device::CPU, 4);
  REQUIRE(single.size() == size_t(count));
  for (int64_t i = 0; i < count; i += 7) {
    CAPTURE(i);
    CHECK(single[size_t(i)] == doctest::Approx(FakeModel::reading(stack.data() + i * n * n, n)).epsilon(1e-6));
    // The independent reference: the shape rendered at theta - 90k, read, turned back.
    std::complex<double> s2 = 0, s4 = 0;
    for (int k = 0; k < 4; ++k) {
      const std::vector<float> img = polygon(5, theta[size_t(i)] - 90 * k);
      const std::complex<double> z = std::polar(1.0, 5 * (FakeModel::reading(img.data(), n) + 90 * k) * kDeg);
      s4 += z;
      if (k % 2 == 0) s2 += z;
    }
    auto deg = [](std::complex<double> z) { return std::fmod(std::arg(z) / kDeg / 5 + 72.0, 72.0); };
    CHECK(std::abs(std::remainder(two[size_t(i)] - deg(s2), 72.0)) < 1e-3);  // modulo the period
    CHECK(std::abs(std::remainder(four[size_t(i)] - deg(s4), 72.0)) < 1e-3);
    CHECK(four[size_t(i)] >= 0.0f);
    CHECK(four[size_t(i)] < 72.0f);
  }
  CHECK_THROWS_AS(predict_angles(model, stack.data(), count, one, Device::CPU, 3), Error);
  CHECK_THROWS_AS(predict_angles(model, stack.data(), 1, Shape{1, n * n}, Device::CPU, 4), Error);
}

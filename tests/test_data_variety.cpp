// The variety a robust model trains on (data/pairs.h): size normalisation
// (data/preprocess.h), probe blur (data/blur.h), and the per-pair draws of rendering,
// dose and intensity, each checked against an analytic value or a plain loop.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "data/blur.h"
#include "data/moments.h"
#include "data/pairs.h"
#include "data/preprocess.h"
#include "data/shapes.h"
#include "engine/random.h"

using namespace sg;

namespace {

std::vector<float> square(double cx, double cy, double r, double theta, int ss = 8, int64_t n = 64) {
  std::vector<float> img(size_t(n * n));
  render(ParticleShape::make("square"), Pose{cx, cy, r, theta}, ss, n, n, img.data());
  return img;
}

double sum(const float* px, size_t n) { return std::accumulate(px, px + n, 0.0); }

}  // namespace

TEST_CASE("normalise_size: the rms radius of a square is R / sqrt(3)") {
  // A square of circumradius R has half-side a = R / sqrt 2 and mean |z|^2 = 2 a^2 / 3.
  for (double r : {10.0, 20.0}) {
    const std::vector<float> img = square(30.3, 33.8, r, 17);
    CHECK(rms_radius(img.data(), 64, 64) == doctest::Approx(r / std::sqrt(3.0)).epsilon(0.01));
  }
  std::vector<float> empty(64 * 64, 0.0f);
  CHECK(rms_radius(empty.data(), 64, 64) == 0);
  CHECK(normalise_size(empty.data(), 64, 64, 10) == 0);
  CHECK(sum(empty.data(), empty.size()) == 0);
}

TEST_CASE("normalise_size: any size and position becomes one size at the centre") {
  const double target = 0.173 * 64;
  for (double r : {8.0, 14.0, 27.0}) {
    CAPTURE(r);
    const std::vector<float> original = square(26.4, 35.1, r, 33);
    std::vector<float> img = original;
    const double area = sum(img.data(), img.size());  // 2 R^2 pixels
    const double scale = normalise_size(img.data(), 64, 64, target);
    CHECK(scale == doctest::Approx(r / std::sqrt(3.0) / target).epsilon(0.01));
    CHECK(rms_radius(img.data(), 64, 64) == doctest::Approx(target).epsilon(0.02));
    // Resampling by 1/scale in each direction scales the mass by 1/scale^2.
    CHECK(sum(img.data(), img.size()) == doctest::Approx(area / (scale * scale)).epsilon(0.02));
    double cy, cx;
    REQUIRE(centre_of_mass(img.data(), 64, 64, cy, cx));
    CHECK(std::abs(cy - 31.5) < 0.1);
    CHECK(std::abs(cx - 31.5) < 0.1);
    // The shape keeps its angle: the phase of the 4th moment (docs/moments.md) over the
    // whole frame is the rendered square's.
    const std::vector<uint8_t> all(img.size(), 1);
    const double before = moment_phase_angle_deg(central_moment(original.data(), 64, 64, all, 0, 4), 4);
    const double after = moment_phase_angle_deg(central_moment(img.data(), 64, 64, all, 0, 4), 4);
    CHECK(std::abs(after - before) < 0.2);
  }
}

TEST_CASE("gaussian_blur equals the direct 2-D convolution and keeps the mass") {
  Rng rng(5, 0);
  const int64_t h = 23, w = 31;
  std::vector<float> img(size_t(h * w));
  for (float& v : img) v = float(rng.uniform());
  for (double sigma : {0.6, 1.7}) {
    CAPTURE(sigma);
    std::vector<float> got = img;
    gaussian_blur(got.data(), h, w, sigma);
    const int64_t r = int64_t(std::ceil(3 * sigma));
    double z = 0;
    for (int64_t d = -r; d <= r; ++d) z += std::exp(-double(d * d) / (2 * sigma * sigma));
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        double s = 0;  // the plain 2-D sum over the (2r+1)^2 window, zero outside
        for (int64_t a = -r; a <= r; ++a)
          for (int64_t b = -r; b <= r; ++b)
            if (i + a >= 0 && i + a < h && j + b >= 0 && j + b < w)
              s += std::exp(-double(a * a + b * b) / (2 * sigma * sigma)) * img[size_t((i + a) * w + j + b)];
        REQUIRE(got[size_t(i * w + j)] == doctest::Approx(s / (z * z)).epsilon(1e-5));
      }
    std::vector<float> delta(size_t(h * w), 0.0f);
    delta[size_t(11 * w + 15)] = 1;
    gaussian_blur(delta.data(), h, w, sigma);
    CHECK(sum(delta.data(), delta.size()) == doctest::Approx(1).epsilon(1e-6));
  }
  std::vector<float> same = img;
  gaussian_blur(same.data(), h, w, 0);
  CHECK(std::memcmp(same.data(), img.data(), img.size() * 4) == 0);
}

TEST_CASE("pairs: the variety draws rendering, dose, blur and gain per pair") {
  GenParams p;
  p.shape = "square";
  p.count = 200;
  p.seed = 77;
  p.noise = 0;
  p.preprocess = false;
  const int64_t n = 64 * 64;
  auto binary = [&](const float* px) {
    for (int64_t i = 0; i < n; ++i)
      if (px[i] != 0.0f && px[i] != 1.0f) return false;
    return true;
  };
  auto count_binary = [&](const Dataset& ds) {
    int64_t b = 0;
    for (int64_t i = 0; i < ds.count(); ++i) b += binary(ds.pair(i));
    return b;
  };
  const Dataset plain = generate(p);
  CHECK(count_binary(plain) == p.count);

  GenParams mixed = p;  // supersample uniform in {1, 2, 3, 4}: a quarter stay binary
  mixed.supersample_max = 4;
  const Dataset m = generate(mixed);
  CHECK(count_binary(m) > 30);
  CHECK(count_binary(m) < 70);

  GenParams shot = p;  // half the pairs get shot noise at a dose in [10, 100]
  shot.dose = 10;
  shot.dose_max = 100;
  shot.shot_fraction = 0.5;
  const Dataset s = generate(shot);
  CHECK(count_binary(s) > 70);
  CHECK(count_binary(s) < 130);

  GenParams blur = p;  // blurring keeps the mass (to the little that spills off the frame)
  blur.blur_max = 2;
  const Dataset bl = generate(blur);
  CHECK(count_binary(bl) < 10);
  for (int64_t i = 0; i < p.count; ++i)
    REQUIRE(sum(bl.pair(i), size_t(n)) == doctest::Approx(sum(plain.pair(i), size_t(n))).epsilon(0.01));

  GenParams gain = p;  // the gain is drawn before any noise: the same pairs, scaled
  gain.intensity_min = 0.5;
  gain.intensity_max = 0.5;
  const Dataset g = generate(gain);
  for (size_t i = 0; i < g.images.size(); ++i) REQUIRE(g.images[i] == 0.5f * plain.images[i]);
  CHECK(g.angles == plain.angles);
}

TEST_CASE("pairs: size normalisation gives every pair one rms radius") {
  GenParams p;
  p.shape = "square";
  p.count = 40;
  p.seed = 3;
  p.radius_min = 0.12;
  p.radius_max = 0.45;
  p.supersample = 4;
  p.normalise_size = 0.173;
  const Dataset ds = generate(p);
  for (int64_t i = 0; i < ds.count(); ++i)
    for (int k = 0; k < 2; ++k)
      REQUIRE(rms_radius(ds.pair(i) + k * 64 * 64, 64, 64) == doctest::Approx(0.173 * 64).epsilon(0.03));
}

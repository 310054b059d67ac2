// Shapes and their rasteriser (data/shapes.h), preprocessing (data/preprocess.h) and
// projections (data/projection.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "data/preprocess.h"
#include "data/projection.h"
#include "data/shapes.h"
#include "engine/error.h"
#include "engine/random.h"

using namespace sg;

namespace {

double total(const Image& img) { return std::accumulate(img.px.begin(), img.px.end(), 0.0); }

std::vector<float> projection_of(const Image& img) {
  std::vector<float> p(size_t(img.w));
  project_y(img.px.data(), img.h, img.w, p.data());
  return p;
}

// Sum of |a - b| over the best integer alignment of two projections (the particle's
// position along x is not part of its orientation).
double aligned_l1(const std::vector<float>& a, const std::vector<float>& b) {
  const int64_t n = int64_t(a.size());
  double best = 1e300;
  for (int64_t s = -n / 2; s <= n / 2; ++s) {
    double d = 0;
    for (int64_t j = 0; j < n; ++j) {
      const int64_t k = j + s;
      d += std::abs(double(a[size_t(j)]) - (k >= 0 && k < n ? double(b[size_t(k)]) : 0.0));
    }
    best = std::min(best, d);
  }
  return best;
}

std::vector<ParticleShape> all_shapes() {
  return {ParticleShape::square(), ParticleShape::polygon(3), ParticleShape::polygon(6),
          ParticleShape::letter_s(), ParticleShape::letter_t()};
}

}  // namespace

TEST_CASE("shapes: names, rotational order and symmetry") {
  CHECK(ParticleShape::make("square").order() == 4);
  CHECK(ParticleShape::make("polygon", 6).order() == 6);
  CHECK(ParticleShape::make("polygon", 3).sides() == 3);
  CHECK(ParticleShape::make("s").order() == 1);
  CHECK(ParticleShape::make("t").order() == 1);
  CHECK_FALSE(ParticleShape::make("s").mirror_symmetric());
  CHECK(ParticleShape::make("t").mirror_symmetric());
  CHECK(ParticleShape::make("polygon", 4).kind() == ShapeKind::Square);
  CHECK_THROWS_AS(ParticleShape::make("hexagon"), Error);
  CHECK_THROWS_AS(ParticleShape::make("polygon", 2), Error);
  CHECK_THROWS_AS(ParticleShape::make("polygon"), Error);
}

TEST_CASE("shapes: the circumradius is 1 and the centroid is the origin") {
  for (const ParticleShape& s : all_shapes()) {
    CAPTURE(s.name());
    // Sample the unit frame finely: nothing inside beyond radius 1, centroid at 0.
    double area = 0, mx = 0, my = 0, far = 0;
    const int n = 600;
    const double h = 2.2 / n;
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) {
        const double u = -1.1 + (a + 0.5) * h, v = -1.1 + (b + 0.5) * h;
        if (s.distance(u, v) > 0) continue;
        area += h * h;
        mx += u * h * h;
        my += v * h * h;
        far = std::max(far, std::hypot(u, v));
      }
    CHECK(far <= 1.0);
    CHECK(far > 0.99);
    CHECK(area == doctest::Approx(s.area(1.0)).epsilon(0.01));
    CHECK(std::abs(mx / area) < 0.005);
    CHECK(std::abs(my / area) < 0.005);
  }
}

TEST_CASE("shapes: rendered area matches the analytic area") {
  // Binary images are off by at most the pixels the boundary cuts (about half the
  // perimeter in the worst case, far less on average); anti-aliasing with k x k
  // sub-samples leaves about perimeter / k^2 at most.
  Rng rng(7, 0);
  for (const ParticleShape& s : all_shapes()) {
    for (int trial = 0; trial < 8; ++trial) {
      const Pose pose{rng.uniform(25, 39), rng.uniform(25, 39), rng.uniform(10, 20),
                      rng.uniform(0, 360)};
      CAPTURE(s.name());
      CAPTURE(pose.theta_deg);
      const double exact = s.area(pose.radius), perimeter = s.perimeter(pose.radius);
      const double binary = total(render(s, pose, 1, 64));
      const double aa = total(render(s, pose, 8, 64));
      CHECK(std::abs(binary - exact) <= 0.25 * perimeter);
      CHECK(std::abs(aa - exact) <= 0.01 * perimeter);
    }
  }
}

TEST_CASE("shapes: binary images are 0 or 1, anti-aliased ones are fractions") {
  const Pose pose{32, 32, 18, 33};
  for (const ParticleShape& s : all_shapes()) {
    const Image b = render(s, pose, 1, 64), a = render(s, pose, 4, 64);
    bool binary = true, fractional = false;
    for (float v : b.px) binary = binary && (v == 0.0f || v == 1.0f);
    for (float v : a.px) fractional = fractional || (v > 0.0f && v < 1.0f);
    CHECK(binary);
    CHECK(fractional);
  }
}

TEST_CASE("shapes: a square at theta and at theta + 90 renders identically") {
  Rng rng(11, 0);
  for (int trial = 0; trial < 20; ++trial) {
    const double theta = rng.uniform(0, 360);
    Pose a{rng.uniform(20, 44), rng.uniform(20, 44), rng.uniform(8, 18), theta};
    Pose b = a;
    b.theta_deg = theta + 90;
    for (int k : {1, 3}) {
      CAPTURE(theta);
      CHECK(render(ParticleShape::square(), a, k, 64).px ==
            render(ParticleShape::square(), b, k, 64).px);
    }
  }
}

TEST_CASE("shapes: the fast rasteriser equals the plain reference bit for bit") {
  Rng rng(3, 0);
  for (const ParticleShape& s : all_shapes())
    for (int k : {1, 2, 4, 5})
      for (int trial = 0; trial < 3; ++trial) {
        const Pose pose{rng.uniform(18, 30), rng.uniform(18, 30), rng.uniform(5, 15),
                        rng.uniform(0, 360)};
        CAPTURE(s.name());
        CAPTURE(k);
        CHECK(render(s, pose, k, 48).px == render_reference(s, pose, k, 48).px);
      }
}

TEST_CASE("shapes: the S shape's projections differ at every pair of angles") {
  // Including theta and theta + 180, whose projections are mirror images: the S has no
  // symmetry, so the projection identifies the orientation (figure 2.7).
  const ParticleShape s = ParticleShape::letter_s();
  std::vector<std::vector<float>> proj;
  for (int a = 0; a < 360; a += 15)
    proj.push_back(projection_of(render(s, Pose{32, 32, 20, double(a)}, 4, 64)));
  double closest = 1e300;
  for (size_t i = 0; i < proj.size(); ++i)
    for (size_t j = i + 1; j < proj.size(); ++j)
      closest = std::min(closest, aligned_l1(proj[i], proj[j]));
  CHECK(closest > 15.0);  // pixels of area, out of about 470
}

TEST_CASE("shapes: the T shape's projections at theta and -theta are mirror images") {
  // Figure 2.6: the mirror symmetry makes two orientations share a projection (up to
  // reflection), which the S shape avoids.
  for (double theta : {20.0, 45.0, 135.0}) {
    CAPTURE(theta);
    for (const ParticleShape& s : {ParticleShape::letter_t(), ParticleShape::letter_s()}) {
      std::vector<float> a = projection_of(render(s, Pose{32, 32, 20, theta}, 8, 64));
      std::vector<float> b = projection_of(render(s, Pose{32, 32, 20, -theta}, 8, 64));
      std::reverse(b.begin(), b.end());
      if (s.mirror_symmetric())
        CHECK(aligned_l1(a, b) < 0.5);
      else
        CHECK(aligned_l1(a, b) > 15.0);
    }
  }
}

TEST_CASE("preprocess: thresholding recovers a binary image from uniform noise") {
  const Image clean = render(ParticleShape::letter_t(), Pose{30, 35, 15, 70}, 1, 64);
  Image noisy = clean;
  Rng rng(5, 0);
  for (float& v : noisy.px) v += float(0.999 * rng.uniform());
  remove_background(noisy.px.data(), noisy.px.size(), 0.999f);
  CHECK(noisy.px == clean.px);
}

TEST_CASE("preprocess: after centring the centre of mass is at the frame centre") {
  Rng rng(9, 0);
  for (const ParticleShape& s : all_shapes())
    for (int trial = 0; trial < 10; ++trial) {
      for (int64_t n : {64, 65}) {
        const double r = rng.uniform(6, 18);
        Image img = render(s,
                           Pose{rng.uniform(r + 1, n - r - 1), rng.uniform(r + 1, n - r - 1), r,
                                rng.uniform(0, 360)},
                           trial % 2 ? 4 : 1, n);
        const double before = total(img);
        centre_by_mass(img.px.data(), n, n);
        double cy, cx;
        REQUIRE(centre_of_mass(img.px.data(), n, n, cy, cx));
        CHECK(std::abs(cy - 0.5 * double(n - 1)) <= 0.5);
        CHECK(std::abs(cx - 0.5 * double(n - 1)) <= 0.5);
        CHECK(total(img) == doctest::Approx(before));
      }
    }
}

TEST_CASE("preprocess: roll has np.roll semantics") {
  Image img(3, 4);
  std::iota(img.px.begin(), img.px.end(), 0.0f);
  roll(img.px.data(), 3, 4, 1, -1);  // np.roll(np.arange(12).reshape(3, 4), (1, -1), (0, 1))
  CHECK(img.px == std::vector<float>{9, 10, 11, 8, 1, 2, 3, 0, 5, 6, 7, 4});
  Image empty(4, 4);
  centre_by_mass(empty.px.data(), 4, 4);  // no mass: untouched, no error
  CHECK(total(empty) == 0);
}

TEST_CASE("projection: sums along y") {
  Image img(2, 3);
  img.px = {1, 2, 3, 4, 5, 6};
  CHECK(projection_of(img) == std::vector<float>{5, 7, 9});
}

// Stereo-pair generation (data/pairs.h) and noise (data/noise.h).
#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "data/noise.h"
#include "data/pairs.h"
#include "data/preprocess.h"
#include "data/projection.h"
#include "engine/error.h"
#include "tests/same_bits.h"

using namespace sg;
using sg::test::same_bits;

namespace {

GenParams small_params(const std::string& shape = "s") {
  GenParams p;
  p.shape = shape;
  p.count = 64;
  p.seed = 1234;
  return p;
}

double image_sum(const float* px, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += px[i];
  return s;
}

}  // namespace

TEST_CASE("pairs: identical bytes whatever the thread count") {
  for (bool projection : {false, true}) {
    GenParams p = small_params("t");
    p.count = 200;
    p.supersample = 3;
    p.dose = 50;
    p.noise = 0.3;
    p.projection = projection;
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    const Dataset one = generate(p);
    omp_set_num_threads(2);
    const Dataset two = generate(p);
    omp_set_num_threads(saved);
    CHECK(same_bits(one.images, two.images));
    CHECK(same_bits(one.angles, two.angles));
  }
}

TEST_CASE("pairs: a dataset generated in pieces equals one generated whole") {
  GenParams whole = small_params();
  const Dataset all = generate(whole);
  GenParams tail = whole;
  tail.first_index = 40;
  tail.count = 24;
  const Dataset part = generate(tail);
  const int64_t per = all.sample_floats();
  CHECK(std::memcmp(part.images.data(), all.images.data() + 40 * per, size_t(24 * per) * 4) == 0);
  CHECK(std::memcmp(part.angles.data(), all.angles.data() + 40, 24 * 4) == 0);
  GenParams other = whole;
  other.seed = 1235;
  CHECK_FALSE(same_bits(generate(other).images, all.images));
}

TEST_CASE("pairs: layout, angles and order") {
  GenParams p = small_params("square");
  p.angle_min_deg = 30;
  p.angle_max_deg = 120;
  const Dataset ds = generate(p);
  CHECK(ds.image_shape() == std::vector<int64_t>{64, 2, 64, 64});
  CHECK(ds.images.size() == size_t(64 * 2 * 64 * 64));
  CHECK(ds.order() == 4);
  CHECK(ds.stereo_angle_deg() == 10);
  for (float a : ds.angles) {
    CHECK(a >= 30.0f);
    CHECK(a < 120.0f);
  }
  p.projection = true;
  CHECK(generate(p).image_shape() == std::vector<int64_t>{64, 2, 64});
}

TEST_CASE("pairs: both images show the same particle (same centre and size)") {
  GenParams p = small_params("s");
  p.noise = 0;
  p.preprocess = false;
  p.supersample = 4;
  const Dataset ds = generate(p);
  const int64_t n = 64 * 64;
  for (int64_t i = 0; i < ds.count(); ++i) {
    const float* a = ds.pair(i);
    const float* b = a + n;
    double ay, ax, by, bx;
    REQUIRE(centre_of_mass(a, 64, 64, ay, ax));
    REQUIRE(centre_of_mass(b, 64, 64, by, bx));
    CHECK(std::hypot(ay - by, ax - bx) < 0.2);
    CHECK(image_sum(a, n) == doctest::Approx(image_sum(b, n)).epsilon(0.01));
  }
}

TEST_CASE("pairs: the second image is the first rotated by the stereo angle") {
  // A square's images at theta and theta + 90 are identical, so a stereo angle of 90
  // must give two identical images (no noise, no preprocessing).
  GenParams p = small_params("square");
  p.noise = 0;
  p.preprocess = false;
  p.stereo_angle_deg = 90;
  const Dataset ds = generate(p);
  const int64_t n = 64 * 64;
  for (int64_t i = 0; i < ds.count(); ++i)
    CHECK(std::memcmp(ds.pair(i), ds.pair(i) + n, size_t(n) * 4) == 0);
}

TEST_CASE("pairs: noise and preprocessing") {
  GenParams p = small_params("t");
  p.preprocess = false;
  p.noise = 0.5;
  const Dataset raw = generate(p);
  float lo = 1e9f, hi = -1e9f;
  for (float v : raw.images) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(lo >= 0.0f);
  CHECK(hi < 1.5f);
  CHECK(lo < 0.01f);

  // With preprocessing (threshold = noise amplitude) binary images come back clean and
  // centred: every value 0 or 1, centre of mass within half a pixel of the centre.
  p.preprocess = true;
  const Dataset clean = generate(p);
  bool binary = true;
  for (float v : clean.images) binary = binary && (v == 0.0f || v == 1.0f);
  CHECK(binary);
  for (int64_t i = 0; i < clean.count(); ++i)
    for (int k = 0; k < 2; ++k) {
      double cy, cx;
      REQUIRE(centre_of_mass(clean.pair(i) + k * 64 * 64, 64, 64, cy, cx));
      CHECK(std::abs(cy - 31.5) <= 0.5);
      CHECK(std::abs(cx - 31.5) <= 0.5);
    }
}

TEST_CASE("pairs: projections are the images summed along y") {
  GenParams p = small_params("s");
  p.supersample = 2;
  const Dataset images = generate(p);
  p.projection = true;
  const Dataset proj = generate(p);
  std::vector<float> expect(64);
  for (int64_t i = 0; i < images.count(); ++i)
    for (int k = 0; k < 2; ++k) {
      project_y(images.pair(i) + k * 64 * 64, 64, 64, expect.data());
      REQUIRE(std::memcmp(expect.data(), proj.pair(i) + k * 64, 64 * 4) == 0);
    }
}

TEST_CASE("pairs: parameters are validated") {
  auto bad = [](auto edit) {
    GenParams p = small_params();
    edit(p);
    CHECK_THROWS_AS(p.validate(), Error);
    CHECK_THROWS_AS(generate(p), Error);
  };
  bad([](GenParams& p) { p.shape = "circle"; });
  bad([](GenParams& p) { p.shape = "polygon"; });
  bad([](GenParams& p) { p.sides = 5; });  // sides without polygon
  bad([](GenParams& p) { p.count = 0; });
  bad([](GenParams& p) { p.size = -64; });
  bad([](GenParams& p) { p.stereo_angle_deg = 0; });
  bad([](GenParams& p) { p.stereo_angle_deg = 180; });
  bad([](GenParams& p) { p.stereo_angle_deg = -5; });
  bad([](GenParams& p) { p.angle_min_deg = 200, p.angle_max_deg = 100; });
  bad([](GenParams& p) { p.radius_max = 0.5; });
  bad([](GenParams& p) { p.noise = -0.1; });
  bad([](GenParams& p) { p.dose = -1; });
  bad([](GenParams& p) { p.supersample = 0; });
  bad([](GenParams& p) { p.supersample = 2, p.supersample_max = 1; });
  bad([](GenParams& p) { p.dose_max = 50; });  // a dose range needs dose > 0
  bad([](GenParams& p) { p.dose = 50, p.dose_max = 10; });
  bad([](GenParams& p) { p.shot_fraction = 1.5; });
  bad([](GenParams& p) { p.blur_max = -1; });
  bad([](GenParams& p) { p.intensity_min = 0; });
  bad([](GenParams& p) { p.intensity_min = 2, p.intensity_max = 1; });
  bad([](GenParams& p) { p.normalise_size = 0.5; });
  bad([](GenParams& p) { p.normalise_size = 0.17, p.projection = true; });
  bad([](GenParams& p) { p.fold_deg = 360; });
  bad([](GenParams& p) { p.fold_deg = -0.5; });  // -1 is "none"; any other negative is a mistake
  GenParams ok = small_params("polygon");
  ok.sides = 5;
  CHECK_NOTHROW(ok.validate());
}

TEST_CASE("pairs: parameters survive a JSON round trip") {
  GenParams p = small_params("polygon");
  p.sides = 7;
  p.seed = 18446744073709551615ull;
  p.first_index = 99;
  p.noise = 0.25;
  p.dose = 300;
  p.supersample = 4;
  p.supersample_max = 6;
  p.dose_max = 900;
  p.shot_fraction = 0.5;
  p.blur_max = 1.5;
  p.intensity_min = 0.5;
  p.intensity_max = 2;
  p.projection = true;
  CHECK(!to_json(p).contains("fold_deg"));  // recorded only where known: generated folders unchanged
  p.fold_deg = 181.25;
  const nlohmann::json j = to_json(p);
  CHECK(j.at("fold_deg") == 181.25);
  CHECK(j.at("supersample_max") == 6);
  CHECK(j.at("order") == 7);
  CHECK(j.at("threshold") == 0.25);
  const GenParams q = params_from_json(nlohmann::json::parse(j.dump()));
  CHECK(to_json(q) == j);
  nlohmann::json broken = j;
  broken.erase("seed");
  CHECK_THROWS_AS(params_from_json(broken), Error);
  broken = j;
  broken["stereo_angle_deg"] = 270;
  CHECK_THROWS_AS(params_from_json(broken), Error);
  broken = j;
  broken["size"] = "big";
  CHECK_THROWS_AS(params_from_json(broken), Error);
}

TEST_CASE("noise: Poisson draws have the right mean and variance") {
  for (double mean : {0.5, 4.0, 30.0, 400.0}) {
    Rng rng(21, uint64_t(mean * 10));
    const int n = 20000;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double k = double(sample_poisson(mean, rng));
      s += k;
      s2 += k * k;
    }
    const double m = s / n, var = s2 / n - m * m;
    CAPTURE(mean);
    CHECK(std::abs(m - mean) < 5 * std::sqrt(mean / n));
    CHECK(var == doctest::Approx(mean).epsilon(0.06));
  }
}

TEST_CASE("noise: shot noise keeps the mean intensity") {
  std::vector<float> px(20000, 0.5f);
  Rng rng(4, 0);
  add_shot_noise(px.data(), px.size(), 100, rng);
  double m = 0;
  for (float v : px) m += v;
  m /= double(px.size());
  CHECK(m == doctest::Approx(0.5).epsilon(0.01));
  CHECK_THROWS_AS(add_shot_noise(px.data(), px.size(), 0, rng), Error);
}

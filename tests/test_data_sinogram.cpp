// Sinograms and filtered back projection (data/sinogram.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "data/sinogram.h"
#include "engine/error.h"

using namespace sg;

namespace {

// Projections of a disk of radius r centred on the rotation axis (coordinate
// size/2 + 0.5), each detector bin integrating the chord length over its pixel width:
// the exact Radon transform, the same at every angle.
Sinogram disk_sinogram(int64_t size, double r, int64_t n_angles, double step) {
  const double c = double(size / 2) + 0.5;
  auto F = [r](double x) {  // integral of 2 sqrt(r^2 - x^2)
    x = std::clamp(x, -r, r);
    return x * std::sqrt(r * r - x * x) + r * r * std::asin(x / r);
  };
  Sinogram s;
  s.rows = Image(n_angles, size);
  for (int64_t a = 0; a < n_angles; ++a) {
    s.angles_deg.push_back(step * double(a));
    for (int64_t j = 0; j < size; ++j)
      s.rows.at(a, j) = float(F(double(j) + 1 - c) - F(double(j) - c));
  }
  return s;
}

// The disk's pixel coverage from 32 x 32 sub-samples.
Image disk_image(int64_t size, double r) {
  const double c = double(size / 2) + 0.5;
  const int k = 32;
  Image img(size, size);
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < size; ++j) {
      int in = 0;
      for (int b = 0; b < k; ++b)
        for (int a = 0; a < k; ++a)
          in += std::hypot(double(j) + (a + 0.5) / k - c, double(i) + (b + 0.5) / k - c) <= r;
      img.at(i, j) = float(in) / float(k * k);
    }
  return img;
}

}  // namespace

TEST_CASE("sinogram: filtered back projection of a disk reconstructs it") {
  // Stated accuracy: RMSE below 0.03 of the disk's intensity (1) on a 64 x 64 grid; the
  // error sits on the rim, which filtering and interpolation blur by about a pixel.
  const Image rec = filtered_back_projection(disk_sinogram(64, 20, 180, 2.0));
  const double err = rmse(rec, disk_image(64, 20));
  MESSAGE("disk FBP RMSE = " << err);
  CHECK(err < 0.03);
  CHECK(rec.at(32, 32) == doctest::Approx(1.0).epsilon(0.01));
}

TEST_CASE("sinogram: filtered back projection is scikit-image's iradon") {
  // Reference values from a NumPy transcription of skimage.transform.iradon (>= 0.19:
  // ramp filter from the spatial kernel, linear interpolation, circle=True) run on the
  // same disk sinogram.
  const Image rec = filtered_back_projection(disk_sinogram(64, 20, 180, 2.0));
  CHECK(rec.at(32, 32) == doctest::Approx(0.9985442668115583).epsilon(1e-5));
  CHECK(rec.at(32, 50) == doctest::Approx(0.9915680108613003).epsilon(1e-5));
  CHECK(rec.at(20, 41) == doctest::Approx(1.0013586732131565).epsilon(1e-5));
  CHECK(rec.at(32, 52) == doctest::Approx(0.4243495452676743).epsilon(1e-5));
  CHECK(rec.at(10, 10) == doctest::Approx(0.0030731349440986937).epsilon(1e-3));
  CHECK(rec.at(0, 0) == 0.0f);  // outside the reconstruction circle
}

TEST_CASE("sinogram: rows are projections and keep the shape's area") {
  const ParticleShape s = ParticleShape::letter_s();
  const Sinogram sino = make_sinogram(s, 64, 24, 5.0, 8);
  REQUIRE(sino.rows.h == 72);
  REQUIRE(sino.rows.w == 64);
  CHECK(sino.angles_deg[1] == 5.0);
  for (int64_t a = 0; a < sino.rows.h; ++a) {
    double mass = 0;
    for (int64_t j = 0; j < 64; ++j) mass += sino.rows.at(a, j);
    CHECK(mass == doctest::Approx(s.area(24)).epsilon(0.01));
  }
}

TEST_CASE("sinogram: anti-aliased projections reconstruct better (report section 5)") {
  for (const ParticleShape& s : {ParticleShape::letter_s(), ParticleShape::square()}) {
    const Image coverage = render(s, sinogram_pose(64, 24, 0), 16, 64);
    double err_same[2], err_cov[2];
    for (int i = 0; i < 2; ++i) {
      const int k = i == 0 ? 1 : 4;
      const Image rec = filtered_back_projection(make_sinogram(s, 64, 24, 1.0, k));
      err_same[i] = rmse(rec, render(s, sinogram_pose(64, 24, 0), k, 64));
      err_cov[i] = rmse(rec, coverage);
    }
    MESSAGE(s.name() << ": RMSE k=1 " << err_same[0] << ", k=4 " << err_same[1]
                     << "; against the coverage k=1 " << err_cov[0] << ", k=4 " << err_cov[1]);
    CHECK(err_same[1] < 0.6 * err_same[0]);
    CHECK(err_cov[1] < err_cov[0]);
    CHECK(err_same[0] < 0.1);  // the binary reconstruction is still recognisable
  }
}

TEST_CASE("sinogram: arguments are validated") {
  const ParticleShape s = ParticleShape::letter_s();
  CHECK_THROWS_AS(make_sinogram(s, 64, 24, 7.0, 1), Error);  // does not divide 360
  CHECK_THROWS_AS(make_sinogram(s, 64, 24, 0.0, 1), Error);
  CHECK_THROWS_AS(make_sinogram(s, 64, 40, 1.0, 1), Error);  // leaves the circle
  CHECK_THROWS_AS(make_sinogram(s, 64, 24, 1.0, 0), Error);  // supersample
  Sinogram bad = disk_sinogram(32, 10, 4, 90);
  bad.angles_deg.pop_back();
  CHECK_THROWS_AS(filtered_back_projection(bad), Error);
  CHECK_THROWS_AS(rmse(Image(4, 4), Image(4, 5)), Error);
}

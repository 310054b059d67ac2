// Which orientations share a 1-D projection (data/projection_symmetry.h), checked with
// the renderer, and the scorer modulo that set (train/evaluate.h) against a brute-force
// search over offsets and mirrors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "data/preprocess.h"
#include "data/projection.h"
#include "data/projection_symmetry.h"
#include "data/shapes.h"
#include "engine/random.h"
#include "train/evaluate.h"

using namespace sg;

namespace {

constexpr int64_t kSize = 64;

// What the dataset stores without noise: render (k = 4), centre by mass, sum along y.
std::vector<float> centred_projection(const ParticleShape& s, double theta, double cx, double cy,
                                      double radius) {
  Image img = render(s, Pose{cx, cy, radius, theta}, 4, kSize);
  centre_by_mass(img.px.data(), img.h, img.w);
  std::vector<float> p(static_cast<size_t>(kSize));
  project_y(img.px.data(), img.h, img.w, p.data());
  return p;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t j = 0; j < a.size(); ++j) d = std::max(d, std::abs(double(a[j]) - b[j]));
  return d;
}

// Sum of |a − b| at the best shift by up to 2 pixels, so that a difference is never
// just the centring's rounding.
double aligned_l1(const std::vector<float>& a, const std::vector<float>& b) {
  double best = 1e300;
  for (int s = -2; s <= 2; ++s) {
    double d = 0;
    for (int j = 0; j < int(a.size()); ++j) {
      const int k = j + s;
      d += std::abs(double(a[size_t(j)]) - (k >= 0 && k < int(b.size()) ? b[size_t(k)] : 0.0));
    }
    best = std::min(best, d);
  }
  return best;
}

// The flip y -> 2 cy − y maps the sub-sample rows (i + (b + ½)/4) onto each other only if
// cy is a multiple of 1/8: then the fold is exact pixel for pixel, not only in the limit.
constexpr double kSymmetricCy = 32.0;

}  // namespace

TEST_CASE("projection symmetry: each shape's ambiguity") {
  const Ambiguity t = projection_ambiguity(ParticleShape::letter_t());
  CHECK(t.period_deg == 360.0);
  CHECK(t.fold);
  CHECK(t.fold_deg == 180.0);
  const Ambiguity s = projection_ambiguity(ParticleShape::letter_s());
  CHECK(s.period_deg == 360.0);
  CHECK_FALSE(s.fold);
  const Ambiguity sq = projection_ambiguity(ParticleShape::square());
  CHECK(sq.period_deg == 90.0);
  CHECK(sq.fold);
  CHECK(sq.fold_deg == 0.0);
  const Ambiguity hex = projection_ambiguity(ParticleShape::polygon(6));
  CHECK(hex.period_deg == doctest::Approx(60.0));
  CHECK(hex.fold_deg == 0.0);
  CHECK(identical_set(30.0, t) == std::vector<double>{30.0, 150.0});
  CHECK(identical_set(90.0, t) == std::vector<double>{90.0});  // a fixed point of the fold
  CHECK(identical_set(30.0, s) == std::vector<double>{30.0});
  CHECK(identical_set(10.0, sq).size() == 8);
}

TEST_CASE("projection symmetry: the renderer's T at theta and 180 - theta projects alike") {
  const ParticleShape t = ParticleShape::letter_t();
  const Ambiguity amb = projection_ambiguity(t);
  Rng rng(11);
  for (int n = 0; n < 40; ++n) {
    const double theta = rng.uniform(0, 360), cx = rng.uniform(24, 40), r = rng.uniform(12, 20);
    CAPTURE(theta);
    const std::vector<float> p = centred_projection(t, theta, cx, kSymmetricCy, r);
    CHECK(max_abs_diff(p, centred_projection(t, amb.fold_deg - theta, cx, kSymmetricCy, r)) < 1e-4);
    CHECK(max_abs_diff(p, centred_projection(t, theta + 360, cx, kSymmetricCy, r)) < 1e-4);
    // c = 0 (θ ≡ −θ) is not the T's fold: away from the fixed points 0° and 180° it differs.
    const double from_zero = std::abs(std::remainder(theta, 180.0));
    if (from_zero > 15) CHECK(aligned_l1(p, centred_projection(t, -theta, cx, kSymmetricCy, r)) > 5);
  }
}

TEST_CASE("projection symmetry: the S shares its projection with no other orientation") {
  const ParticleShape s = ParticleShape::letter_s();
  Rng rng(12);
  for (int n = 0; n < 40; ++n) {
    const double theta = rng.uniform(0, 360), cx = rng.uniform(24, 40), r = rng.uniform(14, 20);
    CAPTURE(theta);
    const std::vector<float> p = centred_projection(s, theta, cx, kSymmetricCy, r);
    // θ + 180 reverses the projection, exactly when the grid is symmetric about the
    // centroid in x too; reversed is still not equal (no exact ambiguity).
    std::vector<float> half_turn = centred_projection(s, theta + 180, 32.0, kSymmetricCy, r);
    std::vector<float> p32 = centred_projection(s, theta, 32.0, kSymmetricCy, r);
    std::vector<float> reversed(p32.rbegin(), p32.rend());
    CHECK(max_abs_diff(half_turn, reversed) < 1e-4);
    CHECK(aligned_l1(p32, half_turn) > 5);
    // The folds the T and the polygons have, at orientations at least 30° apart.
    for (double c : {180.0, 0.0})
      if (std::abs(std::remainder(2 * theta - c, 360.0)) > 30)
        CHECK(aligned_l1(p, centred_projection(s, c - theta, cx, kSymmetricCy, r)) > 5);
  }
}

TEST_CASE("projection symmetry: a hexagon repeats every 60 degrees and folds at theta = 0") {
  const ParticleShape hex = ParticleShape::polygon(6);
  const Ambiguity amb = projection_ambiguity(hex);
  Rng rng(13);
  for (int n = 0; n < 40; ++n) {
    const double theta = rng.uniform(0, 360), cx = rng.uniform(24, 40), cy = rng.uniform(24, 40),
                 r = rng.uniform(12, 20);
    CAPTURE(theta);
    // The period holds for any centre: the rotated hexagon is the same set of points.
    const std::vector<float> p = centred_projection(hex, theta, cx, cy, r);
    CHECK(max_abs_diff(p, centred_projection(hex, theta + amb.period_deg, cx, cy, r)) < 1e-4);
    CHECK(max_abs_diff(p, centred_projection(hex, theta - 2 * amb.period_deg, cx, cy, r)) < 1e-4);
    const std::vector<float> q = centred_projection(hex, theta, cx, kSymmetricCy, r);
    CHECK(max_abs_diff(q, centred_projection(hex, amb.fold_deg - theta, cx, kSymmetricCy, r)) < 1e-4);
    // Not every angle: θ + 15 differs unless it is −θ modulo 60 (2θ + 15 ≡ 0).
    if (std::abs(std::remainder(2 * theta + 15, 60.0)) > 5)
      CHECK(aligned_l1(q, centred_projection(hex, theta + 15, cx, kSymmetricCy, r)) > 3);
  }
}

TEST_CASE("projection symmetry: a triangle folds at theta = 0, not at 180 degrees") {
  // For odd N the fold c = 0 and the T's c = 180 differ modulo 360/N = 120.
  const ParticleShape tri = ParticleShape::polygon(3);
  const Ambiguity amb = projection_ambiguity(tri);
  Rng rng(18);
  for (int n = 0; n < 20; ++n) {
    const double theta = rng.uniform(0, 360), cx = rng.uniform(24, 40), r = rng.uniform(12, 20);
    CAPTURE(theta);
    const std::vector<float> p = centred_projection(tri, theta, cx, kSymmetricCy, r);
    CHECK(max_abs_diff(p, centred_projection(tri, amb.fold_deg - theta, cx, kSymmetricCy, r)) < 1e-4);
    CHECK(max_abs_diff(p, centred_projection(tri, theta + amb.period_deg, cx, kSymmetricCy, r)) < 1e-4);
    // 180 − θ is θ's set only where 180 − 2θ ≡ 0 (mod 120) or 180 ≡ 0: θ ≡ 30 (mod 60).
    if (std::abs(std::remainder(180 - 2 * theta, 120.0)) > 20)
      CHECK(aligned_l1(p, centred_projection(tri, 180 - theta, cx, kSymmetricCy, r)) > 3);
  }
}

TEST_CASE("projection symmetry: canonical_angle is one value per identical set") {
  Rng rng(14);
  const std::vector<Ambiguity> all = {
      projection_ambiguity(ParticleShape::letter_t()), projection_ambiguity(ParticleShape::letter_s()),
      projection_ambiguity(ParticleShape::square()), projection_ambiguity(ParticleShape::polygon(3)),
      projection_ambiguity(ParticleShape::polygon(6)), Ambiguity{72.0, true, 50.0}};
  for (const Ambiguity& a : all) {
    CAPTURE(a.period_deg);
    CAPTURE(a.fold_deg);
    const double lo = a.fold ? std::fmod(0.5 * a.fold_deg, 0.5 * a.period_deg) : 0.0;
    const double hi = a.fold ? lo + 0.5 * a.period_deg : a.period_deg;
    for (int n = 0; n < 200; ++n) {
      const double theta = rng.uniform(-720, 720);
      const double c = canonical_angle(theta, a);
      CHECK(c >= lo);
      CHECK(c <= hi);
      // Members written out by hand, not through identical_set.
      const double k = double(int(rng.below(9)) - 4);
      CHECK(canonical_angle(theta + k * a.period_deg, a) == doctest::Approx(c).epsilon(1e-12).scale(360));
      if (a.fold)
        CHECK(canonical_angle(a.fold_deg - theta + k * a.period_deg, a) ==
              doctest::Approx(c).epsilon(1e-12).scale(360));
      for (double m : identical_set(theta, a)) CHECK(std::abs(canonical_angle(m, a) - c) < 1e-9);
      // The identical set is all of [0, 360) that maps there: a different set does not.
      CHECK(std::abs(canonical_angle(theta + 1.0, a) - c) > 1e-6);
    }
  }
}

namespace {

// The brute-force reference: every offset on a 0.01° grid, both mirrors, the error the
// smallest over the members t and c − t (mod P) written out; keeps the smallest
// Σ min(e², 2²) (the scorer's cost).
struct RefFit {
  double cost = 1e300;
  std::vector<double> abs_error;
};

double truncated_cost(const std::vector<double>& abs_error) {
  double cost = 0;
  for (double e : abs_error) cost += std::min(e * e, 4.0);
  return cost;
}

RefFit brute_force(const std::vector<float>& pred, const std::vector<float>& truth,
                   const Ambiguity& a) {
  const double P = a.period_deg;
  auto wrapped = [P](double x) {
    double d = std::fmod(x, P);
    if (d >= P / 2) d -= P;
    if (d < -P / 2) d += P;
    return std::abs(d);
  };
  RefFit best;
  for (int mirrored = 0; mirrored < 2; ++mirrored)
    for (int j = 0; j < int(std::lround(P * 100)); ++j) {
      const double o = j * 0.01;
      RefFit f;
      for (size_t i = 0; i < truth.size(); ++i) {
        const double g = mirrored ? o - pred[i] : pred[i] - o;
        double e = wrapped(g - truth[i]);
        if (a.fold) e = std::min(e, wrapped(g - (a.fold_deg - truth[i])));
        f.abs_error.push_back(e);
      }
      f.cost = truncated_cost(f.abs_error);
      if (f.cost < best.cost) best = f;
    }
  return best;
}

// Predictions = a member of the true angle's identical set (c − t with probability
// `folded`), + offset + noise, mirrored if asked, a fraction replaced by random angles.
std::vector<float> predictions(const std::vector<float>& truth, const Ambiguity& a, double offset,
                               bool mirrored, double outliers, Rng& rng, double folded = 0.5) {
  std::vector<float> pred;
  for (float t : truth) {
    double m = (a.fold && rng.uniform() < folded) ? a.fold_deg - t : t;
    m += double(int(rng.below(7)) - 3) * a.period_deg;
    double p = mirrored ? offset - m : m + offset;
    p += 0.3 * rng.normal();
    if (rng.uniform() < outliers) p = rng.uniform(0, 360);
    pred.push_back(float(std::fmod(std::fmod(p, 360.0) + 360.0, 360.0)));
  }
  return pred;
}

std::vector<float> uniform_angles(int n, Rng& rng) {
  std::vector<float> t;
  for (int i = 0; i < n; ++i) t.push_back(float(rng.uniform(0, 360)));
  return t;
}

double circular_distance(double a, double b, double P) { return std::abs(std::remainder(a - b, P)); }

}  // namespace

TEST_CASE("folded evaluation finds the brute-force alignment, direct and mirrored") {
  struct Case {
    std::string name;
    Ambiguity a;
    bool mirrored;
    double offset;
    double folded = 0.5;  // share of predictions at the member c − t
  };
  const Case cases[] = {
      {"T direct", projection_ambiguity(ParticleShape::letter_t()), false, 123.4},
      {"T mirrored", projection_ambiguity(ParticleShape::letter_t()), true, 200.0},
      {"T folded members only", projection_ambiguity(ParticleShape::letter_t()), false, 80.0, 1.0},
      {"triangle mostly folded", projection_ambiguity(ParticleShape::polygon(3)), false, 5.0, 0.9},
      {"hexagon mirrored", projection_ambiguity(ParticleShape::polygon(6)), true, 17.3},
      {"S direct", projection_ambiguity(ParticleShape::letter_s()), false, 301.7},
      {"S mirrored", projection_ambiguity(ParticleShape::letter_s()), true, 44.4},
      // A period below 2w = 4° (a 120-gon): every offset is within 2° of some member.
      {"3° period mirrored", Ambiguity{3.0, false, 0.0}, true, 1.2},
      {"3° period folded", Ambiguity{3.0, true, 1.0}, false, 2.5},
  };
  Rng rng(15);
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const std::vector<float> truth = uniform_angles(200, rng);
    const std::vector<float> pred = predictions(truth, c.a, c.offset, c.mirrored, 0.1, rng, c.folded);
    const Accuracy fast = evaluate_angles_folded(pred, truth, c.a);
    const RefFit ref = brute_force(pred, truth, c.a);
    // The scorer's minimum is exact: no worse than the grid's, and the grid's is within
    // n·0.005² of it.
    std::vector<double> abs_error;
    for (double e : fast.error_deg) abs_error.push_back(std::abs(e));
    const double cost = truncated_cost(abs_error);
    CHECK(cost <= ref.cost + 1e-6);
    CHECK(cost >= ref.cost - 0.05);
    // An error moves by at most the offset's change, so all of them agree closely.
    for (size_t i = 0; i < truth.size(); ++i) CHECK(std::abs(abs_error[i] - ref.abs_error[i]) < 0.02);
    CHECK(fast.within[2] > 85);
    // With a fold the mirror is the direct fit at offset − c.
    const bool mirrored = c.mirrored && !c.a.fold;
    CHECK(fast.mirrored == mirrored);
    const double expected = c.mirrored && c.a.fold ? c.offset - c.a.fold_deg : c.offset;
    CHECK(circular_distance(fast.offset_deg, expected, c.a.period_deg) < 0.1);
  }
}

TEST_CASE("folded evaluation: any member of a prediction's identical set scores alike") {
  Rng rng(16);
  const std::vector<float> truth = uniform_angles(500, rng);
  for (const Ambiguity& amb : {projection_ambiguity(ParticleShape::letter_t()),
                               projection_ambiguity(ParticleShape::polygon(6))}) {
    CAPTURE(amb.period_deg);
    // In the true frame, without alignment: canonical_angle changes nothing.
    const std::vector<float> pred = predictions(truth, amb, 0.0, false, 0.05, rng);
    std::vector<float> canonical;
    for (float p : pred) canonical.push_back(float(canonical_angle(p, amb)));
    const Accuracy a = evaluate_angles_folded(pred, truth, amb, false);
    const Accuracy b = evaluate_angles_folded(canonical, truth, amb, false);
    for (int k = 0; k < 4; ++k) CHECK(a.within[k] == b.within[k]);
    for (size_t i = 0; i < truth.size(); ++i)
      CHECK(std::abs(std::abs(a.error_deg[i]) - std::abs(b.error_deg[i])) < 1e-4);
    CHECK(a.within[2] > 90);
    // With alignment, offset 71.5: the model's frame folds at c + 2·71.5. Noise-free, the
    // scores are identical; with 0.3° noise the fit moves by O(0.3°/√500).
    const double offset = 71.5;
    const Ambiguity model_frame{amb.period_deg, true, amb.fold_deg + 2 * offset};
    for (double noise : {0.0, 0.3}) {
      CAPTURE(noise);
      std::vector<float> any, folded;
      for (float t : truth) {
        const double m = rng.below(2) ? amb.fold_deg - t : t;
        const double p = m + offset + noise * rng.normal() + 360.0 * double(rng.below(3));
        any.push_back(float(std::fmod(p, 360.0)));
        folded.push_back(float(canonical_angle(any.back(), model_frame)));
      }
      const Accuracy x = evaluate_angles_folded(any, truth, amb);
      const Accuracy y = evaluate_angles_folded(folded, truth, amb);
      const double tolerance = noise == 0 ? 1e-4 : 0.1;
      CHECK(circular_distance(x.offset_deg, offset, amb.period_deg) < tolerance);
      CHECK(circular_distance(x.offset_deg, y.offset_deg, amb.period_deg) < tolerance);
      CHECK(x.within[2] == y.within[2]);
      for (size_t i = 0; i < truth.size(); ++i)
        CHECK(std::abs(std::abs(x.error_deg[i]) - std::abs(y.error_deg[i])) < tolerance);
    }
  }
}

TEST_CASE("folded evaluation: random predictions do not align") {
  Rng rng(17);
  const std::vector<float> truth = uniform_angles(2000, rng);
  const std::vector<float> random = uniform_angles(2000, rng);
  // Chance alone puts 8°/360° (T: two arcs of 4°) or 4°/360° (S, per mirror) within 2°.
  const Accuracy t = evaluate_angles_folded(random, truth, projection_ambiguity(ParticleShape::letter_t()));
  CHECK(t.within[2] < 6.0);
  const Accuracy s = evaluate_angles_folded(random, truth, projection_ambiguity(ParticleShape::letter_s()));
  CHECK(s.within[2] < 4.0);
  // The same scorer on aligned predictions of those angles: the check above can fail.
  const Accuracy aligned = evaluate_angles_folded(
      predictions(truth, projection_ambiguity(ParticleShape::letter_t()), 10.0, false, 0.0, rng), truth,
      projection_ambiguity(ParticleShape::letter_t()));
  CHECK(aligned.within[2] > 99.0);
}

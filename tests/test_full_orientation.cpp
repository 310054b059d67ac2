// The 3-D particles' full-orientation task: the 6-D rotation head and the equivariance
// loss against finite differences and analytic values, the in-plane turn against the
// renderer, the gauge fit against a known gauge and a plain loop, and the CLI's
// refusals (train/rotation6d_loss.h, data/inplane_turn.h, data/rotation_gauge.h,
// train/eval_full.h, train/train_full.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "cli_run.h"
#include "data/inplane_turn.h"
#include "data/pairs3d.h"
#include "data/rotation_gauge.h"
#include "data/thickness.h"
#include "engine/io/npy.h"
#include "temp_dir.h"
#include "train/eval_full.h"
#include "train/rotation6d_loss.h"

using namespace sg;

namespace {

// The 6-D representation of a rotation: its first two columns (scaled, to show that the
// construction normalises).
std::vector<float> six_of(const Mat3& r, double s1 = 1, double s2 = 1) {
  return {float(s1 * r.m[0][0]), float(s1 * r.m[1][0]), float(s1 * r.m[2][0]),
          float(s2 * r.m[0][1]), float(s2 * r.m[1][1]), float(s2 * r.m[2][1])};
}

// Plain angle of the rotation a^T b from the trace: acos((tr(a^T b) - 1) / 2).
double angle_deg(const Mat3& a, const Mat3& b) {
  double tr = 0;
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 3; ++k) tr += a.m[k][i] * b.m[k][i];
  return std::acos(std::max(-1.0, std::min(1.0, (tr - 1) / 2))) * 180 / M_PI;
}

Quat small_rotation(Rng& rng, double max_deg) {
  return axis_angle({rng.normal(), rng.normal(), rng.normal()}, rng.uniform(0, max_deg));
}

// x [3B, 6] of first, second and turned images built from true rotations:
// F1 = R C, F2 = R_x(delta) R C, F3 = R_z(gamma) R C.
struct Built {
  std::vector<float> x;
  EquivarianceBatch batch;
};
Built from_truth(const std::vector<Quat>& r, const Quat& c, double delta_deg, const std::vector<double>& gamma_deg) {
  const int64_t B = int64_t(r.size());
  Built b;
  b.x.resize(size_t(18 * B));
  for (int64_t i = 0; i < B; ++i) {
    const Quat q[3] = {mul(r[size_t(i)], c), mul(mul(axis_angle({1, 0, 0}, delta_deg), r[size_t(i)]), c),
                       mul(mul(axis_angle({0, 0, 1}, gamma_deg[size_t(i)]), r[size_t(i)]), c)};
    for (int k = 0; k < 3; ++k) {
      const std::vector<float> s = six_of(to_matrix(q[k]), 1.5, 0.7);
      std::copy(s.begin(), s.end(), b.x.begin() + 6 * (k * B + i));
    }
    b.batch.gamma_rad.push_back(gamma_deg[size_t(i)] * M_PI / 180);
  }
  b.batch.pairs = B;
  b.batch.delta_rad = delta_deg * M_PI / 180;
  return b;
}

}  // namespace

TEST_CASE("rotation_from_6d: a rotation, and its backward against finite differences") {
  Rng rng(7, 1);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<float> x(6);
    for (float& v : x) v = float(rng.normal());
    const Mat3 f = rotation_from_6d(x.data());
    // F^T F = I and det F = +1.
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        double d = 0;
        for (int k = 0; k < 3; ++k) d += f.m[k][i] * f.m[k][j];
        CHECK(d == doctest::Approx(i == j ? 1.0 : 0.0).epsilon(1e-9));
      }
    CHECK(to_quat(f).w >= 0);  // to_quat accepts it: a proper rotation
    Mat3 w;  // L = sum W_ij F_ij, dL/dF = W
    for (auto& row : w.m)
      for (double& v : row) v = rng.normal();
    auto loss = [&](const std::vector<float>& xx) {
      const Mat3 g = rotation_from_6d(xx.data());
      double l = 0;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) l += w.m[i][j] * g.m[i][j];
      return l;
    };
    double dx[6];
    rotation_from_6d_backward(x.data(), w, dx);
    for (int c = 0; c < 6; ++c) {
      const float h = 1e-3f;
      std::vector<float> p = x, m = x;
      p[size_t(c)] += h, m[size_t(c)] -= h;
      const double fd = (loss(p) - loss(m)) / double(p[size_t(c)] - m[size_t(c)]);
      CHECK(dx[c] == doctest::Approx(fd).epsilon(2e-3).scale(1.0));
    }
  }
  const std::vector<float> parallel{1, 0, 0, 2, 0, 0};
  CHECK_THROWS_WITH(rotation_from_6d(parallel.data()), doctest::Contains("parallel"));
}

TEST_CASE("equivariance loss: its gradient against finite differences") {
  const Polyhedron cube = make_polyhedron("cube");
  Rng rng(3, 2);
  const int64_t B = 3;
  std::vector<float> x(size_t(18 * B));
  for (float& v : x) v = float(rng.normal());
  EquivarianceBatch b;
  b.pairs = B;
  b.delta_rad = 10 * M_PI / 180;
  b.gamma_rad = {0.3, -1.2, 2.5};
  auto loss = [&](const std::vector<float>& xx) {
    EquivarianceBatch c = b;
    c.x = xx.data();
    std::vector<float> g;
    return equivariance_loss(c, cube.group, cube.improper, g).total();
  };
  b.x = x.data();
  std::vector<float> grad;
  equivariance_loss(b, cube.group, cube.improper, grad);
  REQUIRE(grad.size() == x.size());
  // A small step: the minimising (s, g) must not change within it (at 1e-3 one pair's
  // does, a near-tie of two group elements).
  for (size_t c = 0; c < x.size(); ++c) {
    const float h = 1e-4f;
    std::vector<float> p = x, m = x;
    p[c] += h, m[c] -= h;
    const double fd = (loss(p) - loss(m)) / double(p[c] - m[c]);
    CHECK(double(grad[c]) == doctest::Approx(fd).epsilon(5e-3).scale(1.0));
  }
}

TEST_CASE("equivariance loss: zero for F = R C, the analytic value off it, blind to G and the mirror") {
  const Polyhedron cube = make_polyhedron("cube"), deca = make_polyhedron("decahedron");
  Rng rng(11, 3);
  std::vector<Quat> r;
  std::vector<double> gam;
  for (int i = 0; i < 6; ++i) r.push_back(random_rotation(rng)), gam.push_back(rng.uniform(-180, 180));
  std::vector<float> grad;
  SUBCASE("any gauge C") {
    for (int t = 0; t < 3; ++t) {
      Built b = from_truth(r, random_rotation(rng), 10, gam);
      b.batch.x = b.x.data();
      const EquivarianceTerms l = equivariance_loss(b.batch, cube.group, cube.improper, grad);
      CHECK(l.total() < 1e-10);
      for (float g : grad) CHECK(std::fabs(g) < 1e-4);
    }
  }
  SUBCASE("a tilt of delta + eps instead of delta: 4 (1 - cos eps) per pair") {
    Built b = from_truth(r, Quat{}, 10, gam);
    Built wrong = from_truth(r, Quat{}, 13, gam);  // the second images 3 deg too far
    std::copy(wrong.x.begin() + 36, wrong.x.begin() + 72, b.x.begin() + 36);
    b.batch.x = b.x.data();
    const EquivarianceTerms l = equivariance_loss(b.batch, cube.group, cube.improper, grad);
    CHECK(l.pair == doctest::Approx(4 * (1 - std::cos(3 * M_PI / 180))).epsilon(1e-4));
    CHECK(l.inplane < 1e-10);
  }
  SUBCASE("each image its own representative R g, or the mirror branch R_z(180) R h") {
    for (const Polyhedron* p : {&cube, &deca}) {
      Built b = from_truth(r, Quat{}, 10, gam);
      const int64_t B = int64_t(r.size());
      for (int64_t i = 0; i < B; ++i) {
        // Image k of pair i: R_k g_k (k = 0, 1, 2); for odd i the pair (images 0 and 1)
        // mirrored, for i = 0 mod 3 the turned image: either branch for it.
        const Quat zk[3] = {r[size_t(i)], mul(axis_angle({1, 0, 0}, 10), r[size_t(i)]),
                            mul(axis_angle({0, 0, 1}, gam[size_t(i)]), r[size_t(i)])};
        for (int k = 0; k < 3; ++k) {
          Quat q = mul(zk[k], p->group[rng.below(p->group.size())]);
          if (k < 2 ? i % 2 == 1 : i % 3 == 0) q = mul(mul(axis_angle({0, 0, 1}, 180), q), p->improper);
          const std::vector<float> s = six_of(to_matrix(q));
          std::copy(s.begin(), s.end(), b.x.begin() + 6 * (k * B + i));
        }
      }
      b.batch.x = b.x.data();
      CHECK(equivariance_loss(b.batch, p->group, p->improper, grad).total() < 1e-10);
    }
  }
  SUBCASE("unrelated rotations: positive") {
    std::vector<float> x(size_t(18 * r.size()));
    for (float& v : x) v = float(rng.normal());
    Built b = from_truth(r, Quat{}, 10, gam);
    b.batch.x = x.data();
    CHECK(equivariance_loss(b.batch, cube.group, cube.improper, grad).total() > 0.1);
  }
}

TEST_CASE("supervised_rotation_loss (the cheat check): zero at the truth modulo G and the mirror; its gradient") {
  const Polyhedron deca = make_polyhedron("decahedron");
  Rng rng(19, 7);
  std::vector<Quat> t;
  std::vector<float> x;
  for (int i = 0; i < 4; ++i) {
    t.push_back(random_rotation(rng));
    Quat q = mul(t.back(), deca.group[rng.below(deca.group.size())]);
    if (i % 2) q = mul(mul(axis_angle({0, 0, 1}, 180), q), deca.improper);
    const std::vector<float> s = six_of(to_matrix(q), 2.0, 0.5);
    x.insert(x.end(), s.begin(), s.end());
  }
  std::vector<float> grad;
  CHECK(supervised_rotation_loss(x.data(), t, deca.group, deca.improper, grad) < 1e-10);
  for (float& v : x) v += float(0.3 * rng.normal());
  const double l0 = supervised_rotation_loss(x.data(), t, deca.group, deca.improper, grad);
  CHECK(l0 > 1e-3);
  for (size_t c = 0; c < x.size(); ++c) {
    std::vector<float> p = x, m = x, unused;
    p[c] += 1e-4f, m[c] -= 1e-4f;
    const double fd = (supervised_rotation_loss(p.data(), t, deca.group, deca.improper, unused) -
                       supervised_rotation_loss(m.data(), t, deca.group, deca.improper, unused)) /
                      double(p[c] - m[c]);
    CHECK(double(grad[c]) == doctest::Approx(fd).epsilon(5e-3).scale(1.0));
  }
}

TEST_CASE("turned_input: the image turned by gamma is the projection of R_z(gamma) R") {
  const Polyhedron cube = make_polyhedron("cube");
  Rng rng(5, 4);
  const int64_t S = 64;
  for (int t = 0; t < 3; ++t) {
    const Quat r = random_rotation(rng);
    const double gamma = rng.uniform(20, 160);
    auto render = [&](const Quat& q, double cx, double cy) {
      std::vector<float> img(size_t(S * S));
      render_thickness(cube, Pose3d{q, cx, cy, 18}, 4, 1, S, S, img.data());
      return img;
    };
    const std::vector<float> a = render(r, 29.3, 34.6);  // off centre: the turn is about the particle
    const std::vector<float> want = render(mul(axis_angle({0, 0, 1}, gamma), r), 32, 32);
    const std::vector<float> wrong = render(mul(axis_angle({0, 0, 1}, -gamma), r), 32, 32);
    std::vector<float> ta(a.size()), tw(a.size()), tx(a.size());
    turned_input(a.data(), S, S, gamma, ta.data());
    turned_input(want.data(), S, S, 0, tw.data());
    turned_input(wrong.data(), S, S, 0, tx.data());
    double err = 0, other = 0, mean = 0;
    for (size_t i = 0; i < ta.size(); ++i) {
      err += std::fabs(ta[i] - tw[i]), other += std::fabs(ta[i] - tx[i]), mean += tw[i];
    }
    CHECK(mean / double(S * S) == doctest::Approx(1.0).epsilon(1e-5));
    CHECK(err / mean < 0.03);  // bilinear resampling only
    CHECK(other / mean > 5 * err / mean);
  }
  std::vector<float> empty(size_t(S * S), 0.0f), out(size_t(S * S), 1.0f);
  turned_input(empty.data(), S, S, 30, out.data());
  CHECK(*std::max_element(out.begin(), out.end()) == 0.0f);
}

TEST_CASE("gauge fit: recovers a known gauge, and scores as a plain loop does") {
  for (const char* name : {"cube", "decahedron"}) {
    const Polyhedron p = make_polyhedron(name);
    const std::vector<MirrorOption> opts = mirror_options(p.improper, true);
    Rng rng(13, 5);
    const Quat c = random_rotation(rng);
    const int N = 300;
    std::vector<Quat> truth, exact, noisy;
    std::vector<double> noise_deg;
    for (int i = 0; i < N; ++i) {
      const Quat r = random_rotation(rng);
      const MirrorOption& o = opts[rng.below(2)];
      const Quat base = mul(mul(mul(o.left, r), p.group[rng.below(p.group.size())]), o.right);
      const Quat e = small_rotation(rng, 8);
      truth.push_back(r);
      exact.push_back(mul(base, c));
      noisy.push_back(mul(mul(base, c), e));
      noise_deg.push_back(geodesic_deg(Quat{}, e));
    }
    const GaugeFit fit = fit_gauge(exact, truth, p.group, opts);
    CHECK(*std::max_element(fit.error_deg.begin(), fit.error_deg.end()) < 1e-3);
    // The gauge itself is defined up to G on its left (P C^-1 g absorbs it).
    double gauge_err = 180;
    for (const Quat& g : p.group) gauge_err = std::min(gauge_err, geodesic_deg(mul(g, fit.gauge), c));
    CHECK(gauge_err < 1e-3);
    // At the true gauge, match_orientation equals a plain loop over matrices, and each
    // error is at most the perturbation's angle: equal, unless the particle's other
    // mirror branch lies within it (R_z(180) R close to R g: a body axis near z that is
    // nearly a 2- or 4-fold axis).
    int equal = 0;
    for (int i = 0; i < N; ++i) {
      double plain = 180;
      for (const MirrorOption& o : opts)
        for (const Quat& g : p.group) {
          // angle(R, L^T P C^T Rt^T g)
          const Quat b = mul(mul(mul(mul(conj(o.left), noisy[size_t(i)]), conj(c)), conj(o.right)), g);
          plain = std::min(plain, angle_deg(to_matrix(truth[size_t(i)]), to_matrix(b)));
        }
      CHECK(match_orientation(truth[size_t(i)], noisy[size_t(i)], c, p.group, opts).error_deg ==
            doctest::Approx(plain).epsilon(1e-6).scale(1.0));
      CHECK(plain <= noise_deg[size_t(i)] + 1e-6);
      equal += std::fabs(plain - noise_deg[size_t(i)]) < 1e-6;
    }
    CHECK(equal >= N * 95 / 100);
    const GaugeFit nf = fit_gauge(noisy, truth, p.group, opts);
    std::vector<double> a = nf.error_deg, b = noise_deg;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    CHECK(a[N / 2] == doctest::Approx(b[N / 2]).epsilon(0.1));
  }
}

TEST_CASE("joint_pair_rotation: the pair's branch and its mean") {
  const Polyhedron cube = make_polyhedron("cube");
  Rng rng(17, 6);
  const Quat p1 = random_rotation(rng), g = cube.group[5];
  bool mirrored = true;
  const Quat j = joint_pair_rotation(p1, mul(mul(axis_angle({1, 0, 0}, 10), p1), g), 10, cube.group, mirrored);
  CHECK(!mirrored);
  CHECK(geodesic_deg(j, p1) < 1e-6);
  const Quat j2 = joint_pair_rotation(p1, mul(axis_angle({1, 0, 0}, -10), p1), 10, cube.group, mirrored);
  CHECK(mirrored);
  CHECK(geodesic_deg(j2, p1) < 1e-6);
  // Half-way: P2 read 2 deg off about z lands the mean 1 deg off.
  const Quat j3 = joint_pair_rotation(p1, mul(axis_angle({0, 0, 1}, 2), mul(axis_angle({1, 0, 0}, 10), p1)), 10,
                                      cube.group, mirrored);
  CHECK(geodesic_deg(j3, p1) == doctest::Approx(1.0).epsilon(0.02));
}

TEST_CASE("train-full and eval on task full: end to end on a tiny run, and one-line refusals") {
  test::TempDir dir("full");
  const std::string data = dir.file("pairs");
  REQUIRE(test::run_cli("gen --shape cube --task full --count 24 --size 32 --supersample 2 --seed 4 --out " + data)
              .status == 0);
  {
    std::ofstream f(dir.file("tiny.json"));
    f << R"({"name": "tiny", "filters": [4, 4, 4], "hidden": 16, "epochs": 2, "final_epochs": 1,
             "batch": 8, "eval_pairs": 16,
             "data": {"shape": "cube", "count": 32, "size": 32, "stereo_angle_deg": 10, "supersample": 2}})";
  }
  const std::string out = dir.file("run");
  const test::Run t = test::run_cli("train-full --config " + dir.file("tiny.json") + " --out " + out);
  INFO(t.out);
  REQUIRE(t.status == 0);
  CHECK(t.out.find("| pair |") != std::string::npos);
  CHECK(std::filesystem::exists(out + "/eval_full.json"));
  const test::Run e = test::run_cli("eval --data " + data + " --checkpoint " + out + "/checkpoint.safetensors");
  INFO(e.out);
  CHECK(e.status == 0);
  CHECK(e.out.find("| single |") != std::string::npos);

  SUBCASE("a quaternion file of the wrong shape") {
    const std::vector<float> bad(24 * 3, 0.5f);
    save_npy(data + "/orientations.npy", {24, 3}, bad.data());
    const test::Run r = test::run_cli("eval --data " + data + " --checkpoint " + out + "/checkpoint.safetensors");
    CHECK(r.status != 0);
    CHECK(r.out.find("must be [24, 4] quaternions") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  }
  SUBCASE("an unknown config key, an unknown option, a checkpoint of another shape") {
    {
      std::ofstream f(dir.file("bad.json"));
      f << R"({"name": "bad", "epochz": 3})";
    }
    const test::Run r = test::run_cli("train-full --config " + dir.file("bad.json") + " --out " + dir.file("x"));
    CHECK(r.status != 0);
    CHECK(r.out.find("unknown key 'epochz'") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    const test::Run u = test::run_cli("train-full --config " + dir.file("tiny.json") + " --bogus 1");
    CHECK(u.status != 0);
    CHECK(std::count(u.out.begin(), u.out.end(), '\n') == 1);
    const std::string deca = dir.file("deca");
    REQUIRE(test::run_cli("gen --shape decahedron --task full --count 4 --size 32 --out " + deca).status == 0);
    const test::Run d = test::run_cli("eval --data " + deca + " --checkpoint " + out + "/checkpoint.safetensors");
    CHECK(d.status != 0);
    CHECK(d.out.find("learned 'cube'") != std::string::npos);
  }
}

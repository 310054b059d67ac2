// 3-D particles: rotations (data/rotation.h), polyhedra (data/polyhedra.h), thickness
// projections (data/thickness.h) and tilt pairs (data/pairs3d.h, train/cmd_gen3d.h).
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "data/pairs3d.h"
#include "data/thickness.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "temp_dir.h"
#include "train/cmd_gen3d.h"

using namespace sg;

namespace {

double max_abs_diff(const Mat3& a, const Mat3& b) {
  double d = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) d = std::max(d, std::fabs(a.m[i][j] - b.m[i][j]));
  return d;
}

std::vector<float> render(const Polyhedron& p, const Pose3d& pose, int k, int64_t size) {
  std::vector<float> img(size_t(size * size));
  render_thickness(p, pose, k, 1, size, size, img.data());
  return img;
}

double sum(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += x;
  return s;
}

}  // namespace

TEST_CASE("rotation: quaternion, matrix and ZYZ Euler round trips") {
  Rng rng(7);
  for (int t = 0; t < 200; ++t) {
    const Quat q = random_rotation(rng);
    const Mat3 r = to_matrix(q);
    const Quat back = to_quat(r);
    CHECK(geodesic_deg(q, back) < 1e-6);
    CHECK(max_abs_diff(euler_zyz_to_matrix(matrix_to_euler_zyz(r)), r) < 1e-9);
    const EulerZYZ e = matrix_to_euler_zyz(r);
    CHECK(e.beta >= 0);
    CHECK(e.beta <= 180);
  }
  for (double beta : {0.0, 180.0}) {  // gimbal cases: only alpha +- gamma is defined
    const Mat3 r = euler_zyz_to_matrix({30, beta, 50});
    const EulerZYZ e = matrix_to_euler_zyz(r);
    CHECK(e.gamma == 0);
    CHECK(max_abs_diff(euler_zyz_to_matrix(e), r) < 1e-9);
  }
  const EulerZYZ e = matrix_to_euler_zyz(euler_zyz_to_matrix({40, 60, -70}));
  CHECK(e.alpha == doctest::Approx(40));
  CHECK(e.beta == doctest::Approx(60));
  CHECK(e.gamma == doctest::Approx(-70));
  // Composition agrees between quaternions and matrices.
  const Quat a = random_rotation(rng), b = random_rotation(rng);
  CHECK(max_abs_diff(to_matrix(mul(a, b)), mul(to_matrix(a), to_matrix(b))) < 1e-12);
  // Active, anticlockwise: 90 deg about z takes x to y.
  const Vec3 v = apply(axis_angle({0, 0, 1}, 90), {1, 0, 0});
  CHECK(v.y == doctest::Approx(1));
}

TEST_CASE("rotation: geodesic angle of known rotations") {
  Rng rng(3);
  const Quat a = random_rotation(rng);
  CHECK(geodesic_deg(a, mul(a, axis_angle({1, 2, 3}, 37))) == doctest::Approx(37).epsilon(1e-9));
  CHECK(geodesic_deg(a, mul(axis_angle({0, 1, 0}, -150), a)) == doctest::Approx(150).epsilon(1e-9));
  CHECK(geodesic_deg(Quat{}, axis_angle({1, 0, 0}, 270)) == doctest::Approx(90));
  const Polyhedron cube = make_polyhedron("cube");
  // 100 deg about a 4-fold axis is 10 deg from the nearest symmetry-equivalent orientation.
  CHECK(geodesic_deg_mod(a, mul(a, axis_angle({0, 0, 1}, 100)), cube.group) ==
        doctest::Approx(10).epsilon(1e-9));
}

TEST_CASE("rotation: uniform SO(3) sampling has angle density (1 - cos w)/pi") {
  // Kolmogorov-Smirnov against the CDF (w - sin w)/pi; 1.95/sqrt(n) is the 0.1 % level.
  // Uniform Euler angles, for one, fail it (their angle density differs).
  Rng rng(11);
  const int n = 20000;
  std::vector<double> w(n);
  for (double& x : w) x = geodesic_deg(Quat{}, random_rotation(rng)) * M_PI / 180;
  std::sort(w.begin(), w.end());
  double ks = 0;
  for (int i = 0; i < n; ++i) {
    const double f = (w[i] - std::sin(w[i])) / M_PI;
    ks = std::max({ks, std::fabs(f - double(i) / n), std::fabs(f - double(i + 1) / n)});
  }
  CHECK(ks < 1.95 / std::sqrt(double(n)));
}

TEST_CASE("polyhedra: volumes, circumradius and groups") {
  const double a_ico = 1 / std::sin(2 * M_PI / 5);  // icosahedron edge at circumradius 1
  const double pent = 2.5 * std::sin(2 * M_PI / 5);   // unit-radius pentagon area
  const double rho = 1 / 1.0;                          // bipyramid (ino = 1): rho = 1 is the farthest
  const struct {
    const char* name;
    double volume;
    size_t faces, vertices, order;
    double ino;
  } cases[] = {{"cube", std::pow(2 / std::sqrt(3.0), 3), 6, 8, 24, 0.8},
               {"octahedron", 4.0 / 3, 8, 6, 24, 0.8},
               {"cuboctahedron", 5 * std::sqrt(2.0) / 3, 14, 12, 24, 0.8},
               {"icosahedron", 5 * (3 + std::sqrt(5.0)) / 12 * std::pow(a_ico, 3), 20, 12, 60, 0.8},
               {"decahedron", 2.0 / 3 * pent * rho * rho * std::sin(M_PI / 5), 10, 7, 10, 1.0},
               {"decahedron", 0, 15, 22, 10, 0.8}};
  for (const auto& c : cases) {
    CAPTURE(std::string(c.name));
    const Polyhedron p = make_polyhedron(c.name, c.ino);
    CHECK(p.normals.size() == c.faces);
    CHECK(p.vertices.size() == c.vertices);
    double r = 0;
    for (const Vec3& v : p.vertices) r = std::max(r, std::sqrt(dot(v, v)));
    CHECK(r == doctest::Approx(1));
    if (c.volume > 0) CHECK(p.volume == doctest::Approx(c.volume).epsilon(1e-9));
    CHECK(p.volume > 0);
    CHECK(p.group.size() == c.order);
    // Closed under composition and every element maps the faces onto themselves.
    for (const Quat& g : p.group) {
      CHECK(maps_onto_itself(p, g));
      for (const Quat& h : p.group) {
        const Quat gh = mul(g, h);
        CHECK(std::any_of(p.group.begin(), p.group.end(),
                          [&](const Quat& e) { return geodesic_deg(e, gh) < 1e-6; }));
      }
    }
  }
  CHECK_FALSE(maps_onto_itself(make_polyhedron("cube"), axis_angle({0, 0, 1}, 45)));
  CHECK_THROWS_WITH_AS(make_polyhedron("dodecahedron"),
                       "unknown polyhedron 'dodecahedron': use cube|octahedron|cuboctahedron|decahedron|icosahedron",
                       Error);
  CHECK_THROWS_AS(make_polyhedron("decahedron", 0.2), Error);
}

TEST_CASE("thickness: image sum equals the volume in px^3") {
  Rng rng(5);
  for (const std::string& name : polyhedron_names()) {
    const Polyhedron p = make_polyhedron(name);
    for (int t = 0; t < 3; ++t) {
      CAPTURE(name);
      const Pose3d pose{random_rotation(rng), 32.3, 31.6, 17.5};
      const double want = p.volume * std::pow(pose.radius, 3);
      CHECK(std::fabs(sum(render(p, pose, 4, 64)) - want) < 0.005 * want);
    }
  }
}

TEST_CASE("thickness: a face-on cube is a uniform square as thick as its edge") {
  const Polyhedron cube = make_polyhedron("cube");
  const double r = 10 * std::sqrt(3.0);  // edge 2r/sqrt(3) = 20 px
  const std::vector<float> img = render(cube, Pose3d{Quat{}, 32, 32, r}, 1, 64);
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 64; ++j) {
      const bool in = i >= 22 && i < 42 && j >= 22 && j < 42;
      CHECK(img[size_t(i * 64 + j)] == doctest::Approx(in ? 20.0 : 0.0).epsilon(1e-6));
    }
}

TEST_CASE("thickness: symmetry-equivalent orientations give the same image") {
  Rng rng(9);
  for (const std::string& name : polyhedron_names()) {
    const Polyhedron p = make_polyhedron(name);
    const Quat q = random_rotation(rng);
    const std::vector<float> ref = render(p, Pose3d{q, 30.2, 33.7, 20}, 2, 64);
    for (const Quat& g : p.group) {
      const std::vector<float> img = render(p, Pose3d{mul(q, g), 30.2, 33.7, 20}, 2, 64);
      double d = 0;
      for (size_t i = 0; i < img.size(); ++i) d = std::max(d, double(std::fabs(img[i] - ref[i])));
      CHECK(d < 1e-4);
    }
  }
}

TEST_CASE("thickness: chords against point sampling along the ray, fast against reference") {
  Rng rng(13);
  for (const std::string& name : polyhedron_names()) {
    const Polyhedron p = make_polyhedron(name);
    const Pose3d pose{random_rotation(rng), 20, 21, 12};
    const Mat3 rt = to_matrix(conj(pose.q));
    for (int t = 0; t < 20; ++t) {
      const double x = rng.uniform(8, 32), y = rng.uniform(9, 33);
      // Brute force: count points t on a fine grid inside every half-space.
      const int steps = 20000;
      const double dt = 30.0 / steps;
      int inside = 0;
      for (int s = 0; s < steps; ++s) {
        const Vec3 u = apply(rt, {(x - pose.cx) / pose.radius, (y - pose.cy) / pose.radius,
                                  (-15 + (s + 0.5) * dt) / pose.radius});
        bool in = true;
        for (size_t f = 0; f < p.normals.size() && in; ++f) in = dot(p.normals[f], u) <= p.offsets[f];
        inside += in;
      }
      CHECK(std::fabs(chord_length(p, pose, x, y) - inside * dt) < 2.5 * dt);
    }
    const Image ref = render_thickness_reference(p, pose, 3, 1.7, 40, 44);
    std::vector<float> fast(40 * 44);
    render_thickness(p, pose, 3, 1.7, 40, 44, fast.data());
    for (size_t i = 0; i < fast.size(); ++i) CHECK(fast[i] == doctest::Approx(ref.px[i]).epsilon(1e-5));
  }
}

TEST_CASE("thickness: single-axis period about x for axis-aligned R0") {
  // docs/particles3d.md: 90 deg for the O shapes, 180 deg for the decahedron and icosahedron,
  // and alpha <-> -alpha from the mirror plane z = 0.
  const struct {
    const char* name;
    double period;
  } cases[] = {{"cube", 90}, {"cuboctahedron", 90}, {"decahedron", 180}, {"icosahedron", 180}};
  for (const auto& c : cases) {
    CAPTURE(std::string(c.name));
    const Polyhedron p = make_polyhedron(c.name);
    auto at = [&](double a) { return render(p, Pose3d{axis_angle({1, 0, 0}, a), 32, 32, 18}, 2, 64); };
    auto diff = [](const std::vector<float>& u, const std::vector<float>& v) {
      double d = 0;
      for (size_t i = 0; i < u.size(); ++i) d = std::max(d, double(std::fabs(u[i] - v[i])));
      return d;
    };
    const std::vector<float> base = at(23);
    CHECK(diff(base, at(23 + c.period)) < 1e-3);
    CHECK(diff(base, at(-23)) < 1e-3);
    CHECK(diff(base, at(23 + c.period / 2)) > 0.05);
  }
}

TEST_CASE("pairs3d: the partner is the render of R_tilt(delta) R") {
  for (const char* task : {"full", "single-axis"}) {
    Gen3dParams g;
    g.shape = "icosahedron";
    g.task = task;
    g.count = 6;
    g.stereo_angle_deg = 15;
    g.tilt_axis = {0.3, 1, 0};
    g.supersample = 2;
    const Dataset3d ds = generate_3d(g);
    const Polyhedron p = make_polyhedron(g.shape);
    const int64_t n = g.size * g.size;
    for (int64_t i = 0; i < g.count; ++i) {
      const float* o = ds.orientations.data() + 4 * i;
      const Quat q = normalised(Quat{o[0], o[1], o[2], o[3]});
      const double r = ds.sizes[size_t(i)];
      // The centre is not stored: replay the sample's draws (data/pairs3d.h gives the order).
      Rng rng(g.seed, uint64_t(i));
      for (int d = 0; d < (std::string(task) == "full" ? 3 : 1); ++d) rng.uniform();
      rng.uniform();
      const double cx = rng.uniform(r + 1, g.size - r - 1), cy = rng.uniform(r + 1, g.size - r - 1);
      const Pose3d first{q, cx, cy, r};
      const std::vector<float> again = render(p, first, 2, g.size);
      Pose3d second = first;
      second.q = mul(axis_angle(g.tilt_axis, g.stereo_angle_deg), q);
      const std::vector<float> partner = render(p, second, 2, g.size);
      double d0 = 0, d1 = 0;
      for (int64_t k = 0; k < n; ++k) {
        d0 = std::max(d0, double(std::fabs(again[k] - ds.images[size_t(2 * i * n + k)])));
        d1 = std::max(d1, double(std::fabs(partner[k] - ds.images[size_t((2 * i + 1) * n + k)])));
      }
      CHECK(d0 < 1e-3);
      CHECK(d1 < 1e-3);
      if (std::string(task) == "single-axis") {  // R R0^-1 is a rotation about the axis
        const Vec3 a = normalised(g.tilt_axis);
        const Quat rel = mul(q, conj(single_axis_r0(g)));
        const double s = std::sqrt(rel.x * rel.x + rel.y * rel.y + rel.z * rel.z);
        CHECK(std::fabs(std::fabs(rel.x * a.x + rel.y * a.y + rel.z * a.z) - s) < 1e-6);
      }
    }
  }
}

TEST_CASE("pairs3d: identical bytes for 1 and 2 threads, and bad parameters throw") {
  Gen3dParams g;
  g.shape = "decahedron";
  g.count = 40;
  g.dose = 20;
  g.noise = 0.2;
  g.blur = 0.7;
  g.seed = 99;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const Dataset3d one = generate_3d(g);
  omp_set_num_threads(2);
  const Dataset3d two = generate_3d(g);
  omp_set_num_threads(saved);
  CHECK(std::memcmp(one.images.data(), two.images.data(), one.images.size() * 4) == 0);
  CHECK(one.orientations == two.orientations);
  CHECK(one.sizes == two.sizes);

  auto bad = [](auto edit) {
    Gen3dParams p;
    edit(p);
    return p;
  };
  CHECK_THROWS_AS(bad([](Gen3dParams& p) { p.shape = "sphere"; }).validate(), Error);
  CHECK_THROWS_AS(bad([](Gen3dParams& p) { p.stereo_angle_deg = 0; }).validate(), Error);
  CHECK_THROWS_AS(bad([](Gen3dParams& p) { p.stereo_angle_deg = 90; }).validate(), Error);
  CHECK_THROWS_AS(bad([](Gen3dParams& p) { p.stereo_angle_deg = NAN; }).validate(), Error);
  CHECK_THROWS_AS(bad([](Gen3dParams& p) { p.size = 0; }).validate(), Error);
  CHECK_THROWS_AS(bad([](Gen3dParams& p) { p.radius_max = 0.5; }).validate(), Error);
  CHECK_THROWS_AS(bad([](Gen3dParams& p) { p.radius_min = NAN; }).validate(), Error);
  CHECK_THROWS_AS(bad([](Gen3dParams& p) { p.task = "half"; }).validate(), Error);
  CHECK_THROWS_AS(bad([](Gen3dParams& p) { p.tilt_axis = {0, 0, 0}; }).validate(), Error);
  CHECK_NOTHROW(bad([](Gen3dParams&) {}).validate());
}

TEST_CASE("pairs3d: gen_polyhedra writes the four files") {
  sg::test::TempDir dir("gen3d");
  const Args args{"--shape", "octahedron", "--count", "5", "--size", "32", "--task", "single-axis",
                  "--out", dir.path.string()};
  CHECK(wants_polyhedra(args));
  CHECK_FALSE(wants_polyhedra({"--shape", "square"}));
  CHECK(gen_polyhedra(args) == 0);
  CHECK(load_npy(dir.file("images.npy")).shape == std::vector<int64_t>{5, 2, 32, 32});
  CHECK(load_npy(dir.file("orientations.npy")).shape == std::vector<int64_t>{5, 4});
  CHECK(load_npy(dir.file("sizes.npy")).shape == std::vector<int64_t>{5});
  const auto j = nlohmann::json::parse(std::string(read_file_bytes(dir.file("params.json")).data(), read_file_bytes(dir.file("params.json")).size()));
  CHECK(j["tilt_axis"][0] == 1.0);
  CHECK(j["stereo_angle_deg"] == 10.0);
  CHECK(j.contains("r0"));
  CHECK_THROWS_AS(gen_polyhedra({"--shape", "octahedron", "--stereo-angle", "95", "--out", dir.path.string()}),
                  Error);
}

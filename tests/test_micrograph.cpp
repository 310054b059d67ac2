// Particle detection on whole micrographs (data/micrograph.h) and predict --micrograph.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <omp.h>
#include <queue>
#include <sstream>

#include "cli_run.h"
#include "data/image_read.h"
#include "data/micrograph.h"
#include "data/shapes.h"
#include "train/checkpoint.h"
#include "engine/random.h"
#include "temp_dir.h"

using namespace sg;

namespace {
std::vector<std::vector<double>> read_csv(const std::string& path, std::vector<std::string>* last = nullptr) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  std::vector<std::vector<double>> rows;
  while (std::getline(f, line)) {
    std::stringstream ss(line);
    std::string cell;
    std::vector<double> row;
    while (std::getline(ss, cell, ',')) {
      try {
        row.push_back(std::stod(cell));
      } catch (...) {
        if (last) last->push_back(cell);
      }
    }
    rows.push_back(row);
  }
  return rows;
}

// Reference labelling: breadth-first flood fill from each unlabelled pixel in raster order.
std::vector<int32_t> flood_labels(const std::vector<uint8_t>& m, int64_t h, int64_t w) {
  std::vector<int32_t> l(m.size(), 0);
  int32_t next = 0;
  for (int64_t s = 0; s < h * w; ++s) {
    if (!m[s] || l[s]) continue;
    l[s] = ++next;
    std::queue<int64_t> q;
    q.push(s);
    while (!q.empty()) {
      const int64_t k = q.front(), i = k / w, j = k % w;
      q.pop();
      for (int64_t a = -1; a <= 1; ++a)
        for (int64_t b = -1; b <= 1; ++b) {
          const int64_t y = i + a, x = j + b;
          if (y >= 0 && y < h && x >= 0 && x < w && m[y * w + x] && !l[y * w + x]) l[y * w + x] = next, q.push(y * w + x);
        }
    }
  }
  return l;
}

void put_square(std::vector<float>& img, int64_t w, int64_t y0, int64_t x0, int64_t side) {
  for (int64_t i = y0; i < y0 + side; ++i)
    for (int64_t j = x0; j < x0 + side; ++j) img[i * w + j] = 1.0f;
}
}  // namespace

TEST_CASE("micrograph components: two-pass labelling equals a flood fill") {
  Rng rng(3);
  for (double density : {0.3, 0.5, 0.6}) {
    const int64_t h = 37, w = 41;
    std::vector<uint8_t> m(size_t(h * w));
    for (auto& v : m) v = rng.uniform() < density;
    std::vector<int32_t> labels;
    const int32_t n = label_components(m.data(), h, w, labels);
    const std::vector<int32_t> ref = flood_labels(m, h, w);
    CHECK(labels == ref);
    CHECK(n == *std::max_element(ref.begin(), ref.end()));
  }
}

TEST_CASE("micrograph otsu: equals a brute-force search over every threshold") {
  Rng rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> hist(17);
    for (auto& v : hist) v = std::floor(rng.uniform(0, 50));
    hist[0] += 1;
    double best = -1;
    int64_t k_best = 0;
    for (int64_t k = 1; k < 17; ++k) {
      double w0 = 0, w1 = 0, m0 = 0, m1 = 0;
      for (int64_t i = 0; i < 17; ++i) (i < k ? w0 : w1) += hist[i], (i < k ? m0 : m1) += double(i) * hist[i];
      if (w0 == 0 || w1 == 0) continue;
      const double t = w0 + w1, v = (w0 / t) * (w1 / t) * std::pow(m0 / w0 - m1 / w1, 2);
      if (v > best + 1e-12) best = v, k_best = k;
    }
    CHECK(otsu_bin(hist) == k_best);
  }
}

TEST_CASE("micrograph flags: border, touching, small on a hand-built image") {
  const int64_t h = 64, w = 96;
  std::vector<float> img(size_t(h * w), 0.0f);
  put_square(img, w, 10, 10, 8);   // ok
  put_square(img, w, 10, 30, 8);   // ok
  put_square(img, w, 40, 10, 8);   // ok
  put_square(img, w, 30, 0, 8);    // border
  put_square(img, w, 40, 40, 8);   // touching: two squares sharing an edge
  put_square(img, w, 40, 48, 8);
  put_square(img, w, 12, 60, 3);   // small
  const Detection d = detect_particles(img.data(), h, w, DetectOptions{});
  REQUIRE(d.particles.size() == 6);
  int border = 0, touching = 0, small = 0, ok = 0;
  for (const Particle& p : d.particles) {
    border += p.flags == kBorder, touching += p.flags == kTouching, small += p.flags == kSmall, ok += p.flags == 0;
    if (p.flags == kTouching) CHECK(p.area_px == 128);
  }
  CHECK(border == 1);
  CHECK(touching == 1);
  CHECK(small == 1);
  CHECK(ok == 3);
  CHECK(flag_words(kBorder | kTouching) == "border;touching");
  CHECK(flag_words(0) == "ok");
}

TEST_CASE("micrograph crop: a neighbour's pixels do not leak into the crop") {
  const int64_t h = 64, w = 64;
  std::vector<float> img(size_t(h * w), 0.0f);
  put_square(img, w, 20, 20, 8);
  put_square(img, w, 20, 31, 8);  // 3 px away: inside a 32 px window around the first
  const Detection d = detect_particles(img.data(), h, w, DetectOptions{});
  REQUIRE(d.particles.size() == 2);
  const Particle& p = d.particles[0].x < d.particles[1].x ? d.particles[0] : d.particles[1];
  CHECK(p.x == doctest::Approx(24.0));
  CHECK(crop_factor(p, 32) == 1);
  std::vector<float> crop(32 * 32);
  crop_particle(d, p, 32, 1, 1, crop.data());
  double sum = 0;
  for (float v : crop) sum += v;
  CHECK(sum == doctest::Approx(64.0));  // the particle's 8x8 pixels, nothing of its neighbour
  CHECK(crop[16 * 32 + 16] == 1.0f);
  // Too big for the window: box-averaged by 2, the sum of coverage falls by 4.
  std::vector<float> small(8 * 8);
  CHECK(crop_factor(p, 8) == 2);
  crop_particle(d, p, 8, 2, 1, small.data());
  double s2 = 0;
  for (float v : small) s2 += v;
  CHECK(s2 == doctest::Approx(16.0));
}

TEST_CASE("micrograph detection: recall, precision, centroid and area against gen's truth") {
  test::TempDir dir("mgdet");
  const std::string d = dir.path.string();
  REQUIRE(test::run_cli("gen --micrograph --frame 768 --count 150 --noise 0 --seed 2 --out " + d).status == 0);
  const NpyArray a = read_stack(d + "/micrograph.npy");
  REQUIRE(a.shape == std::vector<int64_t>{768, 768});
  const auto truth = read_csv(d + "/truth.csv");
  REQUIRE(truth.size() == 150);
  const Detection det = detect_particles(a.data.data(), 768, 768, DetectOptions{});
  int matched = 0;
  for (const auto& t : truth) {
    for (const Particle& p : det.particles) {
      if (std::hypot(p.x - t[1], p.y - t[2]) > 2) continue;
      ++matched;
      CHECK(std::hypot(p.x - t[1], p.y - t[2]) < 0.5);
      CHECK(double(p.area_px) == doctest::Approx(2 * t[3] * t[3]).epsilon(0.05));
      CHECK(p.radius_px == doctest::Approx(t[3]).epsilon(0.1));
      CHECK(p.flags == 0);
    }
  }
  CHECK(matched == 150);                 // recall 1
  CHECK(det.particles.size() == 150);    // precision 1

  // Under uniform noise U[0, 1) every particle is still found once and no speck survives.
  REQUIRE(test::run_cli("gen --micrograph --frame 768 --count 150 --noise 1 --seed 2 --out " + d + "/n").status == 0);
  const NpyArray b = read_stack(d + "/n/micrograph.npy");
  const Detection dn = detect_particles(b.data.data(), 768, 768, DetectOptions{});
  CHECK(dn.particles.size() == 150);
  int close = 0;
  for (const auto& t : truth)
    for (const Particle& p : dn.particles) close += std::hypot(p.x - t[1], p.y - t[2]) < 1;
  CHECK(close == 150);
}

TEST_CASE("micrograph cli: predict --micrograph with a checkpoint and with --method moments") {
  test::TempDir dir("mgcli");
  const std::string d = dir.path.string();
  REQUIRE(test::run_cli("gen --micrograph --frame 512 --count 60 --particle-radius-min 8 --particle-radius-max 12 "
                        "--supersample 4 --noise 0 --seed 4 --out " + d + "/g").status == 0);
  const auto truth = read_csv(d + "/g/truth.csv");
  REQUIRE(truth.size() == 60);
  test::Run m = test::run_cli("predict --micrograph " + d + "/g/micrograph.npy --method moments --out " + d + "/m");
  CAPTURE(m.out);
  REQUIRE(m.status == 0);
  std::vector<std::string> flags;
  const auto rows = read_csv(d + "/m/particles.csv", &flags);
  REQUIRE(rows.size() == 60);
  int within = 0;
  for (const auto& t : truth)
    for (const auto& r : rows)
      if (std::hypot(r[1] - t[1], r[2] - t[2]) < 1) {
        const double e = std::fabs(std::remainder(r[5] - t[4], 90.0));
        within += e < 1.0;
      }
  CHECK(within == 60);
  CHECK(std::count(flags.begin(), flags.end(), "ok") == 60);
  CHECK(std::filesystem::file_size(d + "/m/overlay.png") > 512 * 512);

  std::ofstream(d + "/tiny.json") << R"({"name": "tiny", "stages": [1.0], "epochs_per_stage": 1,
    "final_epochs": 1, "batch": 16, "eval_pairs": 16, "wrap": "symmetric",
    "data": {"count": 32, "size": 32, "normalise_size": 0.17}})";
  REQUIRE(test::run_cli("train --config " + d + "/tiny.json --out " + d + "/run").status == 0);
  const std::string ck = d + "/run/checkpoint.safetensors";
  m = test::run_cli("predict --micrograph " + d + "/g/micrograph.npy --checkpoint " + ck + " --out " + d + "/p");
  REQUIRE(m.status == 0);
  std::vector<std::string> f2;
  const auto r2 = read_csv(d + "/p/particles.csv", &f2);
  REQUIRE(r2.size() == 60);
  for (const auto& r : r2) {
    REQUIRE(r.size() == 6);
    CHECK(r[5] >= 0);
    CHECK(r[5] < 90);
  }
  // --calibrated: eval's stored offset and mirror applied to every particle, θ = c − θp
  // (mirrored) reduced into [0, 90), against the uncalibrated run's angles.
  test::one_line_error(test::run_cli("predict --micrograph " + d + "/g/micrograph.npy --checkpoint " + ck + " --out " +
                                     d + "/c --calibrated"), "holds no calibration");
  set_checkpoint_json(ck, "calibration", {{"offset_deg", 20.0}, {"mirrored", true}, {"period_deg", 90.0}});
  m = test::run_cli("predict --micrograph " + d + "/g/micrograph.npy --checkpoint " + ck + " --out " + d + "/c --calibrated");
  CAPTURE(m.out);
  REQUIRE(m.status == 0);
  const auto r3 = read_csv(d + "/c/particles.csv");
  REQUIRE(r3.size() == r2.size());
  for (size_t k = 0; k < r2.size(); ++k) {
    double want = std::fmod(20.0 - r2[k][5], 90.0);
    if (want < 0) want += 90.0;
    CHECK(std::fabs(std::remainder(r3[k][5] - want, 90.0)) < 1e-3);
  }

  // Bad input: a stack, an empty frame, a frame without particles, a 1-D model, a missing file.
  std::vector<float> stack(2 * 16 * 16, 0.0f), flat(32 * 32, 0.5f);
  write_stack(d + "/stack.npy", {2, 16, 16}, stack.data());
  write_stack(d + "/flat.npy", {32, 32}, flat.data());
  write_stack(d + "/empty.npy", {0, 0}, flat.data());
  test::one_line_error(test::run_cli("predict --micrograph " + d + "/stack.npy --checkpoint " + ck + " --out " + d + "/x"),
                       "one 2-D image");
  test::one_line_error(test::run_cli("predict --micrograph " + d + "/flat.npy --checkpoint " + ck + " --out " + d + "/x"),
                       "flat.npy");
  test::one_line_error(test::run_cli("predict --micrograph " + d + "/empty.npy --checkpoint " + ck + " --out " + d + "/x"),
                       "empty.npy");
  test::one_line_error(test::run_cli("predict --micrograph " + d + "/nope.npy --checkpoint " + ck + " --out " + d + "/x"),
                       "nope.npy");
  std::ofstream(d + "/tiny1d.json") << R"({"name": "t1", "model": "difference1d", "stages": [1.0], "epochs_per_stage": 1,
    "final_epochs": 1, "batch": 16, "eval_pairs": 16, "wrap": "symmetric",
    "data": {"count": 32, "size": 32, "projection": true}})";
  REQUIRE(test::run_cli("train --config " + d + "/tiny1d.json --out " + d + "/run1").status == 0);
  test::one_line_error(test::run_cli("predict --micrograph " + d + "/g/micrograph.npy --checkpoint " + d +
                                     "/run1/checkpoint.safetensors --out " + d + "/x"), "1-D model");
  CHECK_FALSE(std::filesystem::exists(d + "/x/particles.csv"));
}

namespace {
// Reference crop: every output pixel's f×f block, a pixel counting when some pixel of the
// component lies in its (2g+1)² neighbourhood (a plain search, no dilation).
std::vector<float> plain_crop(const Detection& d, const Particle& p, int64_t size, int64_t f, int64_t g) {
  std::vector<float> out(size_t(size * size), 0.0f);
  const int64_t y0 = std::llround(p.y - double(size * f) / 2), x0 = std::llround(p.x - double(size * f) / 2);
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < size; ++j) {
      double s = 0;
      for (int64_t a = 0; a < f; ++a)
        for (int64_t b = 0; b < f; ++b) {
          const int64_t y = y0 + i * f + a, x = x0 + j * f + b;
          bool near = false;
          for (int64_t u = y - g; u <= y + g; ++u)
            for (int64_t v = x - g; v <= x + g; ++v)
              near = near || (u >= 0 && u < d.h && v >= 0 && v < d.w && d.labels[u * d.w + v] == p.id);
          if (y >= 0 && y < d.h && x >= 0 && x < d.w && near)
            s += std::clamp(d.residual[y * d.w + x] * float(1.0 / p.level), 0.0f, 1.0f);  // as crop_particle scales
        }
      out[i * size + j] = float(s / double(f * f));
    }
  return out;
}
}  // namespace

TEST_CASE("micrograph: detection is the same for 1 and 2 threads, and crops equal a plain neighbourhood search") {
  test::TempDir dir("mgthreads");
  const std::string d = dir.path.string();
  REQUIRE(test::run_cli("gen --micrograph --frame 640 --count 120 --noise 1 --seed 5 --out " + d).status == 0);
  const NpyArray a = read_stack(d + "/micrograph.npy");
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const Detection one = detect_particles(a.data.data(), 640, 640, DetectOptions{});
  omp_set_num_threads(2);
  const Detection two = detect_particles(a.data.data(), 640, 640, DetectOptions{});
  omp_set_num_threads(before);
  CHECK(one.threshold == two.threshold);
  CHECK(one.residual == two.residual);
  CHECK(one.labels == two.labels);
  REQUIRE(one.particles.size() == two.particles.size());
  REQUIRE(one.particles.size() >= 100);
  for (size_t k = 0; k < one.particles.size(); ++k) {
    const Particle &p = one.particles[k], &q = two.particles[k];
    CHECK((p.x == q.x && p.y == q.y && p.area_px == q.area_px && p.radius_px == q.radius_px &&
           p.level == q.level && p.flags == q.flags));
  }
  // Crops at factors 1-3 and growths 0-2, the particle near the frame's edge included.
  for (const Particle& p : one.particles)
    for (int64_t f : {1, 2, 3})
      for (int g : {0, 1, 2}) {
        std::vector<float> crop(24 * 24);
        crop_particle(one, p, 24, f, g, crop.data());
        CHECK(crop == plain_crop(one, p, 24, f, g));
      }
}

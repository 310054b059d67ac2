// The closed-form orientation (data/moments.h): the n-th complex moment against a plain
// loop over a point list, the exact angle of a 4-fold symmetric pixel set, rendered
// n-gons at known angles (the zero of the renderer, no offset), the flags with the image
// index named, why the support matters under noise, and the CLI (predict --method
// moments, eval --method moments).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.h"
#include "data/angles.h"
#include "data/dataset_io.h"
#include "data/moments.h"
#include "data/noise.h"
#include "data/shapes.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "engine/random.h"
#include "temp_dir.h"
#include "train/evaluate.h"

using namespace sg;

namespace {

constexpr int64_t kSize = 64;

// Distance of a to b on the circle of one period.
double circular_error(double a, double b, double period) { return std::abs(wrap_symmetric(a - b, period)); }

struct Sample {
  Image img;
  double theta;
};

// A shape at a random angle, radius and sub-pixel centre that keeps every rotation inside
// the frame with a margin of 2 pixels.
Sample random_render(const ParticleShape& s, int k, Rng& rng) {
  const double theta = rng.uniform(0, 360), r = rng.uniform(12, 20);
  const double cx = rng.uniform(r + 2, kSize - r - 2), cy = rng.uniform(r + 2, kSize - r - 2);
  return {render(s, Pose{cx, cy, r, theta}, k, kSize), theta};
}

// Largest error of the moment angle over `count` random renders of the n-gon.
double worst_error(int sides, int k, int count, uint64_t seed) {
  const ParticleShape s = ParticleShape::polygon(sides);
  MomentOptions opt;
  opt.order = s.order();
  Rng rng(seed, 1);
  double worst = 0;
  for (int t = 0; t < count; ++t) {
    const Sample smp = random_render(s, k, rng);
    const MomentResult r = moment_angle(smp.img.px.data(), kSize, kSize, opt);
    REQUIRE(r.flag == MomentFlag::None);
    worst = std::max(worst, circular_error(r.angle_deg, smp.theta, 360.0 / sides));
  }
  return worst;
}

}  // namespace

TEST_CASE("moments: central_moment is the plain sum over a point list") {
  // Five weighted pixels, the moment computed from the list alone.
  struct Pt {
    int i, j;
    double v;
  };
  const std::vector<Pt> pts = {{3, 4, 1.0}, {5, 9, 0.5}, {10, 2, 2.0}, {7, 7, 0.25}, {12, 11, 1.5}};
  const int h = 16, w = 14;
  const double bg = 0.1;
  std::vector<float> img(size_t(h * w), float(bg));
  std::vector<uint8_t> mask(size_t(h * w), 0);
  for (const Pt& p : pts) img[size_t(p.i * w + p.j)] = float(bg + p.v), mask[size_t(p.i * w + p.j)] = 1;
  for (int n = 2; n <= 6; ++n) {
    double tot = 0;
    std::complex<double> c = 0;
    for (const Pt& p : pts) {
      const double v = double(float(bg + p.v)) - bg;  // the stored float, less the background
      tot += v;
      c += v * std::complex<double>(p.j + 0.5, p.i + 0.5);
    }
    c /= tot;
    std::complex<double> want = 0;
    double want_abs = 0;
    for (const Pt& p : pts) {
      const double v = double(float(bg + p.v)) - bg;
      want += v * std::pow(std::complex<double>(p.j + 0.5, p.i + 0.5) - c, n);
      want_abs += v * std::pow(std::abs(std::complex<double>(p.j + 0.5, p.i + 0.5) - c), n);
    }
    std::complex<double> z0;
    double absolute = 0;
    const std::complex<double> got = central_moment(img.data(), h, w, mask, bg, n, &z0, &absolute);
    CAPTURE(n);
    CHECK(std::abs(got - want) <= 1e-9 * std::abs(want_abs));
    CHECK(std::abs(z0 - c) < 1e-12);
    CHECK(absolute == doctest::Approx(want_abs).epsilon(1e-12));
  }
  // Nothing above the background in the support: no centroid, an error.
  std::vector<uint8_t> empty(size_t(h * w), 0);
  CHECK_THROWS_WITH_AS(central_moment(img.data(), h, w, empty, bg, 4), doctest::Contains("no intensity"), Error);
}

TEST_CASE("moments: a 4-fold symmetric pixel set has its angle computed in integers") {
  // Rotating by 90° about a pixel centre maps pixel centres onto pixel centres, so the
  // union U of a pixel set and its three quarter turns is exactly 4-fold symmetric, its
  // centroid is the centre, and M_4 = Σ_U (x + iy)⁴ with x, y integer offsets:
  // Re = x⁴ − 6x²y² + y⁴, Im = 4x³y − 4xy³, exact in 64-bit integers.
  const int64_t size = 41, c = 20;
  struct Arm {
    int x0, x1, y0, y1;  // offsets of one filled rectangle, before the quarter turns
  };
  for (const Arm& arm : std::vector<Arm>{{0, 6, 0, 2}, {1, 9, -1, 3}, {0, 12, 2, 5}, {-2, 3, 0, 11}}) {
    Image img(size, size);
    for (int y = arm.y0; y <= arm.y1; ++y)
      for (int x = arm.x0; x <= arm.x1; ++x) {
        int u = x, v = y;
        for (int k = 0; k < 4; ++k) {
          img.at(c + v, c + u) = 1.0f;
          const int nu = -v;  // (u, v) -> i·(u + iv) = (−v, u)
          v = u, u = nu;
        }
      }
    int64_t re = 0, im = 0, count = 0;
    for (int64_t i = 0; i < size; ++i)
      for (int64_t j = 0; j < size; ++j) {
        if (img.at(i, j) == 0) continue;
        const int64_t x = j - c, y = i - c;
        re += x * x * x * x - 6 * x * x * y * y + y * y * y * y;
        im += 4 * x * x * x * y - 4 * x * y * y * y;
        ++count;
      }
    // θ = arg(−M_4)/4 in [0, 90).
    const double want = wrap_positive(std::atan2(double(-im), double(-re)) * 180.0 / kPi / 4.0, 90.0);
    MomentOptions opt;
    const MomentResult r = moment_angle(img.px.data(), size, size, opt);
    CAPTURE(arm.x1);
    REQUIRE(r.flag == MomentFlag::None);
    MomentResult found;
    const std::vector<uint8_t> support = find_support(img.px.data(), size, size, opt, found);
    int64_t covered = 0;  // pixels of U inside the support: all of them
    for (size_t q = 0; q < support.size(); ++q) covered += support[q] && img.px[q] > 0;
    CHECK(covered == count);
    CHECK(r.angle_deg == doctest::Approx(want).epsilon(1e-12));
    // One orbit {z, iz, −z, −iz}: M_4 = 4z⁴, so θ = arg(z) − 45° (mod 90°).
    Image orbit(size, size);
    std::vector<uint8_t> mask(size_t(size * size), 0);
    int u = arm.x1, v = arm.y1;
    for (int k = 0; k < 4; ++k) {
      orbit.at(c + v, c + u) = 1.0f;
      mask[size_t((c + v) * size + c + u)] = 1;
      const int nu = -v;
      v = u, u = nu;
    }
    const double want1 = wrap_positive(std::atan2(double(arm.y1), double(arm.x1)) * 180.0 / kPi - 45.0, 90.0);
    CHECK(moment_phase_angle_deg(central_moment(orbit.px.data(), size, size, mask, 0.0, 4), 4) ==
          doctest::Approx(want1).epsilon(1e-12));
  }
}

TEST_CASE("moments: rendered n-gons read at the renderer's angle, no offset") {
  // Circumradius 12-20 px at random angles and sub-pixel centres, 300 each. Measured
  // (seed 7, 2,000 each): binary RMS 0.29° / 0.34° / 0.44° (n = 3 / 4 / 6), worst
  // 1.5° / 3.0° / 2.2°, the pixelation of the corners; supersample 4: RMS 0.04-0.06°,
  // worst 0.4-0.54° (edges near the grid's axes, coverage in steps of 1/16). An offset
  // of the zero (180°/n if the sign were wrong) would fail every bound.
  struct Case {
    int sides, k;
    double rms, worst;
  };
  for (const Case& c : std::vector<Case>{{3, 1, 0.45, 2.5}, {4, 1, 0.5, 4.0}, {6, 1, 0.65, 3.5},
                                         {3, 4, 0.08, 0.7}, {4, 4, 0.08, 0.8}, {6, 4, 0.1, 0.8}}) {
    const ParticleShape s = ParticleShape::polygon(c.sides);
    MomentOptions opt;
    opt.order = c.sides;
    Rng rng(uint64_t(100 + c.sides), uint64_t(c.k));
    double sum2 = 0, worst = 0;
    const int count = 300;
    for (int t = 0; t < count; ++t) {
      const Sample smp = random_render(s, c.k, rng);
      const MomentResult r = moment_angle(smp.img.px.data(), kSize, kSize, opt);
      REQUIRE(r.flag == MomentFlag::None);
      CHECK((r.angle_deg >= 0 && r.angle_deg < 360.0 / c.sides));
      const double e = circular_error(r.angle_deg, smp.theta, 360.0 / c.sides);
      sum2 += e * e;
      worst = std::max(worst, e);
    }
    CAPTURE(c.sides);
    CAPTURE(c.k);
    CHECK(std::sqrt(sum2 / count) < c.rms);
    CHECK(worst < c.worst);
  }
}

TEST_CASE("moments: a finely sampled rotated rectangle (n = 2) reads its angle to 0.05 degrees") {
  // The rectangle long along y at θ = 0 has M_2 = ∫(x² − y²) < 0, like the renderer's
  // "2-gon"; turned by θ (z → e^{iθ}z) it reads θ mod 180°. Rasterised here with 16×16
  // sub-samples per pixel, independently of the renderer.
  for (double theta : {0.0, 17.0, 44.5, 90.0, 123.25, 179.0}) {
    Image img(kSize, kSize);
    const double c = std::cos(theta * kPi / 180), s = std::sin(theta * kPi / 180), cx = 31.7, cy = 32.4;
    for (int64_t i = 0; i < kSize; ++i)
      for (int64_t j = 0; j < kSize; ++j) {
        int in = 0;
        for (int b = 0; b < 16; ++b)
          for (int a = 0; a < 16; ++a) {
            const double dx = j + (a + 0.5) / 16 - cx, dy = i + (b + 0.5) / 16 - cy;
            const double u = c * dx + s * dy, v = -s * dx + c * dy;  // the inverse rotation
            in += std::abs(u) <= 6 && std::abs(v) <= 14;
          }
        img.at(i, j) = float(in) / 256.0f;
      }
    MomentOptions opt;
    opt.order = 2;
    const MomentResult r = moment_angle(img.px.data(), kSize, kSize, opt);
    CAPTURE(theta);
    REQUIRE(r.flag == MomentFlag::None);
    CHECK(circular_error(r.angle_deg, theta, 180.0) < 0.05);
  }
}

TEST_CASE("moments: flagged images get NaN and a warning line naming their index") {
  const ParticleShape sq = ParticleShape::square();
  const int64_t n = kSize * kSize;
  std::vector<float> stack;
  auto add = [&](const Image& img) { stack.insert(stack.end(), img.px.begin(), img.px.end()); };
  add(render(sq, Pose{32, 32, 14, 20}, 4, kSize));         // 0: one square
  add(Image(kSize, kSize));                                // 1: all zero
  Image noise(kSize, kSize);
  Rng rng(5, 1);
  add_uniform_noise(noise.px.data(), size_t(n), 1.0, rng);  // 2: background noise only
  add(noise);
  Image two = render(sq, Pose{18, 18, 10, 10}, 4, kSize);  // 3: two squares
  const Image other = render(sq, Pose{46, 44, 11, 30}, 4, kSize);
  for (size_t q = 0; q < two.px.size(); ++q) two.px[q] += other.px[q];
  add(two);
  add(render(sq, Pose{6, 32, 14, 20}, 4, kSize));          // 4: cut by the left edge
  Image speck = render(sq, Pose{32, 32, 14, 20}, 4, kSize); // 5: a square and a 2-pixel speck
  speck.at(3, 60) = speck.at(3, 61) = 1.0f;
  add(speck);

  MomentOptions opt;
  const std::vector<MomentResult> r = moment_angles(stack.data(), 6, n, kSize, kSize, opt);
  CHECK(r[0].flag == MomentFlag::None);
  CHECK(r[1].flag == MomentFlag::NoParticle);
  CHECK(r[2].flag == MomentFlag::NoParticle);
  CHECK(r[3].flag == MomentFlag::SeveralParticles);
  CHECK(r[3].components == 2);
  CHECK(r[4].flag == MomentFlag::TouchesBorder);
  CHECK(r[5].flag == MomentFlag::None);
  CHECK(r[5].angle_deg == r[0].angle_deg);  // the speck is outside the support
  for (int k : {1, 2, 3, 4}) CHECK(std::isnan(r[size_t(k)].angle_deg));
  const std::vector<float> f = angles_as_float(r, 4);
  CHECK(std::isnan(f[1]));
  CHECK(f[0] == float(r[0].angle_deg));

  std::ostringstream os;
  CHECK(report_flags(r, "predict: ", os) == 4);
  const std::string text = os.str();
  CAPTURE(text);
  CHECK(test::has(text, "predict: image 1: no particle (all background): angle NaN\n"));
  CHECK(test::has(text, "predict: image 2: no particle"));
  CHECK(test::has(text, "predict: image 3: several particles: angle NaN\n"));
  CHECK(test::has(text, "predict: image 4: particle touches the border: angle NaN\n"));
  CHECK_FALSE(test::has(text, "image 0:"));
  CHECK_FALSE(test::has(text, "image 5:"));
  CHECK(test::has(text, "predict: 4 of 6 images flagged (angle NaN): 2 no particle (all background), "
                        "1 particle touches the border, 1 several particles\n"));
  std::ostringstream none;
  CHECK(report_flags({r[0], r[5]}, "x: ", none) == 0);
  CHECK(none.str().empty());
}

TEST_CASE("moments: the support keeps background noise out of the moment") {
  // Without preprocessing, U[0, a) noise covers the frame; the n-th moment weighs a
  // pixel by |z − z₀|ⁿ, so the frame's corners (45 px out) outweigh the particle's
  // (~15 px) 80-fold. Summed over the whole frame the angle is lost; over the support
  // it stays within a degree or two.
  const ParticleShape sq = ParticleShape::square();
  MomentOptions opt;
  for (double amp : {0.3, 1.0}) {
    Rng rng(uint64_t(amp * 10), 3);
    double support2 = 0, frame2 = 0;
    const int count = 100;
    for (int t = 0; t < count; ++t) {
      Sample smp = random_render(sq, 4, rng);
      add_uniform_noise(smp.img.px.data(), smp.img.px.size(), amp, rng);
      const MomentResult r = moment_angle(smp.img.px.data(), kSize, kSize, opt);
      REQUIRE(r.flag == MomentFlag::None);
      support2 += std::pow(circular_error(r.angle_deg, smp.theta, 90), 2);
      // The whole frame, with the true background mean a/2 removed.
      const std::vector<uint8_t> all(size_t(kSize * kSize), 1);
      const auto m = central_moment(smp.img.px.data(), kSize, kSize, all, 0.5 * amp, 4);
      frame2 += std::pow(circular_error(moment_phase_angle_deg(m, 4), smp.theta, 90), 2);
    }
    const double support_rms = std::sqrt(support2 / count), frame_rms = std::sqrt(frame2 / count);
    CAPTURE(amp);
    CAPTURE(support_rms);
    CAPTURE(frame_rms);
    CHECK(support_rms < (amp < 0.5 ? 0.3 : 1.0));  // measured 0.18° and 0.61° (500 images)
    CHECK(frame_rms > 5 * support_rms);
  }
}

TEST_CASE("moments: bad options and images are refused with the reason") {
  MomentOptions opt;
  opt.order = 1;
  CHECK_THROWS_WITH_AS(opt.validate(), doctest::Contains("first moment about the centroid is zero"), Error);
  opt.order = 0;
  CHECK_THROWS_WITH_AS(opt.validate(), doctest::Contains("order n must be in 2..360, got 0"), Error);
  opt.order = 4;
  opt.dilate = -1;
  CHECK_THROWS_WITH_AS(opt.validate(), doctest::Contains("dilate"), Error);
  MomentOptions ok;
  const std::vector<float> tiny(4, 1.0f);
  CHECK_THROWS_WITH_AS(moment_angles(tiny.data(), 1, 4, 2, 2, ok), doctest::Contains("at least 3x3"), Error);
  std::vector<float> nan_image(size_t(kSize * kSize), 0.0f);
  nan_image[70] = std::nanf("");
  CHECK_THROWS_WITH_AS(moment_angles(nan_image.data(), 1, kSize * kSize, kSize, kSize, ok),
                       doctest::Contains("image 0: moments: pixel 70 is nan"), Error);
}

// ---- the CLI -------------------------------------------------------------------------

namespace {
// Squares (supersample 4) at known angles, with an empty image at index 2.
std::vector<float> cli_stack(const ParticleShape& s, std::vector<double>& theta) {
  std::vector<float> stack;
  Rng rng(9, 9);
  for (int k = 0; k < 6; ++k) {
    if (k == 2) {
      stack.resize(stack.size() + size_t(kSize * kSize), 0.0f);
      theta.push_back(0);
      continue;
    }
    const Sample smp = random_render(s, 4, rng);
    stack.insert(stack.end(), smp.img.px.begin(), smp.img.px.end());
    theta.push_back(smp.theta);
  }
  return stack;
}

// A failed command: non-zero status, one line of output naming `part`, no output file.
void refused(const test::Run& r, const std::string& part, const std::string& output) {
  test::one_line_error(r, part);
  CHECK_FALSE(std::filesystem::exists(output));
}
}  // namespace

TEST_CASE("moments: predict --method moments writes the angles, NaN for the empty image") {
  test::TempDir d("moments_cli");
  for (int sides : {4, 6}) {
    std::vector<double> theta;
    const std::vector<float> stack = cli_stack(ParticleShape::polygon(sides), theta);
    const std::string in = d.file("x" + std::to_string(sides) + ".npy"), out = d.file("a.npy");
    // [N, H, W] for the square, [N, 1, H, W] for the hexagon.
    save_npy(in, sides == 4 ? std::vector<int64_t>{6, kSize, kSize} : std::vector<int64_t>{6, 1, kSize, kSize},
             stack.data());
    const std::string order = sides == 4 ? "" : " --order 6";
    const test::Run r = test::run_cli("predict --method moments" + order + " --input " + in + " --output " + out);
    CAPTURE(r.out);
    REQUIRE(r.status == 0);
    CHECK(test::has(r.out, "predict: image 2: no particle (all background): angle NaN"));
    CHECK(test::has(r.out, "predict: 1 of 6 images flagged (angle NaN)"));
    CHECK(test::has(r.out, "1 flagged: NaN"));
    const NpyArray a = load_npy(out);
    REQUIRE(a.shape == std::vector<int64_t>{6});
    for (size_t k = 0; k < 6; ++k) {
      CAPTURE(k);
      if (k == 2) {
        CHECK(std::isnan(a.data[k]));
        continue;
      }
      CHECK((a.data[k] >= 0 && a.data[k] < 360.0f / sides));
      CHECK(circular_error(a.data[k], theta[k], 360.0 / sides) < 0.8);
    }
    std::filesystem::remove(out);
  }
  // Bad values: one line, a non-zero status, nothing written.
  std::vector<double> theta;
  const std::vector<float> stack = cli_stack(ParticleShape::square(), theta);
  const std::string in = d.file("x.npy"), out = d.file("never.npy");
  save_npy(in, {6, kSize, kSize}, stack.data());
  const std::string io = " --input " + in + " --output " + out;
  refused(test::run_cli("predict --method moment" + io), "--method must be model, moments or match, got 'moment'", out);
  refused(test::run_cli("predict --method moments --order 1" + io), "--order must be in 2..360, got 1", out);
  refused(test::run_cli("predict --method moments --order 0" + io), "--order must be in 2..360, got 0", out);
  refused(test::run_cli("predict --method moments --order four" + io), "--order expects an integer", out);
  refused(test::run_cli("predict" + io), "--checkpoint is required (or --method moments", out);
  refused(test::run_cli("predict --method model" + io), "--checkpoint is required", out);
  const std::string flat = d.file("flat.npy");
  save_npy(flat, {6, kSize * kSize}, stack.data());
  refused(test::run_cli("predict --method moments --input " + flat + " --output " + out),
          "--method moments takes 2-D images", out);
}

TEST_CASE("moments: eval scores the closed form on a folder's pairs, alone or beside a model") {
  test::TempDir d("moments_eval");
  const std::string folder = d.file("pairs");
  REQUIRE(test::run_cli("gen --out " + folder + " --count 60 --supersample 4 --noise 0.1 --seed 3").status == 0);
  const test::Run r = test::run_cli("eval --method moments --data " + folder + " --out " + d.file("e"));
  CAPTURE(r.out);
  REQUIRE(r.status == 0);
  // The same score computed here from the folder: the CLI read the first images, the
  // true angles and the order.
  const Dataset ds = load_dataset(folder);
  MomentOptions opt;
  const std::vector<MomentResult> m = moment_angles(ds.images.data(), ds.count(), ds.sample_floats(), 64, 64, opt);
  const Accuracy acc = evaluate_angles(angles_as_float(m, 4), ds.angles, 4);
  CHECK(test::has(r.out, table_row("moments", acc)));
  CHECK(test::has(r.out, "on 60 of 60 pairs of " + folder));
  CHECK(acc.within[2] > 95.0);  // supersample 4, noise 0.1: errors are hundredths of a degree
  const std::vector<char> j = read_file_bytes(d.file("e/eval_moments.json"));
  const nlohmann::json e = nlohmann::json::parse(std::string(j.begin(), j.end()));
  CHECK(e.at("flagged") == 0);
  CHECK(e.at("std_deg").get<double>() == doctest::Approx(acc.std_deg));
  // Without --out and a checkpoint nothing is written.
  CHECK(test::run_cli("eval --method moments --data " + folder).status == 0);

  // Beside a model: a tiny one trained here; the closed form's row comes before the
  // model's, which stays the last line.
  {
    std::ofstream(d.file("tiny.json")) << R"({"name": "tiny", "stages": [1.0], "epochs_per_stage": 1,
      "final_epochs": 1, "batch": 16, "eval_pairs": 40, "data": {"count": 48, "size": 64}})";
  }
  REQUIRE(test::run_cli("train --config " + d.file("tiny.json") + " --out " + d.file("run")).status == 0);
  const std::string ck = d.file("run/checkpoint.safetensors");
  const test::Run both = test::run_cli("eval --checkpoint " + ck + " --data " + folder + " --out " + d.file("b"));
  CAPTURE(both.out);
  REQUIRE(both.status == 0);
  const size_t at_moments = both.out.find(table_row("moments", acc)), at_model = both.out.find("\n10° ");
  CHECK(at_moments != std::string::npos);
  CHECK(at_model != std::string::npos);
  CHECK(at_moments < at_model);
  CHECK(std::filesystem::exists(d.file("b/eval.json")));
  CHECK(std::filesystem::exists(d.file("b/eval_moments.json")));
  const test::Run model_only = test::run_cli("eval --method model --checkpoint " + ck + " --data " + folder +
                                             " --out " + d.file("m"));
  CHECK(model_only.status == 0);
  CHECK_FALSE(test::has(model_only.out, "closed form"));
  CHECK_FALSE(test::has(model_only.out, "\nmoments "));
  CHECK_FALSE(std::filesystem::exists(d.file("m/eval_moments.json")));

  // Refusals: one line, non-zero exit.
  refused(test::run_cli("eval --method moment --data " + folder + " --out " + d.file("x")),
          "--method must be both, model or moments, got 'moment'", d.file("x/eval_moments.json"));
  refused(test::run_cli("eval --method moments"), "needs --data DIR", d.file("eval_moments.json"));
  refused(test::run_cli("eval --data " + folder), "--checkpoint is required", d.file("eval.json"));
  const std::string proj = d.file("proj");
  REQUIRE(test::run_cli("gen --out " + proj + " --count 5 --projection").status == 0);
  refused(test::run_cli("eval --method moments --data " + proj + " --out " + d.file("p")),
          "the closed form does not apply: it reads 2-D images", d.file("p/eval_moments.json"));
}

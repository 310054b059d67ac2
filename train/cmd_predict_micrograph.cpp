// `stereograd predict --micrograph FILE --out DIR`: every particle of one large image.
// Detects the particles (data/micrograph.h), crops each to the checkpoint's data.size,
// applies the checkpoint's preprocessing and predicts its angle in batches, so memory is
// the micrograph plus one batch. Writes DIR/particles.csv and DIR/overlay.png
// (docs/micrograph.md).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "data/image.h"
#include "data/image_io.h"
#include "data/image_read.h"
#include "data/micrograph.h"
#include "data/moments.h"
#include "data/preprocess.h"
#include "data/shapes.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/calibration.h"
#include "train/checkpoint.h"
#include "train/commands.h"
#include "train/predict_angles.h"

namespace sg {

namespace {
constexpr int64_t kBatch = 256;

// Without size normalisation the model knows circumradii in [radius_min, radius_max]·size
// only: resample about the frame centre c, out(p) = bilinear(in, c + (p − c)·s), with
// s = R / clamp(R, lo, hi) for the crop's circumradius R.
void fit_radius(float* img, int64_t size, double radius, double lo, double hi) {
  const double s = radius / std::clamp(radius, lo, hi), c = (double(size) - 1) / 2;
  if (s == 1) return;
  std::vector<float> in(img, img + size * size);
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < size; ++j)
      img[i * size + j] = float(bilinear(in.data(), size, size, c + (i - c) * s, c + (j - c) * s));
}

// 3x5 digit glyphs, one row per 3 bits (msb = left column).
constexpr uint8_t kDigits[10][5] = {{7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7},
                                    {5, 5, 7, 1, 1}, {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1},
                                    {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7}};

// The micrograph in grey (its 0.5 %..99.5 % range mapped to 0..0.7), downsampled by an
// integer factor to at most 2048 px a side; each particle's bounding box, a line of its
// circumradius from the centroid along the angle (x right, y down, clockwise as shown, as
// the renderer turns shapes) and its id, in white.
Image overlay(const Detection& d, const std::vector<float>& angles) {
  const int64_t f = std::max<int64_t>(1, (std::max(d.h, d.w) + 2047) / 2048);
  Image img(d.h / f, d.w / f);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < img.h; ++i)
    for (int64_t j = 0; j < img.w; ++j) {
      double s = 0;
      for (int64_t a = 0; a < f; ++a)
        for (int64_t b = 0; b < f; ++b) s += d.residual[(i * f + a) * d.w + j * f + b];
      img.at(i, j) = float(s / double(f * f));
    }
  // The grey range from at most ~2^20 evenly spaced pixels: a display range needs no more.
  std::vector<float> sorted;
  const size_t stride = std::max<size_t>(1, img.px.size() >> 20);
  for (size_t k = 0; k < img.px.size(); k += stride) sorted.push_back(img.px[k]);
  auto quantile = [&](double q) {
    const auto it = sorted.begin() + int64_t(q * double(sorted.size() - 1));
    std::nth_element(sorted.begin(), it, sorted.end());
    return *it;
  };
  const float lo = quantile(0.005), hi = quantile(0.995);
  for (float& v : img.px) v = hi > lo ? 0.7f * std::clamp((v - lo) / (hi - lo), 0.0f, 1.0f) : 0.0f;
  auto dot = [&](int64_t y, int64_t x) {
    if (y >= 0 && y < img.h && x >= 0 && x < img.w) img.at(y, x) = 1.0f;
  };
  for (size_t k = 0; k < d.particles.size(); ++k) {
    const Particle& p = d.particles[k];
    const int64_t x0 = p.x0 / f - 1, x1 = p.x1 / f + 1, y0 = p.y0 / f - 1, y1 = p.y1 / f + 1;
    for (int64_t x = x0; x <= x1; ++x) dot(y0, x), dot(y1, x);
    for (int64_t y = y0; y <= y1; ++y) dot(y, x0), dot(y, x1);
    double c, s;
    cos_sin_deg(std::isfinite(angles[k]) ? angles[k] : 0.0, c, s);
    for (double t = 0; t <= p.radius_px / double(f); t += 0.5) dot(int64_t(p.y / f + t * s), int64_t(p.x / f + t * c));
    const std::string id = std::to_string(p.id);
    for (size_t q = 0; q < id.size(); ++q)
      for (int r = 0; r < 5; ++r)
        for (int b = 0; b < 3; ++b)
          if (kDigits[id[q] - '0'][r] >> (2 - b) & 1) dot(y0 - 6 + r, x0 + int64_t(q) * 4 + b);
  }
  return img;
}
}  // namespace

int predict_micrograph(const ArgParser& p, Device device) {
  const std::string in = p.get("micrograph");
  SG_USAGE_CHECK(p.given("out"), "predict: --micrograph needs --out DIR");
  SG_USAGE_CHECK(!p.given("input") && !p.given("output"), "predict: --micrograph writes DIR/particles.csv; drop --input/--output");
  const std::string method = p.given("method") ? p.get("method") : "model";
  SG_USAGE_CHECK(method == "model" || method == "moments", "predict: --micrograph takes --method model or moments, got '", method, "'");
  SG_USAGE_CHECK(method == "moments" || p.given("checkpoint"), "predict: --micrograph needs --checkpoint (or --method moments)");
  Checkpoint c;
  int64_t size = 64;
  int order = p.given("order") ? int(p.get_int("order")) : 4;
  if (p.given("checkpoint")) {
    c = read_checkpoint(p.get("checkpoint"));
    SG_CHECK(!c.config.reads_projections() && !c.config.data.projection, "predict: '", p.get("checkpoint"),
             "' is a 1-D model (it reads projections); --micrograph needs a 2-D image model");
    size = c.config.data.size;
    c.config.test_rotations = rotations_option(p, c.config.test_rotations);
    order = ParticleShape::make(c.config.data.shape, c.config.data.sides).order();
  }
  SG_CHECK(order >= 2 && order <= 360, "predict: --order must be in 2..360, got ", order);
  std::optional<Calibration> cal;  // --calibrated: eval's offset and mirror, checked before any work
  if (p.get_flag("calibrated")) {
    SG_USAGE_CHECK(method == "model", "predict: --calibrated is for --method model (the closed form's zero is the renderer's)");
    cal = stored_calibration(c.calibration, p.get("checkpoint"), 360.0 / order);
    SG_CHECK(cal, "predict: --calibrated: checkpoint '", p.get("checkpoint"), "' holds no calibration; run stereograd "
             "eval --checkpoint ", p.get("checkpoint"), " first");
  }
  const NpyArray a = read_stack(in);
  Shape got = a.shape;
  while (got.size() > 2 && got[0] == 1) got.erase(got.begin());
  SG_CHECK(got.size() == 2, "predict: '", in, "' has shape ", shape_str(a.shape), "; --micrograph takes one 2-D image [H, W]");
  SG_CHECK(got[0] >= 3 && got[1] >= 3, "predict: '", in, "' is ", got[0], "x", got[1], ": an empty micrograph");
  bool finite = true;
#pragma omp parallel for schedule(static) reduction(&& : finite)
  for (int64_t k = 0; k < int64_t(a.data.size()); ++k) finite = finite && std::isfinite(a.data[k]);
  SG_CHECK(finite, "predict: '", in, "' holds a non-finite value");
  const int64_t h = got[0], w = got[1];
  DetectOptions opt;
  Detection d;
  try {
    d = detect_particles(a.data.data(), h, w, opt);
  } catch (const Error& e) {
    fail("predict: '", in, "': ", e.what());
  }
  const int64_t N = int64_t(d.particles.size());
  SG_CHECK(N > 0, "predict: '", in, "': no particle found");

  std::unique_ptr<PairModel> model;
  if (method == "model") model = model_from_checkpoint(c, device);
  std::vector<float> angles(static_cast<size_t>(N)), batch;
  std::vector<int64_t> factors(static_cast<size_t>(N));
  for (int64_t b0 = 0; b0 < N; b0 += kBatch) {
    const int64_t n = std::min(kBatch, N - b0);
    batch.assign(size_t(n * size * size), 0.0f);
#pragma omp parallel for schedule(dynamic, 8)
    for (int64_t k = 0; k < n; ++k) {
      const Particle& q = d.particles[b0 + k];
      factors[b0 + k] = crop_factor(q, size);
      crop_particle(d, q, size, factors[b0 + k], opt.grow, batch.data() + k * size * size);
      if (method == "model" && c.config.data.normalise_size <= 0)
        fit_radius(batch.data() + k * size * size, size, q.radius_px / double(factors[b0 + k]),
                   c.config.data.radius_min * double(size), c.config.data.radius_max * double(size));
    }
    std::vector<float> r;
    if (method == "moments") {
      MomentOptions mo;
      mo.order = order;
      r = angles_as_float(moment_angles(batch.data(), n, size * size, size, size, mo), order);
    } else {
      if (c.config.data.normalise_size > 0) normalise_sizes(batch.data(), n, size, c.config.data.normalise_size);
      r = predict_angles(*model, batch.data(), n, {1, size, size}, device, c.config.test_rotations);
    }
    std::copy(r.begin(), r.end(), angles.begin() + b0);
  }

  if (cal) calibrate_angles(*cal, angles);

  const std::string out = p.get("out");
  std::filesystem::create_directories(out);
  int64_t flagged = 0;
  write_file_atomic(out + "/particles.csv", [&](std::ostream& os) {
    os << "id,x,y,area_px,radius_px,angle_deg,flags\n";
    os.precision(7);
    for (int64_t k = 0; k < N; ++k) {
      const Particle& q = d.particles[k];
      flagged += q.flags != 0;
      os << q.id << "," << q.x << "," << q.y << "," << q.area_px << "," << q.radius_px << "," << angles[k] << ","
         << flag_words(q.flags) << "\n";
    }
  });
  write_png(out + "/overlay.png", overlay(d, angles), 0, 1);
  std::cout << "predict: " << N << " particles in '" << in << "' (" << flagged << " flagged), angles in degrees in [0, "
            << 360.0 / order << ")" << (cal ? ", calibrated" : method == "model" ? " from the model's own zero" : "") << ", to " << out << "/particles.csv and overlay.png\n";
  return 0;
}

}  // namespace sg

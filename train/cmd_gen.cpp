// stereograd gen: write a stereo-pair dataset (images.npy, or images.tif / images.mrc with
// --format; angles.npy, params.json) and optionally a preview grid of sample pairs. See
// data/pairs.h and docs/data.md.
#include <chrono>
#include <climits>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "data/dataset_io.h"
#include "data/image_io.h"
#include "data/image_read.h"
#include "data/noise.h"
#include "data/pairs.h"
#include "data/preview.h"
#include "data/shapes.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/random.h"
#include "train/args.h"
#include "train/cmd_gen3d.h"
#include "train/commands.h"

namespace sg {

namespace {
int small_int(const ArgParser& p, const std::string& name) {
  const int64_t v = p.get_int(name);
  SG_CHECK(v >= INT_MIN && v <= INT_MAX, "--", name, " is out of range: ", v);
  return int(v);
}

// gen --micrograph: `count` particles of circumradius uniform in [particle-radius-min,
// -max] px at uniform angles, placed by rejection sampling so that no two circumcircles
// come closer than --gap px (and none leaves the frame), each rendered into its own
// window and added into the frame; then the noise. Writes DIR/micrograph.<format> [H, W]
// and DIR/truth.csv (id, x, y, radius_px, angle_deg).
int gen_micrograph(const ArgParser& p) {
  const ParticleShape shape = ParticleShape::make(p.get("shape"), p.given("sides") ? small_int(p, "sides") : 0);
  const int64_t frame = p.get_int("frame"), count = p.get_int("count");
  const double rmin = p.get_double("particle-radius-min"), rmax = p.get_double("particle-radius-max");
  const double gap = p.get_double("gap"), noise = p.get_double("noise"), dose = p.get_double("dose");
  const int k = small_int(p, "supersample");
  SG_CHECK(frame >= 16 && frame <= 65536, "--frame must be in 16..65536, got ", frame);
  SG_CHECK(count >= 0, "--count must be >= 0, got ", count);
  SG_CHECK(rmin >= 1 && rmax >= rmin && 2 * rmax + 2 < double(frame), "--particle-radius-min/max: need 1 <= min <= max < frame/2 - 1");
  SG_CHECK(gap >= 0 && noise >= 0 && dose >= 0 && k >= 1, "--gap, --noise, --dose must be >= 0, --supersample >= 1");
  const std::string format = p.get("format");
  SG_CHECK(format == "npy" || format == "tif" || format == "mrc", "--format '", format, "': use npy, tif or mrc");
  const int64_t seed = p.get_int("seed");
  SG_CHECK(seed >= 0, "--seed must be a non-negative integer, got ", seed);
  Rng rng(uint64_t(seed), 7);
  // A uniform grid of cells 2·rmax + gap wide: a new disc only needs the 3x3 cells around it.
  const double cell = 2 * rmax + gap;
  const int64_t cells = int64_t(std::ceil(double(frame) / cell));
  std::vector<std::vector<int64_t>> grid(size_t(cells * cells));
  std::vector<Pose> poses;
  for (int64_t tries = 0; int64_t(poses.size()) < count && tries < 200 * std::max<int64_t>(count, 1); ++tries) {
    Pose q;
    q.radius = rng.uniform(rmin, rmax);
    q.cx = rng.uniform(q.radius + 1, double(frame) - q.radius - 1);
    q.cy = rng.uniform(q.radius + 1, double(frame) - q.radius - 1);
    q.theta_deg = rng.uniform(0, 360);
    const int64_t gx = int64_t(q.cx / cell), gy = int64_t(q.cy / cell);
    bool free = true;
    for (int64_t a = std::max<int64_t>(0, gy - 1); free && a <= std::min(cells - 1, gy + 1); ++a)
      for (int64_t b = std::max<int64_t>(0, gx - 1); free && b <= std::min(cells - 1, gx + 1); ++b)
        for (int64_t o : grid[a * cells + b]) {
          const Pose& e = poses[o];
          if (std::hypot(e.cx - q.cx, e.cy - q.cy) < e.radius + q.radius + gap) free = false;
        }
    if (!free) continue;
    grid[gy * cells + gx].push_back(int64_t(poses.size()));
    poses.push_back(q);
  }
  SG_CHECK(int64_t(poses.size()) == count, "gen --micrograph: only ", poses.size(), " of ", count,
           " particles fit in a ", frame, "x", frame, " frame with --gap ", gap);
  std::vector<float> img(size_t(frame * frame), 0.0f);
  for (const Pose& q : poses) {
    const int64_t half = int64_t(std::ceil(q.radius)) + 2, win = 2 * half;
    const int64_t x0 = std::clamp<int64_t>(int64_t(std::floor(q.cx)) - half, 0, frame - win);
    const int64_t y0 = std::clamp<int64_t>(int64_t(std::floor(q.cy)) - half, 0, frame - win);
    Pose local = q;
    local.cx -= double(x0), local.cy -= double(y0);
    std::vector<float> buf(size_t(win * win));
    render(shape, local, k, win, win, buf.data());
    for (int64_t i = 0; i < win; ++i)
      for (int64_t j = 0; j < win; ++j) img[(y0 + i) * frame + x0 + j] += buf[i * win + j];
  }
  if (dose > 0) add_shot_noise(img.data(), img.size(), dose, rng);
  if (noise > 0) add_uniform_noise(img.data(), img.size(), noise, rng);
  const std::string out = p.get("out");
  std::filesystem::create_directories(out);
  const std::string image_path = out + "/micrograph." + format;
  write_stack(image_path, {frame, frame}, img.data());
  write_file_atomic(out + "/truth.csv", [&](std::ostream& os) {
    os << "id,x,y,radius_px,angle_deg\n";
    os.precision(9);
    for (size_t i = 0; i < poses.size(); ++i)
      os << i + 1 << "," << poses[i].cx << "," << poses[i].cy << "," << poses[i].radius << ","
         << std::fmod(poses[i].theta_deg, 360.0 / shape.order()) << "\n";
  });
  std::cout << "gen: wrote a " << frame << "x" << frame << " micrograph of " << count << " '" << shape.name()
            << "' particles to " << image_path << " and " << out << "/truth.csv\n";
  return 0;
}
}  // namespace

ArgParser gen_options() {
  ArgParser p("gen",
              "Write a dataset of stereo pairs: the same particle at theta and at theta +\n"
              "stereo angle, with noise and the report's preprocessing. Files: DIR/images.npy\n"
              "[N, 2, H, W] (or [N, 2, L] with --projection; images.tif or images.mrc with\n"
              "--format), DIR/angles.npy [N] (theta of the first image, degrees),\n"
              "DIR/params.json (every parameter and the seed).");
  p.option("out", "DIR", "output directory", "", true)
      .option("shape", "NAME", std::string("particle shape: ") + shape_names(), "square")
      .option("sides", "N", "corners of the regular polygon (--shape polygon only)")
      .option("count", "N", "number of stereo pairs", "1000")
      .option("size", "PX", "image side in pixels (projection length)", "64")
      .option("stereo-angle", "DEG", "angle between the images of a pair, in (0, 180)", "10")
      .option("angle-min", "DEG", "theta is uniform in [angle-min, angle-max)", "0")
      .option("angle-max", "DEG", "upper end of the theta range, <= 360", "360")
      .option("radius-min", "FRAC", "smallest circumradius, as a fraction of size", "0.15")
      .option("radius-max", "FRAC", "largest circumradius, as a fraction of size (<= 0.35)", "0.30")
      .option("seed", "S", "random seed (non-negative integer)", "0")
      .option("noise", "A", "uniform background noise: U[0, A) added to every pixel", "1")
      .option("dose", "D", "shot noise: electrons per pixel at full coverage (0 = off)", "0")
      .option("threshold", "T", "noise removal threshold (default: the noise amplitude A)")
      .option("supersample", "K", "anti-aliasing: K x K sub-samples per pixel (1 = binary)", "1")
      .option("supersample-max", "K", "variety: each pair's K uniform in [supersample, this] (0 = off)", "0")
      .option("dose-max", "D", "variety: each pair's dose log-uniform in [dose, this] (0 = off)", "0")
      .option("shot-fraction", "P", "variety: probability a pair gets shot noise (with --dose)", "1")
      .option("blur-max", "PX", "probe blur: Gaussian sigma uniform in [0, PX] per pair", "0")
      .option("intensity-min", "G", "each image scaled by uniform [G, intensity-max] after preprocessing", "1")
      .option("intensity-max", "G", "upper end of the intensity scale", "1")
      .option("normalise-size", "FRAC", "resample so the rms radius is FRAC of size (0 = off)", "0")
      .flag("no-preprocess", "keep noise and position (no thresholding, no centring)")
      .flag("projection", "store 1-D projections (sums along y) instead of images")
      .option("format", "F", "images file: npy, tif or mrc (tif, mrc: float32 stacks of 2N pages)", "npy")
      .option("preview", "FILE", "also write a grid of sample pairs (.png or .pgm)")
      .option("preview-pairs", "N", "pairs shown in the preview", "8")
      .flag("micrograph", "write one large frame of many particles (micrograph.<format>, truth.csv)")
      .option("frame", "PX", "--micrograph: frame side in pixels", "2048")
      .option("particle-radius-min", "PX", "--micrograph: smallest circumradius in pixels", "8")
      .option("particle-radius-max", "PX", "--micrograph: largest circumradius in pixels", "16")
      .option("gap", "PX", "--micrograph: least distance between circumcircles", "3");
  return p;
}

int cmd_gen(const Args& args) {
  if (wants_polyhedra(args)) return gen_polyhedra(args);  // --shape cube, ...: 3-D particles
  ArgParser p = gen_options();
  if (!p.parse(args, std::cout)) return 0;
  if (p.get_flag("micrograph")) return gen_micrograph(p);

  GenParams g;
  g.shape = p.get("shape");
  if (p.given("sides")) g.sides = small_int(p, "sides");
  SG_CHECK(g.shape != "polygon" || p.given("sides"), "--shape polygon needs --sides N");
  g.count = p.get_int("count");
  g.size = p.get_int("size");
  g.stereo_angle_deg = p.get_double("stereo-angle");
  g.angle_min_deg = p.get_double("angle-min");
  g.angle_max_deg = p.get_double("angle-max");
  g.radius_min = p.get_double("radius-min");
  g.radius_max = p.get_double("radius-max");
  const int64_t seed = p.get_int("seed");
  SG_CHECK(seed >= 0, "--seed must be a non-negative integer, got ", seed);
  g.seed = uint64_t(seed);
  g.noise = p.get_double("noise");
  g.dose = p.get_double("dose");
  if (p.given("threshold")) {
    g.threshold = p.get_double("threshold");
    SG_CHECK(g.threshold >= 0, "--threshold must be >= 0, got ", g.threshold);
  }
  g.supersample = small_int(p, "supersample");
  g.supersample_max = small_int(p, "supersample-max");
  g.dose_max = p.get_double("dose-max");
  g.shot_fraction = p.get_double("shot-fraction");
  g.blur_max = p.get_double("blur-max");
  g.intensity_min = p.get_double("intensity-min");
  g.intensity_max = p.get_double("intensity-max");
  g.normalise_size = p.get_double("normalise-size");
  g.preprocess = !p.get_flag("no-preprocess");
  g.projection = p.get_flag("projection");
  const int64_t preview_pairs = p.get_int("preview-pairs");
  SG_CHECK(preview_pairs > 0, "--preview-pairs must be positive, got ", preview_pairs);
  const std::string preview = p.get("preview");
  SG_CHECK(preview.empty() || has_image_extension(preview), "--preview '", preview,
           "': use a .png or .pgm file name");
  const std::string format = p.get("format");
  SG_CHECK(format == "npy" || format == "tif" || format == "mrc", "--format '", format,
           "': use npy, tif or mrc");
  g.validate();

  const auto t0 = std::chrono::steady_clock::now();
  const Dataset ds = generate(g);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string out = p.get("out");
  save_dataset(out, ds, format);
  if (!preview.empty()) write_image(preview, pair_grid(ds, preview_pairs), 0, 1);

  std::string shape_text = "[";
  for (int64_t d : ds.image_shape())
    shape_text += (shape_text.size() > 1 ? ", " : "") + std::to_string(d);
  shape_text += "]";
  std::cout << "gen: wrote " << ds.count() << " pairs of '" << g.shape
            << "' (order n = " << ds.order() << ") as images " << shape_text << " to " << out
            << " in " << seconds << " s\n";
  std::cout << nlohmann::json{{"command", "gen"},
                              {"out", out},
                              {"shape", g.shape},
                              {"order", ds.order()},
                              {"images", ds.image_shape()},
                              {"seconds", seconds},
                              {"pairs_per_s", double(ds.count()) / seconds}}
                   .dump()
            << "\n";
  return 0;
}

}  // namespace sg

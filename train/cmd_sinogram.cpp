// stereograd sinogram: one shape's projections over 0-360 degrees, its filtered back
// projection, and the reconstruction error (report §2.5, figures 2.7 and 2.8; the
// anti-aliasing of §5). See data/sinogram.h and docs/data.md.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "data/image_io.h"
#include "data/shapes.h"
#include "data/sinogram.h"
#include "engine/error.h"
#include "engine/io/npy.h"
#include "train/args.h"
#include "train/commands.h"

namespace sg {

namespace {
// The reference for the "coverage" error: each pixel's covered fraction, measured with
// 16 x 16 sub-samples (within 1/256 of the exact area fraction).
constexpr int kCoverageSupersample = 16;
}  // namespace

ArgParser sinogram_options() {
  ArgParser p("sinogram",
              "Render one shape at every angle from 0 to 360 degrees, project each image\n"
              "along y into a sinogram, reconstruct the shape by filtered back projection\n"
              "(scikit-image's iradon: ramp filter, linear interpolation) and print the\n"
              "reconstruction's RMSE against the shape rendered at theta = 0 with the same\n"
              "--supersample ('rmse') and against its exact pixel coverage ('rmse_coverage').");
  p.option("shape", "NAME", std::string("particle shape: ") + shape_names(), "s")
      .option("sides", "N", "corners of the regular polygon (--shape polygon only)")
      .option("size", "PX", "image side in pixels", "64")
      .option("radius", "PX", "circumradius in pixels (default 3/8 of size)")
      .option("step", "DEG", "angle step; must divide 360", "1")
      .option("supersample", "K", "anti-aliasing: K x K sub-samples per pixel (1 = binary)", "1")
      .option("out", "DIR", "write sinogram, original, reconstruction (.png and .npy) here");
  return p;
}

int cmd_sinogram(const Args& args) {
  ArgParser p = sinogram_options();
  if (!p.parse(args, std::cout)) return 0;

  const std::string name = p.get("shape");
  int sides = 0;
  if (p.given("sides")) {
    const int64_t s = p.get_int("sides");
    SG_CHECK(s >= 3 && s <= 360, "--sides must be in [3, 360], got ", s);
    sides = int(s);
  }
  SG_CHECK(name != "polygon" || p.given("sides"), "--shape polygon needs --sides N");
  SG_CHECK(name == "polygon" || !p.given("sides"), "--sides applies only to --shape polygon");
  const int64_t size = p.get_int("size");
  SG_CHECK(size >= 16 && size <= 1024, "--size must be in [16, 1024], got ", size);
  const double radius = p.given("radius") ? p.get_double("radius") : 0.375 * double(size);
  SG_CHECK(radius > 0 && radius <= double(size) / 2 - 1, "--radius must be in (0, ",
           double(size) / 2 - 1, "] so the shape stays inside the reconstruction circle, got ",
           radius);
  const double step = p.get_double("step");
  SG_CHECK(step > 0 && step <= 180, "--step must be in (0, 180] degrees, got ", step);
  SG_CHECK(std::abs(360.0 / step - std::round(360.0 / step)) < 1e-6 * (360.0 / step), "--step ",
           step, " does not divide 360 degrees evenly");
  const int64_t k = p.get_int("supersample");
  SG_CHECK(k >= 1 && k <= 32, "--supersample must be in [1, 32], got ", k);

  const ParticleShape shape = ParticleShape::make(name, sides);
  const Sinogram sino = make_sinogram(shape, size, radius, step, int(k));
  const Image rec = filtered_back_projection(sino);
  const Image original = render(shape, sinogram_pose(size, radius, 0), int(k), size);
  const Image coverage = render(shape, sinogram_pose(size, radius, 0), kCoverageSupersample, size);
  const double err = rmse(rec, original), err_cov = rmse(rec, coverage);

  if (p.given("out")) {
    const std::filesystem::path dir = p.get("out");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    SG_CHECK(!ec, "cannot create directory '", dir.string(), "': ", ec.message());
    write_png((dir / "sinogram.png").string(), transposed(sino.rows));
    write_png((dir / "original.png").string(), original, 0, 1);
    write_png((dir / "reconstruction.png").string(), rec);
    save_npy((dir / "sinogram.npy").string(), {sino.rows.h, sino.rows.w}, sino.rows.px.data());
    save_npy((dir / "original.npy").string(), {size, size}, original.px.data());
    save_npy((dir / "reconstruction.npy").string(), {size, size}, rec.px.data());
  }
  std::cout << "sinogram: shape '" << name << "', " << sino.angles_deg.size()
            << " angles, supersample " << k << ": reconstruction RMSE " << err
            << " (against the exact coverage " << err_cov << ")\n";
  std::cout << nlohmann::json{{"command", "sinogram"},
                              {"shape", name},
                              {"size", size},
                              {"radius", radius},
                              {"step_deg", step},
                              {"angles", sino.angles_deg.size()},
                              {"supersample", k},
                              {"rmse", err},
                              {"rmse_coverage", err_cov}}
                   .dump()
            << "\n";
  return 0;
}

}  // namespace sg

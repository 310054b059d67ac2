#include "train/cmd_gen3d.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "data/pairs3d.h"
#include "data/tilt_pair_sync.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "train/eval3d.h"

namespace sg {

ArgParser gen_polyhedra_options() {
  ArgParser p("gen",
              "Write tilt pairs of a 3-D polyhedron: HAADF thickness projections at R and at\n"
              "R_axis(stereo angle) R. Files: DIR/images.npy [N, 2, H, W], DIR/orientations.npy\n"
              "[N, 4] (quaternion w, x, y, z of the first image), DIR/sizes.npy [N]\n"
              "(circumradius, px), DIR/params.json. See docs/particles3d.md.");
  p.option("out", "DIR", "output directory", "", true)
      .option("shape", "NAME", "polyhedron: " + polyhedron_names_text(), "", true)
      .option("ino", "C", "decahedron: {100} facets at C x equatorial radius, (0.309, 1]", "0.8")
      .option("count", "N", "number of pairs", "1000")
      .option("size", "PX", "image side in pixels", "64")
      .option("stereo-angle", "DEG", "tilt between the images of a pair, in (0, 90)", "10")
      .option("tilt-axis", "X,Y,Z", "holder axis in the lab frame (x right, y down, z beam)", "1,0,0")
      .option("task", "T", "full (R uniform on SO(3)) or single-axis (R = R_axis(alpha) R0)", "full")
      .flag("axis-aligned", "single-axis: R0 = identity instead of drawn from the seed")
      .option("radius-min", "FRAC", "smallest circumradius, as a fraction of size", "0.15")
      .option("radius-max", "FRAC", "largest circumradius, as a fraction of size (<= 0.45)", "0.30")
      .option("supersample", "K", "K x K sub-samples per pixel", "1")
      .option("exponent", "P", "pixel value = thickness^P", "1")
      .option("blur", "PX", "probe blur: Gaussian sigma in pixels (0 = off)", "0")
      .option("dose", "D", "shot noise: electrons per pixel per pixel of thickness (0 = off)", "0")
      .option("noise", "A", "uniform background noise U[0, A)", "0")
      .option("seed", "S", "random seed (non-negative integer); fixes R0 of the single-axis task", "0")
      .flag("pseudo-labels", "also write angles.npy: each pair's alpha from angular synchronisation of\n"
            "the images (no ground truth; a global offset), for a model distilled in mode\n"
            "supervised (docs/particles3d.md)")
      .option("first-index", "I", "pair i draws from counter I + i: unseen pairs of the same R0\n"
              "come from the same seed at a disjoint range", "0");
  return p;
}

bool wants_polyhedra(const Args& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--shape" && i + 1 < args.size()) return is_polyhedron(args[i + 1]);
    if (args[i].rfind("--shape=", 0) == 0) return is_polyhedron(args[i].substr(8));
  }
  return false;
}

int gen_polyhedra(const Args& args) {
  ArgParser p = gen_polyhedra_options();
  if (!p.parse(args, std::cout)) return 0;
  Gen3dParams g;
  g.shape = p.get("shape");
  g.ino = p.get_double("ino");
  g.count = p.get_int("count");
  g.size = p.get_int("size");
  g.stereo_angle_deg = p.get_double("stereo-angle");
  const std::vector<double> axis = parse_number_list(p.get("tilt-axis"), "gen: --tilt-axis");
  SG_CHECK(axis.size() == 3, "--tilt-axis needs three numbers X,Y,Z, got ", axis.size());
  g.tilt_axis = {axis[0], axis[1], axis[2]};
  g.task = p.get("task");
  g.r0_identity = p.get_flag("axis-aligned");
  g.radius_min = p.get_double("radius-min");
  g.radius_max = p.get_double("radius-max");
  const int64_t k = p.get_int("supersample");
  SG_CHECK(k >= 1 && k <= 32, "--supersample must be in [1, 32], got ", k);
  g.supersample = int(k);
  g.exponent = p.get_double("exponent");
  g.blur = p.get_double("blur");
  g.dose = p.get_double("dose");
  g.noise = p.get_double("noise");
  const int64_t seed = p.get_int("seed");
  SG_CHECK(seed >= 0, "--seed must be a non-negative integer, got ", seed);
  g.seed = uint64_t(seed);
  const int64_t first = p.get_int("first-index");
  SG_CHECK(first >= 0, "--first-index must be a non-negative integer, got ", first);
  g.first_index = uint64_t(first);
  g.validate();

  const auto t0 = std::chrono::steady_clock::now();
  const Dataset3d ds = generate_3d(g);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json params = to_json(g);
  std::vector<float> pseudo;
  if (p.get_flag("pseudo-labels")) {
    // Label-free: the images and delta only (data/tilt_pair_sync.h), never the orientations;
    // computed before anything is written.
    SG_CHECK(g.task == "single-axis" && g.count >= 16,
             "--pseudo-labels needs --task single-axis and at least 16 pairs");
    SyncResult sync;
    const std::vector<double> alpha =
        synchronise_tilt_pairs(ds.images.data(), g.count, g.size, g.stereo_angle_deg, {g.tilt_axis, g.blur}, &sync);
    pseudo.assign(alpha.begin(), alpha.end());
    params["angles"] = "angles.npy: pseudo-labels of the first images by angular synchronisation of the "
                       "images (no ground truth), up to a global offset";
    params["sync"] = sync_report(sync, "gen");
  }
  const std::string out = p.get("out");
  std::filesystem::create_directories(out);
  const std::filesystem::path dir(out);
  save_npy((dir / "images.npy").string(), {g.count, 2, g.size, g.size}, ds.images.data());
  save_npy((dir / "orientations.npy").string(), {g.count, 4}, ds.orientations.data());
  save_npy((dir / "sizes.npy").string(), {g.count}, ds.sizes.data());
  if (!pseudo.empty()) {
    save_npy((dir / "angles.npy").string(), {g.count}, pseudo.data());
  } else {
    std::error_code ec;  // a previous run's pseudo-labels would not belong to these pairs
    std::filesystem::remove(dir / "angles.npy", ec);
  }
  const std::string text = params.dump(2) + "\n";
  write_file_atomic((dir / "params.json").string(), [&](std::ostream& os) { os << text; });
  std::cout << "gen: wrote " << g.count << " tilt pairs of '" << g.shape << "' to " << out << " in "
            << seconds << " s\n";
  std::cout << nlohmann::json{{"command", "gen"}, {"out", out}, {"shape", g.shape},
                              {"images", {g.count, 2, g.size, g.size}}, {"seconds", seconds},
                              {"pairs_per_s", double(g.count) / seconds}}
                   .dump()
            << "\n";
  return 0;
}

}  // namespace sg

// `stereograd train-full --config FILE`: the full-orientation model trained from tilt
// pairs and in-plane turns (train/train_full.h), then scored on unseen pairs
// (train/eval_full.h: the only place the true orientations are read).
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/commands.h"
#include "train/device_options.h"
#include "train/eval_full.h"
#include "train/train_full.h"

namespace sg {

namespace {
constexpr uint64_t kEvalFirstIndex = 1000000;  // unseen: training uses indices from 0
}

ArgParser train_full_options() {
  ArgParser p("train-full",
              "Train the full-orientation model of 3-D particles (task full, docs/particles3d.md)\n"
              "from tilt pairs and in-plane turns of their images, without orientations, then\n"
              "score it on eval_pairs unseen pairs (gen --first-index 1000000).");
  p.option("config", "FILE", "the run's configuration (configs/particle_full_*.json)", "", true)
      .option("out", "DIR", "output folder (checkpoint.safetensors, metrics.jsonl, eval_full.json)", "runs/full")
      .option("seed", "S", "override the config's seed (weights, data, turns)")
      .option("epochs", "E", "override the config's epochs (final_epochs kept, capped at E)");
  add_device_options(p);
  return p;
}

int cmd_train_full(const Args& args) {
  ArgParser p = train_full_options();
  if (!p.parse(args, std::cout)) return 0;
  const Device device = device_from_options(p);
  const std::vector<char> text = read_file_bytes(p.get("config"));
  const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  SG_CHECK(!j.is_discarded(), "train-full: '", p.get("config"), "' is not JSON");
  nlohmann::json jj = j;
  if (p.given("seed")) jj["seed"] = p.get_int("seed");
  if (p.given("epochs")) {
    jj["epochs"] = p.get_int("epochs");
    if (jj.contains("final_epochs")) jj["final_epochs"] = std::min<int64_t>(jj["final_epochs"].get<int64_t>(), p.get_int("epochs"));
  }
  const FullConfig cfg = full_config_from_json(jj, "'" + p.get("config") + "'");
  std::printf("training '%s': full orientation of '%s', %lld pairs, delta = %g deg, %lld epochs, seed %llu\n",
              cfg.name.c_str(), cfg.data.shape.c_str(), (long long)cfg.data.count, cfg.data.stereo_angle_deg,
              (long long)cfg.epochs, (unsigned long long)cfg.seed);
  std::fflush(stdout);
  FullRun run = train_full(cfg, p.get("out"), device, stdout);
  if (cfg.eval_pairs == 0) return 0;
  Gen3dParams g = cfg.data;
  g.count = cfg.eval_pairs;
  g.first_index = kEvalFirstIndex;
  const Dataset3d ds = generate_3d(g);
  std::vector<Quat> truth;
  for (int64_t i = 0; i < g.count; ++i) {
    const float* o = ds.orientations.data() + 4 * i;
    truth.push_back(normalised(Quat{o[0], o[1], o[2], o[3]}));
  }
  const Polyhedron shape = make_polyhedron(g.shape, g.ino);
  std::cout << "\naccuracy on " << g.count << " unseen pairs (geodesic error modulo " << shape.group_name
            << " after the fitted gauge; single also modulo the z-mirror):\n";
  report_full(score_full(*run.model, ds.images, g.count, g.size, truth, shape, g.stereo_angle_deg, device),
              {{"config", to_json(cfg)}, {"pairs", g.count}, {"first_index", kEvalFirstIndex}}, p.get("out"));
  return 0;
}

}  // namespace sg

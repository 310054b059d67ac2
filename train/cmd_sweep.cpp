// `stereograd sweep`: the report's §4.2 experiment. For each stereo angle and seed, train
// from the config and evaluate on unseen pairs; print every run, then per angle the
// median run beside the report's table 4.4, and the success rate (a run succeeds when
// its predictions did not collapse and ≥ 90 % fall within 2°).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/args.h"
#include "train/commands.h"
#include "train/device_options.h"
#include "train/report.h"
#include "train/trainer.h"

namespace sg {

namespace {
// Table 4.4 of the report: within 0.5°, 1°, 2°, 3°, mean, standard deviation.
const std::map<int, std::vector<double>> kReport = {
    {3, {60.0, 86.80, 99.21, 99.90, -0.017, 0.649}},  {4, {67.39, 92.81, 99.90, 100.0, 0.039, 0.552}},
    {5, {77.70, 97.45, 99.80, 100.0, -0.066, 0.431}}, {10, {75.44, 97.05, 100.0, 100.0, 0.038, 0.441}},
    {15, {48.97, 83.87, 99.90, 100.0, 0.459, 0.552}}, {20, {52.21, 86.26, 99.90, 100.0, -0.443, 0.494}},
    {35, {73.94, 95.58, 99.71, 100.0, 0.192, 0.460}}};

bool succeeded(const Accuracy& a) { return !a.collapsed && a.within[2] >= 90.0; }
}  // namespace

ArgParser sweep_options() {
  ArgParser p("sweep", "Train and evaluate for several stereo angles and seeds (report §4.2).");
  p.option("config", "FILE", "the base configuration", "configs/difference_squares_10deg.json")
      .option("angles", "LIST", "stereo angles in degrees", "3,4,5,10,15,20,35")
      .option("seeds", "N", "seeds per angle", "3")
      .option("first-seed", "S", "the first seed (then S+1, ...)", "1")
      .option("out", "DIR", "output folder, one subfolder per run", "runs/sweep")
;
  add_device_options(p);
  return p;
}

int cmd_sweep(const Args& args) {
  ArgParser p = sweep_options();
  if (!p.parse(args, std::cout)) return 0;
  const Device device = device_from_options(p);
  const TrainConfig base = load_config(p.get("config"));
  const std::vector<double> angles = parse_number_list(p.get("angles"), "sweep: --angles");
  const int64_t seeds = p.get_int("seeds");
  const int64_t first_seed = p.get_int("first-seed");
  SG_CHECK(seeds >= 1 && seeds <= 100, "sweep: --seeds must be in [1, 100]");
  SG_CHECK(first_seed >= 0, "sweep: --first-seed must be >= 0");
  SG_CHECK(base.data_path.empty(), "sweep: the config trains on the folder '", base.data_path,
           "' (data.path), whose stereo angle is fixed; a sweep generates its pairs per angle");
  const std::string out = p.get("out");
  nlohmann::json runs = nlohmann::json::array();
  std::map<double, std::vector<Accuracy>> results;
  for (double angle : angles) {
    for (int64_t s = first_seed; s < first_seed + seeds; ++s) {
      TrainConfig cfg = base;
      cfg.data.stereo_angle_deg = angle;
      cfg.seed = uint64_t(s);
      cfg.data.validate();
      char dir[64];
      std::snprintf(dir, sizeof dir, "/delta%g_seed%lld", angle, (long long)s);
      std::printf("== stereo angle %g°, seed %lld\n", angle, (long long)s);
      std::fflush(stdout);
      Trainer t(cfg, out + dir, device);
      t.run(false, stdout);
      Accuracy a = evaluate_run(t.model(), cfg, out + dir, t.history(), &t.train_data(), &t.ranking()).accuracy;
      std::cout << table_header() << table_row(std::to_string(int(angle)) + "°", a);
      results[angle].push_back(a);
      nlohmann::json j = to_json(a);
      j["stereo_angle_deg"] = angle;
      j["seed"] = s;
      j["success"] = succeeded(a);
      runs.push_back(j);
      write_file_atomic(out + "/sweep.json", [&](std::ostream& os) { os << runs.dump(2) << "\n"; });
    }
  }
  std::printf("\nmedian run per stereo angle (by std of θp − θt), with the report's table 4.4:\n%s",
              table_header().c_str());
  for (auto& [angle, accs] : results) {
    std::vector<Accuracy> sorted = accs;
    std::sort(sorted.begin(), sorted.end(), [](const Accuracy& a, const Accuracy& b) {
      return succeeded(a) != succeeded(b) ? succeeded(a) : a.std_deg < b.std_deg;
    });
    const Accuracy& med = sorted[(sorted.size() - 1) / 2];
    int ok = int(std::count_if(accs.begin(), accs.end(), succeeded));
    std::string row = table_row(std::to_string(int(angle)) + "°", med);
    row.pop_back();
    std::printf("%s   success %d/%zu\n", row.c_str(), ok, accs.size());
    auto rep = kReport.find(int(angle));
    if (rep != kReport.end() && rep->first == angle)
      std::printf("  report %6.2f %6.2f %6.2f %6.2f  %7.3f %6.3f\n", rep->second[0], rep->second[1],
                  rep->second[2], rep->second[3], rep->second[4], rep->second[5]);
  }
  return 0;
}

}  // namespace sg

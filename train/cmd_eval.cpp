// `stereograd eval --checkpoint FILE`: the report's accuracy table for a trained model,
// on unseen pairs generated from the config stored in the checkpoint, or with --data on
// every pair of a dataset folder (its angles.npy holds the truth the table needs). The
// closed form (data/moments.h) is scored on the same pairs, its row beside the model's;
// --method moments scores it alone, and then needs no checkpoint when --data is given.
// The offset and mirror removed from the model's angles are stored for predict
// --calibrated (train/calibration.h). The table is printed even when the files cannot be
// written; the exit status then says so.
#include <filesystem>
#include <functional>
#include <iostream>

#include "data/dataset_io.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/args.h"
#include "train/calibration.h"
#include "train/checkpoint.h"
#include "train/commands.h"
#include "train/predict_angles.h"
#include "train/device_options.h"
#include "train/eval3d.h"
#include "train/eval_grid.h"
#include "train/eval_moments.h"
#include "train/report.h"
#include "train/trainer.h"

namespace sg {

ArgParser eval_options() {
  ArgParser p("eval", "Accuracy of a checkpoint on unseen stereo pairs (% within 0.5°, 1°, 2°, 3°,\n"
                      "mean and standard deviation of θp − θt), with plots. With --data DIR, on\n"
                      "the pairs of a dataset folder: images.npy, params.json and angles.npy,\n"
                      "the true angles (docs/data.md \"Training from a folder\"). The closed form\n"
                      "(phase of the n-th complex moment, docs/moments.md) is scored on the same\n"
                      "pairs, its row beside the model's; --method moments scores it alone.");
  p.option("checkpoint", "FILE",
           "a checkpoint written by stereograd train (--method moments with --data: optional)")
      .option("pairs", "N", "unseen pairs to evaluate on (default: the config's eval_pairs)")
      .option("data", "DIR", "evaluate on every pair of this dataset folder instead")
      .option("out", "DIR",
              "where eval.json, eval_moments.json, calibration.json and the plots go, created if\n"
              "missing (default: the checkpoint's folder; with --method moments and no\n"
              "--checkpoint, nothing is written unless given)", "")
      .option("method", "NAME", "both (the model, and the closed form beside it), model or moments", "both")
      .option("match-pairs", "N",
              "3-D tilt pairs: score the known-shape matcher (40-230 ms per image) on the first N\n"
              "pairs only (default: all); the other rows score every pair")
      .option("rotations", "K", kRotationsHelp)
      .option("half-turn", "on|off", kHalfTurnHelp)
      .flag("grid", "the accuracy over size band x rendering (binary, supersample 4) x dose (none, 30,\n"
            "10), model and closed form side by side: grid.md, grid.json, grid.svg in --out")
      .option("grid-pairs", "N", "--grid: generated pairs per cell", "1000")
      .option("grid-bands", "LIST", "--grid: circumradius band edges, fractions of the frame",
              "0.12,0.19,0.25,0.31,0.38,0.45")
;
  add_device_options(p);
  return p;
}

int cmd_eval(const Args& args) {
  ArgParser p = eval_options();
  if (!p.parse(args, std::cout)) return 0;
  const Device device = device_from_options(p);
  if (p.given("data") && is_tilt_pairs_folder(p.get("data"))) return eval_tilt_pairs(p, device);  // 3-D
  SG_CHECK(!p.given("match-pairs"), "eval: --match-pairs applies to a folder of 3-D tilt pairs only");
  const std::string method = p.get("method");
  SG_CHECK(method == "both" || method == "model" || method == "moments",
           "eval: --method must be both, model or moments, got '", method, "'");
  const bool has_checkpoint = p.given("checkpoint");
  SG_CHECK(has_checkpoint || method == "moments",
           "eval: --checkpoint is required (or --method moments with --data DIR)");
  SG_CHECK(has_checkpoint || p.given("data"),
           "eval: --method moments without --checkpoint needs --data DIR (a checkpoint's config "
           "would generate the pairs)");
  Checkpoint c;
  if (has_checkpoint) c = read_checkpoint(p.get("checkpoint"));
  if (p.given("pairs")) c.config.eval_pairs = p.get_int("pairs");
  c.config.test_rotations = rotations_option(p, c.config.test_rotations);
  if (has_checkpoint) half_turn_option(p, c.config);
  SG_CHECK(c.config.eval_pairs >= 1, "eval: --pairs must be positive");
  std::unique_ptr<PairModel> model;
  if (method != "moments") model = model_from_checkpoint(c, device);
  std::string out = p.get("out");
  if (out.empty() && has_checkpoint) {
    const std::string ck = p.get("checkpoint");
    auto slash = ck.find_last_of('/');
    out = slash == std::string::npos ? "." : ck.substr(0, slash);
  }
  // The results are printed whatever happens to the files: a folder that cannot be made
  // or a write that fails is reported after the table, and the exit status is then 1.
  std::vector<std::string> failures;
  if (!out.empty()) {  // empty: --method moments on a folder without --out writes nothing
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) failures.push_back("cannot create output folder '" + out + "': " + ec.message());
  }
  const bool can_write = !out.empty() && failures.empty();
  auto attempt = [&](const std::function<void()>& write) {
    try {
      write();
    } catch (const Error& e) {
      failures.push_back(e.what());
    }
  };
  auto finish = [&] {
    if (failures.empty()) return 0;
    std::cout.flush();
    std::string all;
    for (const std::string& f : failures) all += (all.empty() ? "" : "; ") + f;
    fail("eval: the results above were not all written: ", all);
  };
  if (p.get_flag("grid")) {
    SG_CHECK(has_checkpoint && !p.given("data") && !p.given("pairs"),
             "eval: --grid needs --checkpoint and generates its own pairs (no --data, no --pairs)");
    GridOptions g;
    g.bands = parse_number_list(p.get("grid-bands"), "eval: --grid-bands");
    g.pairs = p.get_int("grid-pairs");
    SG_CHECK(!c.config.data.projection, "eval: --grid is for 2-D images; this checkpoint reads projections");
    const std::vector<GridCell> cells = evaluate_grid(method == "moments" ? nullptr : model.get(), c.config, g, device);
    std::cout << grid_markdown(cells, c.config.data.size);
    if (can_write) attempt([&] { write_grid(cells, c.config, out); });
    if (failures.empty()) std::cout << "wrote grid.md, grid.json and grid.svg to " << out << "\n";
    return finish();
  }
  SG_CHECK(!p.given("grid-pairs") && !p.given("grid-bands"), "eval: --grid-pairs and --grid-bands go with --grid");
  std::string on = "unseen pairs";
  Dataset test;
  if (p.given("data")) {
    SG_CHECK(!p.given("pairs"), "eval: --pairs counts generated pairs; --data evaluates every pair of its folder");
    const std::string dir = p.get("data");
    try {
      test = has_checkpoint ? folder_data(c.config, dir, "accuracy needs the true angles", true)
                            : load_dataset_folder(dir, GenParams{}, "accuracy needs the true angles");
    } catch (const Error& e) {
      fail("eval: ", e.what());
    }
    on = "pairs of " + dir;
  } else {
    test = evaluation_data(c.config, c.config.eval_pairs);  // what evaluate_run scores
  }

  // The closed form first (it can refuse the data before anything is written).
  const std::string why = method == "model" ? "" : moments_not_applicable(test);
  SG_CHECK(method != "moments" || why.empty(), "eval: the closed form does not apply: ", why);
  const bool with_moments = method != "model" && why.empty();
  MomentEvaluation me;
  if (with_moments) me = evaluate_moments(test, std::cerr, "eval: ");
  auto write_moments = [&] {
    nlohmann::json j = to_json(me.accuracy);
    j["method"] = "moments";
    j["order"] = test.order();
    j["flagged"] = me.flagged;
    j["pairs"] = test.count();
    write_file_atomic(out + "/eval_moments.json", [&](std::ostream& os) { os << j.dump(2) << "\n"; });
  };
  auto moments_line = [&] {
    std::cout << "closed form (phase of the n-th moment, n = " << test.order() << ") on "
              << me.accuracy.count << " of " << test.count() << " " << on << " (offset "
              << me.accuracy.offset_deg << "° removed" << (me.accuracy.mirrored ? ", mirrored" : "")
              << "; median |θp − θt| " << me.accuracy.median_abs_deg << "°";
    if (me.flagged) std::cout << "; " << me.flagged << " flagged images left out";
    std::cout << ")\n";
  };
  if (method == "moments") {
    moments_line();
    std::cout << table_header() << table_row("moments", me.accuracy);
    if (can_write) attempt(write_moments);
    return finish();
  }
  const Scored scored = score_on(*model, c.config, test);
  const Accuracy& acc = scored.accuracy;
  // The files first (a failure is only noted), so the table ends the output.
  if (can_write && with_moments) attempt(write_moments);
  if (can_write) attempt([&] { write_evaluation(scored, c.config, test, out, c.history, nullptr, nullptr); });
  // The offset and mirror just found, for predict --calibrated (train/calibration.h).
  Calibration cal;
  cal.offset_deg = acc.offset_deg;
  cal.mirrored = acc.mirrored;
  cal.period_deg = 360.0 / test.order();
  cal.source = {{"on", on},          {"pairs", acc.count},           {"within_2", acc.within[2]},
                {"std_deg", acc.std_deg}, {"collapsed", acc.collapsed}, {"epochs_done", c.epochs_done},
                {"rotations", c.config.test_rotations}};
  if (can_write) attempt([&] { store_calibration(cal, out, ""); });
  const size_t before = failures.size();
  attempt([&] { store_calibration(cal, "", p.get("checkpoint")); });
  if (failures.size() == before)
    std::cout << "calibration stored in the checkpoint" << (can_write ? " and " + out + "/calibration.json" : "")
              << " (predict --calibrated applies it)\n";

  if (with_moments) moments_line();
  else if (method == "both") std::cout << "closed form: not applicable (" << why << ")\n";
  std::cout << "accuracy of '" << c.config.name << "' after " << c.epochs_done << " epochs, on "
            << acc.count << " " << on << " (offset " << acc.offset_deg << "° removed"
            << (acc.mirrored ? ", mirrored" : "") << "; median |θp − θt| " << acc.median_abs_deg
            << "°):\n"
            << table_header();
  if (with_moments) std::cout << table_row("moments", me.accuracy);
  std::cout << table_row(std::to_string(int(c.config.data.stereo_angle_deg)) + "°", acc);
  if (scored.pair) std::cout << table_row("pair", *scored.pair);
  return finish();
}

}  // namespace sg

// `stereograd eval --checkpoint FILE`: the report's accuracy table for a trained model,
// on unseen pairs generated from the config stored in the checkpoint, or with --data on
// every pair of a dataset folder (its angles.npy holds the truth the table needs).
#include <filesystem>
#include <iostream>

#include "engine/error.h"
#include "train/args.h"
#include "train/checkpoint.h"
#include "train/commands.h"
#include "train/device_options.h"
#include "train/report.h"
#include "train/trainer.h"

namespace sg {

ArgParser eval_options() {
  ArgParser p("eval", "Accuracy of a checkpoint on unseen stereo pairs (% within 0.5°, 1°, 2°, 3°,\n"
                      "mean and standard deviation of θp − θt), with plots. With --data DIR, on\n"
                      "the pairs of a dataset folder: images.npy, params.json and angles.npy,\n"
                      "the true angles (docs/data.md \"Training from a folder\").");
  p.option("checkpoint", "FILE", "a checkpoint written by stereograd train", "", true)
      .option("pairs", "N", "unseen pairs to evaluate on (default: the config's eval_pairs)")
      .option("data", "DIR", "evaluate on every pair of this dataset folder instead")
      .option("out", "DIR", "where eval.json and the plots go", "")
;
  add_device_options(p);
  return p;
}

int cmd_eval(const Args& args) {
  ArgParser p = eval_options();
  if (!p.parse(args, std::cout)) return 0;
  const Device device = device_from_options(p);
  Checkpoint c = read_checkpoint(p.get("checkpoint"));
  if (p.given("pairs")) c.config.eval_pairs = p.get_int("pairs");
  SG_CHECK(c.config.eval_pairs >= 1, "eval: --pairs must be positive");
  auto model = model_from_checkpoint(c, device);
  std::string out = p.get("out");
  if (out.empty()) {
    const std::string ck = p.get("checkpoint");
    auto slash = ck.find_last_of('/');
    out = slash == std::string::npos ? "." : ck.substr(0, slash);
  }
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  SG_CHECK(!ec, "eval: cannot create output folder '", out, "': ", ec.message());
  std::string on = "unseen pairs";
  Accuracy acc;
  if (p.given("data")) {
    SG_CHECK(!p.given("pairs"), "eval: --pairs counts generated pairs; --data evaluates every pair of its folder");
    const std::string dir = p.get("data");
    Dataset test;
    try {
      test = folder_data(c.config, dir, "accuracy needs the true angles");
    } catch (const Error& e) {
      fail("eval: ", e.what());
    }
    on = "pairs of " + dir;
    acc = evaluate_on(*model, c.config, test, out, c.history, nullptr, nullptr);
  } else {
    acc = evaluate_run(*model, c.config, out, c.history, nullptr, nullptr);
  }
  std::cout << "accuracy of '" << c.config.name << "' after " << c.epochs_done << " epochs, on "
            << acc.count << " " << on << " (offset " << acc.offset_deg << "° removed"
            << (acc.mirrored ? ", mirrored" : "") << "):\n"
            << table_header()
            << table_row(std::to_string(int(c.config.data.stereo_angle_deg)) + "°", acc);
  return 0;
}

}  // namespace sg

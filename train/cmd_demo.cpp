// `stereograd demo`: the shortest path from nothing to a learning network. The report's
// Difference CNN is "cheat-trained" on squares (targets sin 4θ, cos 4θ from the ground
// truth, report §3.1) for a few epochs by the same Trainer as `train`; the loss is
// printed per epoch, then the accuracy on unseen squares.
#include <cstdio>
#include <iostream>

#include "engine/error.h"
#include "train/args.h"
#include "train/commands.h"
#include "train/report.h"
#include "train/trainer.h"

namespace sg {

ArgParser demo_options() {
  ArgParser p("demo", "Cheat-train the Difference CNN on squares (supervised sin 4θ, cos 4θ)\n"
                      "and print the loss falling, then the accuracy on unseen squares.");
  p.option("pairs", "N", "training pairs", "1024")
      .option("epochs", "N", "epochs", "6")
      .option("batch", "N", "batch size", "64")
      .option("seed", "S", "random seed", "1")
      .option("out", "DIR", "output folder (checkpoint, metrics, plots)", "runs/demo");
  return p;
}

int cmd_demo(const Args& args) {
  ArgParser p = demo_options();
  if (!p.parse(args, std::cout)) return 0;
  TrainConfig c;
  c.name = "demo";
  c.mode = "supervised";
  c.curriculum = "none";
  c.stages = {1.0};
  c.epochs_per_stage = p.get_int("epochs");
  c.final_epochs = 0;
  c.batch = p.get_int("batch");
  c.seed = uint64_t(p.get_int("seed"));
  c.eval_pairs = 256;
  c.data.count = p.get_int("pairs");
  c.data.radius_min = 0.25, c.data.radius_max = 0.35;
  c.data.validate();
  // One stage: every square from the first epoch (no curriculum), so the progress lines
  // read "stage 1/1"; then one evaluation on squares the network never saw.
  std::printf("demo: cheat-training on %lld squares (supervised: targets sin 4θ, cos 4θ of the true "
              "angle), %lld epochs, batch %lld, Adam lr %g\n",
              (long long)c.data.count, (long long)c.total_epochs(), (long long)c.batch, c.lr);
  std::fflush(stdout);
  Trainer t(c, p.get("out"), Device::CPU);
  t.run(false, stdout);
  Accuracy a = evaluate_run(t.model(), c, p.get("out"), t.history(), nullptr, nullptr).accuracy;
  std::cout << "accuracy on " << a.count << " unseen squares (offset " << a.offset_deg << "° removed"
            << (a.mirrored ? ", mirrored" : "") << "):\n"
            << table_header() << table_row("demo", a) << "checkpoint: " << t.checkpoint_path() << "\n";
  return 0;
}

}  // namespace sg

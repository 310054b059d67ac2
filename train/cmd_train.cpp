// `stereograd train --config FILE`: the report's training, then its accuracy table on
// unseen pairs. Ctrl-C stops cleanly at the last checkpoint.
#include <csignal>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <unistd.h>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/args.h"
#include "train/batch.h"
#include "train/commands.h"
#include "train/device_options.h"
#include "train/evaluate.h"
#include "train/report.h"
#include "train/trainer.h"

namespace sg {

namespace {
Trainer* g_trainer = nullptr;
volatile std::sig_atomic_t g_signal = 0;  // the signal that stopped the run: exit 128 + it
// The first Ctrl-C (or SIGTERM) asks the trainer to stop after its current step and save;
// the handler then steps aside, so a second one ends the process at once (the atomic
// checkpoint write keeps the previous checkpoint whole even then).
extern "C" void on_interrupt(int sig) {
  if (g_trainer) g_trainer->request_stop();
  g_signal = sig;
  static const char msg[] =
      "\nstereograd train: stopping after this step to write a checkpoint (again to quit now)\n";
  ssize_t ignored = ::write(2, msg, sizeof msg - 1);  // async-signal-safe, unlike stdio
  (void)ignored;
  std::signal(sig, SIG_DFL);
}

}  // namespace

ArgParser train_options() {
  ArgParser p("train", "Train a model from a JSON config (configs/ has one per experiment of the\n"
                       "report), checkpointing every epoch, then print the accuracy table.\n"
                       "With data.path the pairs come from a dataset folder (images.npy,\n"
                       "params.json; docs/data.md \"Training from a folder\"), the stereo angle\n"
                       "from its params.json; angles.npy is read only by mode supervised and\n"
                       "curriculum angle_range.");
  p.option("config", "FILE", "the run's configuration (its data.path: train on a dataset folder)", "", true)
      .option("out", "DIR", "output folder (checkpoint, metrics, plots)", "runs/default")
      .option("seed", "S", "override the config's seed")
      .option("stereo-angle", "DEG", "override data.stereo_angle_deg (not with data.path)")
      .option("data", "DIR", "train on this dataset folder: overrides the config's data.path")
      .flag("resume", "continue the run in --out from its last checkpoint")
      .flag("force", "start a new run in --out even though it holds one (its checkpoint is replaced)");
  add_device_options(p);
  return p;
}

int cmd_train(const Args& args) {
  ArgParser p = train_options();
  if (!p.parse(args, std::cout)) return 0;
  const Device device = device_from_options(p);
  SG_CHECK(!(p.get_flag("resume") && p.get_flag("force")), "train: --resume and --force contradict each other");
  SG_CHECK(p.get_flag("resume") || p.get_flag("force") ||
               !std::filesystem::exists(std::filesystem::path(p.get("out")) / "checkpoint.safetensors"),
           "train: '", p.get("out"), "' already holds a run (checkpoint.safetensors): --resume continues it, "
           "--force starts over in it");
  TrainConfig cfg = load_config(p.get("config"));
  if (p.given("seed")) cfg.seed = uint64_t(p.get_int("seed"));
  if (p.given("data")) cfg.data_path = p.get("data");
  SG_CHECK(!cfg.is_heatmap() || !cfg.data_path.empty(), "train: model ", cfg.model, " learns from "
           "angles: give it pseudo-labels (reconstruct's or gen's, --data DIR or data.path), or it would "
           "train on the true angles of generated pairs");
  SG_CHECK(!p.given("stereo-angle") || cfg.data_path.empty(), "train: --stereo-angle does not apply "
           "with data.path: the stereo angle is the one in '", cfg.data_path, "/params.json'");
  if (p.given("stereo-angle")) cfg.data.stereo_angle_deg = p.get_double("stereo-angle");
  cfg.data.validate();
  Trainer trainer(cfg, p.get("out"), device);
  const double config_delta = cfg.data.stereo_angle_deg;
  cfg = trainer.config();  // with data.path, the folder's stereo angle
  g_trainer = &trainer;
  auto old_int = std::signal(SIGINT, on_interrupt);
  auto old_term = std::signal(SIGTERM, on_interrupt);
  if (!cfg.data_path.empty())
    std::printf("training pairs from '%s' (δ = %g° from its params.json; the config's %g° is not "
                "used), unseen evaluation pairs generated from the config's data section\n",
                cfg.data_path.c_str(), cfg.data.stereo_angle_deg, config_delta);
  std::printf("training '%s': %s, %s mode, curriculum %s, %lld pairs, δ = %g°, %lld epochs\n",
              cfg.name.c_str(), cfg.model.c_str(), cfg.mode.c_str(), cfg.curriculum.c_str(),
              (long long)trainer.train_data().count(), cfg.data.stereo_angle_deg,
              (long long)cfg.total_epochs());
  std::fflush(stdout);
  try {
    trainer.run(p.get_flag("resume"), stdout);
  } catch (...) {
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
    g_trainer = nullptr;
    throw;
  }
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  g_trainer = nullptr;
  if (trainer.stopped_early()) {
    if (!trainer.has_checkpoint()) {
      std::fprintf(stderr, "stereograd train: interrupted before the first step; nothing saved\n");
      return 128 + (g_signal ? int(g_signal) : SIGINT);
    }
    std::fprintf(stderr,
                 "stereograd train: interrupted; checkpoint (%lld of %lld epochs done, then %lld "
                 "steps) written to %s\n"
                 "continue with: stereograd train%s --resume\n",
                 (long long)trainer.epochs_done(), (long long)cfg.total_epochs(),
                 (long long)trainer.partial_steps(), trainer.checkpoint_path().c_str(),
                 p.command_line({"out"}, {"resume", "force"}).c_str());  // the overrides, repeated
    return 128 + (g_signal ? int(g_signal) : SIGINT);  // 130 for Ctrl-C, 143 for SIGTERM
  }
  // The training step's cached blocks are of other sizes than the evaluation's batches:
  // given back, they do not add to its peak (the main job's peak RSS: README "Speed").
  backend_for(device).empty_cache();
  const Scored scored = evaluate_run(trainer.model(), cfg, p.get("out"), trainer.history(),
                                     &trainer.train_data(), &trainer.ranking());
  const Accuracy& acc = scored.accuracy;
  std::cout << "\naccuracy on " << acc.count << " unseen pairs (offset " << acc.offset_deg
            << "° removed" << (acc.mirrored ? ", mirrored" : "") << "):\n"
            << table_header()
            << table_row(std::to_string(int(cfg.data.stereo_angle_deg)) + "°", acc);
  if (scored.pair) std::cout << table_row("pair", *scored.pair);
  std::cout << "outputs in " << p.get("out") << "/ (checkpoint.safetensors, metrics.jsonl, eval.json, *.svg)\n";
  return 0;
}

}  // namespace sg

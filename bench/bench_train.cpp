// Training throughput: the median time of one training step (the Difference
// Model: both images through the CNN, the stereo loss; the U-Net: the first image through
// encoder and decoder, the pixel loss against the second; the heatmap1d: both images
// against their (pseudo-)labels; then backward and Adam) of each
// model at the shapes of the default training, after a warm-up (bench/bench_common.h),
// on every device asked for; one JSON line per case. The model, data and optimiser come
// from the training config (its "model" replaced by each benchmarked one), as the trainer
// builds them. With --full, also the wall time of the whole default training on the CPU,
// the figure the README quotes, and the process's peak resident memory (getrusage: the
// step timings' too when they run in the same call; run --full alone for the training's).
//
//   bench_train [--model difference2d,difference1d,heatmap1d,unet,autoencoder] [--device LIST] [--batch 64]
//               [--steps 20] [--warmup 3] [--threads N] [--unfused] [--no-graph] [--full]
//               [--read-every K] [--config FILE] [--json FILE]
// --read-every K times blocks of K steps with one loss read at the end, as the trainer
// reads its losses (issue 20: a step that does not wait for the device), and reports the
// block's time / K; K = 1 is a step that waits for its own loss.
#include <sys/resource.h>

#include <cmath>
#include <sstream>

#include "bench/bench_common.h"
#include "data/pairs.h"
#include "engine/optim/optimizer.h"
#include "kernels/registry.h"
#include "models/unet.h"
#include "train/batch.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/device_options.h"
#include "train/trainer.h"

namespace {

using Clock = std::chrono::steady_clock;

// The most memory this process has held resident so far (Linux reports ru_maxrss in KiB).
double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

struct Options {
  std::vector<std::string> models;
  std::vector<sg::Device> devices;
  int64_t batch = 64, read_every = 1;
  sg::bench::TimeSpec spec;
  bool fuse = true, full = false, no_graph = false;
  std::string config, json_path;
};

// Conv, ReLU and pooling as one fused op or as three (same results).
void set_fusion(sg::PairModel& m, bool on) {
  if (auto* d = dynamic_cast<sg::DifferenceModel*>(&m)) d->cnn().set_fusion(on);
  if (auto* u = dynamic_cast<sg::UNetModel*>(&m)) {
    u->encoder().set_fusion(on);
    u->decoder().set_fusion(on);
  }
}

// o.read_every steps per call, each a new dropout stream; the last loss read back waits for
// the device. The timing is per step; `graphs`: whether the steps were captured.
sg::bench::Timing step_time(const std::string& model, sg::Device device, const Options& o, bool& graphs) {
  sg::TrainConfig c = sg::load_config(o.config);
  c.model = model;
  c.batch = o.batch;
  c.data.count = o.batch;
  c.data.projection = model == "difference1d" || model == "heatmap1d";
  const bool heatmap = model == "heatmap1d";  // learns from (pseudo-)labels: both images, as its config
  if (heatmap) c.mode = "supervised", c.curriculum = "none", c.supervised_images = "both";
  if (c.data.projection) c.data.normalise_size = 0;  // a 2-D resampling: the default config's, not a projection's
  const sg::Dataset ds = sg::generate(c.data);
  std::vector<int64_t> idx(static_cast<size_t>(o.batch));
  for (int64_t i = 0; i < o.batch; ++i) idx[size_t(i)] = i;
  std::unique_ptr<sg::PairModel> m = sg::build_model(c, device);
  const sg::HostBatch b = sg::gather_batch(ds, idx, 0, idx.size(), heatmap ? m->order() : 0,
                                           c.data.stereo_angle_deg);
  set_fusion(*m, o.fuse);
  sg::Adam opt(m->parameters());
  // The trainer's step (train/train_step.h): the batch uploaded each step, the kernels
  // captured as a graph and replayed where the backend can (not with --no-graph).
  std::unique_ptr<sg::TrainStep> step = sg::make_train_step(*m, opt, c, device);
  uint64_t n = 0;
  sg::bench::TimeSpec spec = o.spec;
  spec.min_block_s = 0;  // a step is long enough to time alone
  sg::bench::Timing t = sg::bench::time_median(spec, [&] {
    for (int64_t k = 0; k < o.read_every; ++k) {
      step->upload(b);
      step->run((n++) << 8);  // each step a new dropout stream
    }
    (void)step->loss().item();
  });
  graphs = step->graph().captures();
  t.median_s /= double(o.read_every);
  t.best_s /= double(o.read_every);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  sg::register_builtin_backends();
  Options o;
  sg::ArgParser p("bench_train", "Training throughput: median step time and pairs/s of each "
                                 "model on each device; --full: the default training's wall time.");
  p.option("model", "LIST", "difference2d, difference1d, heatmap1d, unet, autoencoder (comma-separated)",
           "difference2d,difference1d,unet,autoencoder")
      .option("device", "LIST", "cpu, cuda, cuda-cpu, a comma list, or all (default: cpu, and cuda when present)")
      .option("batch", "N", "pairs per step", "64")
      .option("steps", "N", "timed steps (median reported)", "20")
      .option("warmup", "N", "untimed steps first", "3")
      .option("threads", "N", "OpenMP threads (default: OpenMP's, OMP_NUM_THREADS)")
      .option("read-every", "K", "steps per loss read (the timing is per step)", "1")
      .flag("unfused", "conv, ReLU and pooling as three ops instead of the fused one")
      .flag("no-graph", "run the step's kernels one by one, not captured as one CUDA graph")
      .flag("full", "also time the whole training of --config on the CPU")
      .option("config", "FILE", "the training config", "configs/difference_squares_10deg.json")
      .option("json", "FILE", "also write every result and the machine as one JSON document");
  if (!sg::bench::parse_or_exit(p, argc, argv, [&](const sg::ArgParser& a) {
        std::stringstream ss(a.get("model"));
        for (std::string m; std::getline(ss, m, ',');) {
          SG_CHECK(m == "difference2d" || m == "difference1d" || m == "heatmap1d" || m == "unet" ||
                       m == "autoencoder",
                   "--model: unknown model '", m, "' (expected difference2d, difference1d, heatmap1d, unet "
                   "or autoencoder)");
          o.models.push_back(m);
        }
        o.devices = sg::bench::parse_devices(a.get("device"));
        o.batch = a.get_int("batch");
        o.spec.repeats = int(a.get_int("steps"));
        o.spec.warmup = int(a.get_int("warmup"));
        o.read_every = a.get_int("read-every");
        SG_CHECK(o.batch >= 1 && o.spec.repeats >= 1 && o.spec.warmup >= 0 && o.read_every >= 1,
                 "bench_train: --batch, --steps and --read-every must be >= 1, --warmup >= 0");
        sg::bench::set_threads(a);
        o.fuse = !a.get_flag("unfused");
        o.full = a.get_flag("full");
        o.no_graph = a.get_flag("no-graph");
        o.config = a.get("config");
        o.json_path = a.get("json");
      }))
    return 0;
  try {
    nlohmann::json doc = {{"bench", "bench_train"}, {"machine", sg::bench::machine_info()},
                          {"config", o.config},     {"results", nlohmann::json::array()}};
    auto emit = [&](nlohmann::json r) {
      std::cout << r.dump() << std::endl;
      doc["results"].push_back(std::move(r));
    };
    for (sg::Device d : o.devices) {
      sg::apply_graph_option(d, o.no_graph);
      for (const std::string& model : o.models) {
        bool graphs = false;
        const sg::bench::Timing t = step_time(model, d, o, graphs);
        emit({{"bench", "train_step"},       {"model", model},
              {"device", sg::device_name(d)}, {"batch", o.batch},
              {"steps", o.spec.repeats},     {"fused", o.fuse},
              {"graph", graphs},
              {"read_every", o.read_every},
              {"step_ms", t.median_s * 1e3}, {"best_ms", t.best_s * 1e3},
              {"pairs_per_s", double(o.batch) / t.median_s},
              {"threads", omp_get_max_threads()}});
      }
    }
    if (o.full) {
      const sg::TrainConfig c = sg::load_config(o.config);
      const auto t0 = Clock::now();
      sg::Trainer t(c, "/tmp/bench_train_run", sg::Device::CPU);
      t.run(false, stderr);
      emit({{"bench", "train_full"}, {"config", o.config},
            {"seconds", std::chrono::duration<double>(Clock::now() - t0).count()},
            {"peak_rss_mb", peak_rss_mb()},
            {"threads", omp_get_max_threads()}});
    }
    if (!o.json_path.empty()) sg::bench::write_text_atomic(o.json_path, doc.dump(1) + "\n");
  } catch (const std::exception& e) {
    std::cerr << "bench_train: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

// Training throughput of the Difference Model: median time of one self-supervised step
// (forward of both images, loss, backward, Adam) at the shapes of the default training,
// after a warm-up, on every device this build has; one JSON line per case. With --full,
// also the wall time of the whole default training (configs/difference_squares_10deg.json
// unless --config says otherwise), the figure the README quotes.
//
//   bench_train [--batch 64] [--steps 20] [--full] [--config FILE]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "data/pairs.h"
#include "engine/optim/optimizer.h"
#include "models/difference.h"
#include "train/batch.h"
#include "train/config.h"
#include "train/trainer.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Median seconds per step of `steps` self-supervised steps after 3 warm-up steps.
double step_seconds(sg::Dims dims, sg::Device device, int64_t batch, int steps) {
  sg::GenParams p;
  p.count = batch;
  p.projection = dims == sg::Dims::One;
  p.radius_min = 0.25, p.radius_max = 0.35;
  sg::Dataset ds = sg::generate(p);
  std::vector<int64_t> idx(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) idx[size_t(i)] = i;
  sg::PairBatch b = sg::make_batch(ds, idx, 0, idx.size(), device);
  sg::Rng rng(1, 1);
  sg::DifferenceModel model(dims, p.size, ds.order(), sg::Wrap::Symmetric, rng, device);
  sg::Adam opt(model.parameters());
  std::vector<double> times;
  for (int s = 0; s < steps + 3; ++s) {
    const auto t0 = Clock::now();
    sg::Context ctx{true, 1, uint64_t(s) << 8};
    opt.zero_grad();
    sg::Tensor loss = model.stereo_loss(b.first, b.second, float(10 * M_PI / 180), ctx);
    loss.backward();
    opt.step();
    (void)loss.item();  // waits for the device
    if (s >= 3) times.push_back(seconds_since(t0));
  }
  std::nth_element(times.begin(), times.begin() + long(times.size() / 2), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t batch = 64;
  int steps = 20;
  bool full = false;
  std::string config = "configs/difference_squares_10deg.json";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--batch" && i + 1 < argc) batch = std::atoll(argv[++i]);
    else if (a == "--steps" && i + 1 < argc) steps = std::atoi(argv[++i]);
    else if (a == "--config" && i + 1 < argc) config = argv[++i];
    else if (a == "--full") full = true;
    else {
      std::fprintf(stderr, "usage: bench_train [--batch N] [--steps N] [--full] [--config FILE]\n");
      return 2;
    }
  }
  if (batch < 1 || steps < 1) {
    std::fprintf(stderr, "bench_train: --batch and --steps must be positive\n");
    return 2;
  }
  try {
    for (sg::Device d : {sg::Device::CPU, sg::Device::CUDA})
      for (sg::Dims dims : {sg::Dims::Two, sg::Dims::One}) {
        if (!sg::has_backend(d)) continue;
        const double s = step_seconds(dims, d, batch, steps);
        std::printf("{\"bench\":\"train_step\",\"model\":\"%s\",\"device\":\"%s\",\"batch\":%lld,"
                    "\"steps\":%d,\"step_ms\":%.3f,\"pairs_per_s\":%.1f,\"threads\":%d}\n",
                    dims == sg::Dims::Two ? "difference2d" : "difference1d",
                    sg::device_name(d).c_str(), (long long)batch, steps, s * 1e3,
                    double(batch) / s, omp_get_max_threads());
        std::fflush(stdout);
      }
    if (full) {
      sg::TrainConfig c = sg::load_config(config);
      const auto t0 = Clock::now();
      sg::Trainer t(c, "/tmp/bench_train_run", sg::Device::CPU);
      t.run(false, stderr);
      std::printf("{\"bench\":\"train_full\",\"config\":\"%s\",\"seconds\":%.1f,\"threads\":%d}\n",
                  config.c_str(), seconds_since(t0), omp_get_max_threads());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
  return 0;
}

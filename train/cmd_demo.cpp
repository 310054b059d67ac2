// `stereograd demo`: the shortest path from nothing to a learning network. The report's
// Difference CNN is "cheat-trained" on squares (targets sin 4θ, cos 4θ from the ground
// truth, report §3.1) for a few epochs; the loss is printed per epoch, and the weights
// are saved as a safetensors checkpoint.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>

#include "data/pairs.h"
#include "engine/error.h"
#include "engine/io/safetensors.h"
#include "engine/ops.h"
#include "engine/optim/optimizer.h"
#include "models/difference.h"
#include "train/args.h"
#include "train/batch.h"
#include "train/commands.h"

namespace sg {

int cmd_demo(const Args& args) {
  ArgParser p("demo", "Cheat-train the Difference CNN on squares (supervised sin 4θ, cos 4θ)\n"
                      "and print the loss falling, then the mean angle error on unseen squares.");
  p.option("pairs", "N", "training pairs", "1024")
      .option("epochs", "N", "epochs", "6")
      .option("batch", "N", "batch size", "64")
      .option("seed", "S", "random seed", "1")
      .option("out", "FILE", "checkpoint to write", "demo.safetensors");
  if (!p.parse(args, std::cout)) return 0;
  const int64_t pairs = p.get_int("pairs"), epochs = p.get_int("epochs"), batch = p.get_int("batch");
  SG_CHECK(pairs >= 1 && epochs >= 1 && batch >= 1, "demo: --pairs, --epochs and --batch must be positive");
  const uint64_t seed = uint64_t(p.get_int("seed"));

  GenParams gp;
  gp.count = pairs;
  gp.seed = seed;
  Dataset train = generate(gp);
  gp.count = 256;
  gp.first_index = uint64_t(pairs);  // unseen pairs
  Dataset test = generate(gp);

  Rng rng(seed, 1);
  DifferenceModel model(Dims::Two, gp.size, train.order(), Wrap::Symmetric, rng, Device::CPU);
  Adam opt(model.parameters());
  std::vector<int64_t> order(static_cast<size_t>(pairs));
  std::iota(order.begin(), order.end(), 0);
  std::printf("demo: %lld squares, batch %lld, Adam lr 1e-3, supervised (sin 4θ, cos 4θ)\n",
              (long long)pairs, (long long)batch);
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t epoch = 0; epoch < epochs; ++epoch) {
    Rng shuffle(seed, 1000 + uint64_t(epoch));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle.below(i)]);
    double total = 0;
    int64_t steps = 0;
    for (size_t b = 0; b < order.size(); b += size_t(batch)) {
      PairBatch pb = make_batch(train, order, b, std::min(order.size(), b + size_t(batch)), Device::CPU);
      Context ctx{true, seed, uint64_t(epoch) << 32 | uint64_t(steps) << 4};
      opt.zero_grad();
      Tensor loss = model.supervised_loss(pb.first, supervised_targets(pb.theta_deg, 4, Device::CPU), ctx);
      loss.backward();
      opt.step();
      float l = loss.item();
      SG_CHECK(std::isfinite(l), "demo: loss became ", l, " at epoch ", epoch + 1, " step ", steps + 1);
      total += l;
      ++steps;
    }
    std::printf("epoch %2lld  loss %.5f\n", (long long)(epoch + 1), total / double(steps));
    std::fflush(stdout);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<int64_t> all(static_cast<size_t>(test.count()));
  std::iota(all.begin(), all.end(), 0);
  PairBatch tb = make_batch(test, all, 0, all.size(), Device::CPU);
  std::vector<float> pred = model.predict_deg(tb.first);
  double err = 0;
  for (size_t i = 0; i < pred.size(); ++i) {
    double d = std::fmod(double(pred[i]) - tb.theta_deg[i], 90.0);
    if (d > 45) d -= 90;
    if (d < -45) d += 90;
    err += std::fabs(d);
  }
  std::printf("trained in %.1f s; mean |θp − θt| on 256 unseen squares: %.2f°\n", secs,
              err / double(pred.size()));
  save_safetensors(p.get("out"), model.parameters(), {{"model", "difference_cnn"}});
  std::printf("checkpoint: %s\n", p.get("out").c_str());
  return 0;
}

}  // namespace sg

#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "data/dataset_io.h"
#include "data/preprocess.h"
#include "data/projection.h"
#include "data/shapes.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/ops.h"
#include "train/batch.h"
#include "train/checkpoint.h"
#include "train/eval3d.h"
#include "train/input_profile.h"
#include "train/progress.h"

namespace sg {

namespace {
constexpr uint64_t kEvalFirstIndex = uint64_t(1) << 40;  // far past any training pair

// The losses of an epoch's steps, written on the device and read back only when shown (a
// progress refresh, the epoch's end, a stop): a read is a host synchronisation, so a step
// in between makes none. Read in step order, they add up to the same double as before.
class DeviceLosses {
 public:
  DeviceLosses(int64_t steps, Device d) : buf_(Tensor::zeros({std::max<int64_t>(steps, 1)}, d)) {}
  // losses[step] = loss (a one-element tensor), `pairs` of them in the step.
  void add(int64_t step, const Tensor& loss, int64_t pairs) {
    if (pairs_.empty()) first_ = step;
    buf_.backend().copy(1, loss.data(), buf_.data() + step);
    pairs_.push_back(pairs);
  }
  // f(step, loss, pairs) for every step added since the last read, in step order.
  template <class F>
  void read(F&& f) {
    if (pairs_.empty()) return;
    std::vector<float> host(pairs_.size());
    buf_.backend().to_host(host.data(), buf_.data() + first_, int64_t(host.size()));
    for (size_t i = 0; i < host.size(); ++i) f(first_ + int64_t(i), host[i], pairs_[i]);
    pairs_.clear();
  }

 private:
  Tensor buf_;
  int64_t first_ = 0;
  std::vector<int64_t> pairs_;
};

void make_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("cannot create output folder '", dir, "': ", ec.message());
}
}  // namespace

Dataset evaluation_data(const TrainConfig& config, int64_t pairs) {
  GenParams p = config.data;
  p.count = pairs;
  p.first_index = kEvalFirstIndex;
  return generate(p);
}

Dataset folder_data(const TrainConfig& config, const std::string& dir, const std::string& angles_for,
                    bool prepare_raw) {
  Dataset ds = load_dataset_folder(dir, config.data, angles_for);
  const int64_t N = ds.count(), S = config.data.size;
  const std::vector<int64_t> want =
      config.data.projection ? std::vector<int64_t>{N, 2, S} : std::vector<int64_t>{N, 2, S, S};
  SG_CHECK(ds.image_shape() == want, "'", dir, "/images.npy' has shape ", shape_str(ds.image_shape()),
           " but model ", config.model, " wants ", shape_str(want), " (data.size ", S,
           config.data.projection ? ", 1-D projections)" : ", 2-D images)");
  if (config.data.subpixel_centre)  // as the generated pairs are: the model reads centred input
    for (int64_t i = 0; i < 2 * N; ++i) centre_projection(ds.images.data() + i * S, S);
  if (prepare_raw && !config.data.projection && !ds.params.preprocess && config.data.preprocess &&
      config.data_path.empty()) {
    // Raw images for a model trained on generated, preprocessed pairs: noise removal,
    // centring and size normalisation, as predict prepares its input.
    prepare_input(config, ds.images.data(), 2 * N, true);
    ds.params.preprocess = true;
    ds.params.normalise_size = config.data.normalise_size;
  } else if (config.data.normalise_size > 0 && ds.params.normalise_size != config.data.normalise_size) {
    normalise_sizes(ds.images.data(), 2 * N, S, config.data.normalise_size);  // as the model was trained
  }
  const int n = ParticleShape::make(config.data.shape, config.data.sides).order();
  SG_CHECK(ds.order() == n, "'", dir, "/params.json' names shape '", ds.params.shape, "' of order ",
           ds.order(), " but the model reads order ", n, " (data.shape '", config.data.shape, "')");
  return ds;
}

std::string angles_needed_for(const TrainConfig& config) {
  if (config.mode == "supervised") return "mode supervised trains on the true angles";
  if (config.curriculum == "angle_range") return "curriculum angle_range ranks pairs by their true angles";
  return "";
}

Trainer::Trainer(TrainConfig config, std::string out_dir, Device device)
    : config_(std::move(config)), out_dir_(std::move(out_dir)), device_(device) {
  config_.validate();
  if (config_.data_path.empty()) {
    train_ = generate(config_.data);
  } else {
    // The folder's stereo angle is the one its pairs were imaged at: it replaces the config's.
    train_ = folder_data(config_, config_.data_path, angles_needed_for(config_));
    config_.data.stereo_angle_deg = train_.stereo_angle_deg();
    // The labels' fold (reconstruct's pseudo-labels of a mirror-symmetric particle): the
    // model reads pairs with it, in the labels' own frame.
    if (config_.is_heatmap()) config_.heatmap.fold_deg = train_.params.fold_deg;
  }
  check_half_turn_view(config_);
  Rng pick(config_.seed, 2);
  ranking_ = make_ranking(config_.curriculum, train_, int64_t(pick.below(uint64_t(train_.count()))));
  input_profile_ = training_profile(config_);
  model_ = build_model(config_, device_);
  AdamParams hp;
  hp.lr = float(config_.lr);
  opt_ = std::make_unique<Adam>(model_->parameters(), hp);
  step_ = make_train_step(*model_, *opt_, config_, device_);
}

void Trainer::run(bool resume, std::FILE* log) {
  make_dir(out_dir_);
  const std::string metrics = out_dir_ + "/metrics.jsonl";
  remove_stale_temporaries(checkpoint_path());  // left by a run killed while writing
  remove_stale_temporaries(metrics);
  if (resume) {
    Checkpoint c = read_checkpoint(checkpoint_path());
    SG_CHECK(to_json(c.config) == to_json(config_), "resume: the checkpoint in '", out_dir_,
             "' was written with a different config");
    std::vector<NamedTensor> params = model_->parameters();
    copy_into(c.file, params, "checkpoint", true);
    restore_optimizer(c, *opt_);
    epochs_done_ = c.epochs_done;
    partial_ = c.partial;
    history_ = c.history;
    has_checkpoint_ = true;
    if (partial_.steps > 0) {
      const int64_t steps = (epoch_size(epochs_done_) + config_.batch - 1) / config_.batch;
      SG_CHECK(partial_.steps < steps, "resume: the checkpoint in '", out_dir_, "' is at step ",
               partial_.steps, " of an epoch of ", steps, " steps");
    }
    std::fprintf(log, "resuming '%s' after epoch %lld of %lld, step %lld\n", config_.name.c_str(),
                 (long long)epochs_done_, (long long)config_.total_epochs(),
                 (long long)partial_.steps);
  }
  const int64_t total = config_.total_epochs();
  int64_t steps_total = 0, steps_done = partial_.steps;
  for (int64_t e = 0; e < total; ++e) {
    int64_t n = epoch_size(e);
    int64_t s = (n + config_.batch - 1) / config_.batch;
    steps_total += s;
    if (e < epochs_done_) steps_done += s;
  }
  Progress progress(log, steps_total, steps_done);
  const int64_t last = epoch_limit_ >= 0 ? std::min(total, epoch_limit_) : total;
  // The curriculum's stages, and the final epochs on every pair as one more when there are any.
  const size_t stages = config_.stages.size() + (config_.final_epochs > 0 ? 1 : 0);
  for (int64_t epoch = epochs_done_; epoch < last && !stop_requested_; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t pairs = epoch_size(epoch);
    if (!train_epoch(epoch, progress, steps_done)) {
      save();  // interrupted: the steps taken so far, for --resume
      break;
    }
    const double loss = partial_.loss_sum / double(pairs);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json rec{{"epoch", epoch + 1},          {"stage", config_.stage_at(epoch) + 1},
                       {"fraction", config_.fraction_at(epoch)}, {"pairs", pairs},
                       {"loss", loss},                {"seconds", secs},
                       {"pairs_per_s", double(pairs) / secs}};
    history_.push_back(rec);
    epochs_done_ = epoch + 1;
    partial_ = PartialEpoch{};
    save();
    char line[200];
    std::snprintf(line, sizeof line, "stage %lld/%zu  epoch %3lld/%lld  pairs %5lld  loss %.6f  %6.0f pairs/s",
                  (long long)(config_.stage_at(epoch) + 1), stages,
                  (long long)(epoch + 1), (long long)total, (long long)pairs, loss,
                  double(pairs) / secs);
    progress.line(line);
  }
  stopped_early_ = epochs_done_ < total;
}

void Trainer::save() {
  const std::string before =
      has_checkpoint_ ? "the last good checkpoint, " + checkpoint_path() + ", is intact"
                      : "no checkpoint of this run was written yet";
  try {
    save_checkpoint(checkpoint_path(), config_, epochs_done_, partial_, history_, input_profile_, *model_,
                    *opt_);
  } catch (const Error& e) {
    fail("training stopped: ", e.what(), "; ", before);
  }
  has_checkpoint_ = true;
  try {
    write_file_atomic(out_dir_ + "/metrics.jsonl", [&](std::ostream& os) {
      for (const auto& r : history_) os << r.dump() << "\n";
    });
  } catch (const Error& e) {
    fail("training stopped: ", e.what(), "; the checkpoint ", checkpoint_path(), " is complete");
  }
}

int64_t Trainer::epoch_size(int64_t epoch) const {
  return config_.epoch_pairs > 0 ? config_.epoch_pairs
                                 : int64_t(closest(ranking_, config_.fraction_at(epoch)).size());
}

std::vector<int64_t> Trainer::epoch_indices(int64_t epoch) const {
  const std::vector<int64_t> subset = closest(ranking_, config_.fraction_at(epoch));
  const size_t want = size_t(epoch_size(epoch));
  Rng shuffle(config_.seed, 1000 + uint64_t(epoch));
  std::vector<int64_t> out;
  while (out.size() < want) {
    std::vector<int64_t> cycle = subset;
    for (size_t i = cycle.size(); i > 1; --i) std::swap(cycle[i - 1], cycle[shuffle.below(i)]);
    out.insert(out.end(), cycle.begin(), cycle.begin() + std::ptrdiff_t(std::min(cycle.size(), want - out.size())));
  }
  return out;
}

Tensor supervised_pair_loss(PairModel& model, const PairBatch& batch, bool both, Context& ctx) {
  SG_CHECK(batch.target_first.defined(), "supervised loss: the batch has no targets");
  Tensor first = model.supervised_loss(batch.first, batch.target_first, ctx);
  if (!both) return first;
  Tensor second = model.supervised_loss(batch.second, batch.target_second, ctx);
  return scale(add(first, second), 0.5f);  // the mean over both images
}

std::unique_ptr<TrainStep> make_train_step(PairModel& model, Adam& opt, const TrainConfig& config,
                                           Device device) {
  const float delta = float(config.data.stereo_angle_deg * M_PI / 180.0);
  const bool both = config.supervised_images == "both";
  TrainStep::LossFn loss;
  if (config.mode == "supervised")
    loss = [&model, both](const PairBatch& b, Context& ctx) { return supervised_pair_loss(model, b, both, ctx); };
  else
    loss = [&model, delta](const PairBatch& b, Context& ctx) { return model.stereo_loss(b.first, b.second, delta, ctx); };
  return std::make_unique<TrainStep>(opt, device, config.seed, std::move(loss));
}

bool Trainer::train_epoch(int64_t epoch, Progress& progress, int64_t& steps_done) {
  const std::vector<int64_t> subset = epoch_indices(epoch);
  opt_->hyper().lr = float(config_.lr_at(epoch));
  const bool supervised = config_.mode == "supervised";
  const size_t first = size_t(partial_.steps) * size_t(config_.batch);
  const auto t0 = std::chrono::steady_clock::now();
  DeviceLosses losses((int64_t(subset.size()) + config_.batch - 1) / config_.batch, device_);
  float last_loss = 0;
  // Adds the losses not yet read to partial_.loss_sum; a non-finite one stops the run.
  auto read_losses = [&] {
    losses.read([&](int64_t step, float l, int64_t pairs) {
      SG_CHECK(std::isfinite(l), "training stopped: the loss became ", l, " at epoch ", epoch + 1,
               ", step ", step + 1, "; the last good checkpoint (after epoch ", epochs_done_, ") is ",
               checkpoint_path());
      partial_.loss_sum += double(l) * double(pairs);
      last_loss = l;
    });
  };
  for (size_t b = first; b < subset.size(); b += size_t(config_.batch)) {
    if (stop_requested_ || (step_limit_ >= 0 && steps_done >= step_limit_)) {
      read_losses();
      return false;
    }
    const int64_t step = partial_.steps;
    const size_t end = std::min(subset.size(), b + size_t(config_.batch));
    step_->upload(gather_batch(train_, subset, b, end, supervised ? model_->order() : 0,
                               config_.data.stereo_angle_deg));
    // The dropout streams' step part, (epoch << 32) | (step << 8), uploaded into a device
    // word by the step: its kernels get the same arguments every step.
    step_->run((uint64_t(epoch) << 32) | (uint64_t(step) << 8));
    losses.add(step, step_->loss(), int64_t(end - b));
    partial_.steps = step + 1;
    if (!progress.due(++steps_done)) continue;
    read_losses();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char status[160];
    std::snprintf(status, sizeof status, "stage %lld epoch %lld/%lld loss %.5f %.0f pairs/s",
                  (long long)(config_.stage_at(epoch) + 1), (long long)(epoch + 1),
                  (long long)config_.total_epochs(), last_loss, double(end - first) / std::max(secs, 1e-9));
    progress.step(steps_done, status);
  }
  read_losses();
  return true;
}

}  // namespace sg

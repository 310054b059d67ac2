#include "train/train_full.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "data/inplane_turn.h"
#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"
#include "engine/ops.h"
#include "engine/optim/optimizer.h"
#include "train/json_reader.h"
#include "train/rotation6d_loss.h"

namespace sg {

void FullConfig::validate() const {
  SG_CHECK(data.task == "full", "data: the full-orientation model trains on task full");
  data.validate();
  trunk.validate();
  SG_CHECK(hidden >= 1 && hidden <= 8192, "hidden must be in [1, 8192], got ", hidden);
  SG_CHECK(epochs >= 1 && final_epochs >= 0 && final_epochs <= epochs, "epochs must be >= 1 and final_epochs in [0, epochs], got ",
           epochs, " and ", final_epochs);
  SG_CHECK(batch >= 1 && batch <= data.count, "batch must be in [1, data.count], got ", batch);
  SG_CHECK(std::isfinite(lr) && lr > 0 && std::isfinite(final_lr) && final_lr > 0, "lr and final_lr must be positive");
  SG_CHECK(std::isfinite(pair_weight) && pair_weight > 0, "pair_weight must be positive, got ", pair_weight);
  SG_CHECK(pair_weight_from >= 0, "pair_weight_from must be >= 0, got ", pair_weight_from);
  SG_CHECK(std::isfinite(gamma_max_deg) && gamma_max_deg >= 0 && gamma_max_deg <= 180,
           "gamma_max_deg must be in [0, 180], got ", gamma_max_deg);
  SG_CHECK(gamma_ramp_epochs >= 0, "gamma_ramp_epochs must be >= 0, got ", gamma_ramp_epochs);
  SG_CHECK(eval_pairs >= 0, "eval_pairs must be >= 0, got ", eval_pairs);
}

FullConfig full_config_from_json(const nlohmann::json& j, const std::string& what) {
  FullConfig c;
  JsonReader r(j, what);
  r.get("name", c.name);
  r.get("hidden", c.hidden);
  r.get("epochs", c.epochs);
  r.get("final_epochs", c.final_epochs);
  r.get("batch", c.batch);
  r.get("lr", c.lr);
  r.get("final_lr", c.final_lr);
  r.get("pair_weight", c.pair_weight);
  r.get("pair_weight_from", c.pair_weight_from);
  r.get("gamma_max_deg", c.gamma_max_deg);
  r.get("gamma_ramp_epochs", c.gamma_ramp_epochs);
  r.get("eval_pairs", c.eval_pairs);
  r.get("supervised", c.supervised);
  r.get("seed", c.seed);
  std::vector<int64_t> filters(c.trunk.filters.begin(), c.trunk.filters.end());
  r.get("filters", filters);
  SG_CHECK(filters.size() == 3, what, ": filters must hold 3 counts, got ", filters.size());
  std::copy(filters.begin(), filters.end(), c.trunk.filters.begin());
  r.skip("data");
  r.finish();
  if (j.contains("data")) {
    const std::string where = what + ", data";
    JsonReader d(j.at("data"), where);
    Gen3dParams& g = c.data;
    d.get("shape", g.shape);
    d.get("ino", g.ino);
    d.get("count", g.count);
    d.get("size", g.size);
    d.get("stereo_angle_deg", g.stereo_angle_deg);
    d.get("radius_min", g.radius_min);
    d.get("radius_max", g.radius_max);
    d.get("supersample", g.supersample);
    d.get("blur", g.blur);
    d.get("dose", g.dose);
    d.finish();
  }
  c.data.seed = c.seed;
  validate_in(what, c);
  return c;
}

nlohmann::json to_json(const FullConfig& c) {
  const Gen3dParams& g = c.data;
  return {{"name", c.name},
          {"hidden", c.hidden},
          {"epochs", c.epochs},
          {"final_epochs", c.final_epochs},
          {"batch", c.batch},
          {"lr", c.lr},
          {"final_lr", c.final_lr},
          {"pair_weight", c.pair_weight},
          {"pair_weight_from", c.pair_weight_from},
          {"gamma_max_deg", c.gamma_max_deg},
          {"gamma_ramp_epochs", c.gamma_ramp_epochs},
          {"eval_pairs", c.eval_pairs},
          {"supervised", c.supervised},
          {"seed", c.seed},
          {"filters", std::vector<int64_t>(c.trunk.filters.begin(), c.trunk.filters.end())},
          {"data",
           {{"shape", g.shape}, {"ino", g.ino}, {"count", g.count}, {"size", g.size},
            {"stereo_angle_deg", g.stereo_angle_deg}, {"radius_min", g.radius_min},
            {"radius_max", g.radius_max}, {"supersample", g.supersample}, {"blur", g.blur},
            {"dose", g.dose}}}};
}

std::vector<float> full_model_input(const float* images, int64_t n, int64_t size,
                                    const std::vector<double>& gammas_deg) {
  SG_CHECK(gammas_deg.empty() || int64_t(gammas_deg.size()) == n, "model input: ", gammas_deg.size(),
           " in-plane angles for ", n, " images");
  const int64_t L = size * size;
  std::vector<float> out(size_t(n * L));
  for (int64_t i = 0; i < n; ++i)
    turned_input(images + i * L, size, size, gammas_deg.empty() ? 0.0 : gammas_deg[size_t(i)],
                 out.data() + i * L);
  return out;
}

std::vector<Quat> predict_rotations(RotationHeadModel& model, const float* images, int64_t n, int64_t size,
                                    Device device) {
  constexpr int64_t kBatch = 256;
  NoGradGuard no_grad;
  std::vector<Quat> out;
  for (int64_t b = 0; b < n; b += kBatch) {
    const int64_t m = std::min(kBatch, n - b);
    Context ctx;  // inference: dropout off
    const std::vector<float> x = full_model_input(images + b * size * size, m, size);
    const std::vector<float> y =
        model.forward(Tensor::from_vector(x, {m, 1, size, size}, device), ctx).to_vector();
    for (int64_t i = 0; i < m; ++i) out.push_back(to_quat(rotation_from_6d(y.data() + 6 * i)));
  }
  return out;
}

namespace {
std::string in(const std::string& dir, const char* name) { return (std::filesystem::path(dir) / name).string(); }

void save_full_checkpoint(const std::string& path, const FullConfig& c, RotationHeadModel& m, int64_t epochs_done) {
  save_safetensors(path, m.parameters(),
                   {{"format", kFullCheckpointFormat}, {"config", to_json(c).dump()},
                    {"epochs_done", std::to_string(epochs_done)}});
}
}  // namespace

FullRun train_full(const FullConfig& config, const std::string& out_dir, Device device, std::FILE* log) {
  config.validate();
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  SG_CHECK(!ec, "train-full: cannot create output folder '", out_dir, "': ", ec.message());
  FullRun run{config, nullptr};
  Rng init(config.seed, 1);
  run.model = std::make_unique<RotationHeadModel>(config.data.size, config.trunk, config.hidden, init, device);
  RotationHeadModel& model = *run.model;
  // The pairs; their orientations are not training's to read (but the cheat check's).
  Dataset3d ds = generate_3d(config.data);
  std::vector<Quat> truth;
  for (int64_t i = 0; config.supervised && i < ds.params.count; ++i) {
    const float* o = ds.orientations.data() + 4 * i;
    truth.push_back(normalised(Quat{o[0], o[1], o[2], o[3]}));
  }
  ds.orientations.clear();
  ds.sizes.clear();
  const int64_t N = ds.params.count, S = ds.params.size, L = S * S;
  std::vector<float> firsts(size_t(N * L)), seconds(size_t(N * L));
  for (int64_t i = 0; i < N; ++i) {
    std::copy_n(ds.images.data() + (2 * i) * L, L, firsts.data() + i * L);
    std::copy_n(ds.images.data() + (2 * i + 1) * L, L, seconds.data() + i * L);
  }
  const std::vector<float> in1 = full_model_input(firsts.data(), N, S), in2 = full_model_input(seconds.data(), N, S);
  const Polyhedron shape = make_polyhedron(config.data.shape, config.data.ino);  // its group: the loss's G
  AdamParams hp;
  hp.lr = float(config.lr);
  Adam opt(model.parameters(), hp);
  const double delta = config.data.stereo_angle_deg * M_PI / 180;
  nlohmann::json history = nlohmann::json::array();
  std::vector<float> x, grad;
  for (int64_t e = 0; e < config.epochs; ++e) {
    const auto t0 = std::chrono::steady_clock::now();
    opt.hyper().lr = float(e >= config.epochs - config.final_epochs ? config.final_lr : config.lr);
    const double gmax = config.gamma_max_deg * std::min(1.0, double(e + 1) / double(config.gamma_ramp_epochs + 1));
    std::vector<int64_t> order(static_cast<size_t>(N));
    for (int64_t i = 0; i < N; ++i) order[size_t(i)] = i;
    Rng shuffle(config.seed, 1000 + uint64_t(e)), turns(config.seed, 5000 + uint64_t(e));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle.below(i)]);
    double pair_sum = 0, inplane_sum = 0;
    int64_t steps = 0;
    for (int64_t b = 0; b + config.batch <= N; b += config.batch, ++steps) {
      const int64_t B = config.batch;
      EquivarianceBatch eb;
      eb.pairs = B;
      eb.delta_rad = delta;
      eb.pair_weight = e >= config.pair_weight_from ? config.pair_weight : 1.0;
      std::vector<double> gam_deg(static_cast<size_t>(B));
      std::vector<float> raw(size_t(B * L));
      x.assign(size_t(3 * B * L), 0.0f);
      for (int64_t k = 0; k < B; ++k) {
        const int64_t i = order[size_t(b + k)];
        gam_deg[size_t(k)] = turns.uniform(-gmax, gmax);
        std::copy_n(in1.data() + i * L, L, x.data() + k * L);
        std::copy_n(in2.data() + i * L, L, x.data() + (B + k) * L);
        std::copy_n(firsts.data() + i * L, L, raw.data() + k * L);
      }
      const std::vector<float> in3 = full_model_input(raw.data(), B, S, gam_deg);
      std::copy(in3.begin(), in3.end(), x.begin() + 2 * B * L);
      for (double g : gam_deg) eb.gamma_rad.push_back(g * M_PI / 180);
      Context ctx;
      ctx.training = true;
      ctx.seed = config.seed;
      ctx.stream = (uint64_t(e) << 32) | (uint64_t(steps) << 8);
      const Tensor y = model.forward(Tensor::from_vector(x, {3 * B, 1, S, S}, device), ctx);
      const std::vector<float> yh = y.to_vector();
      eb.x = yh.data();
      EquivarianceTerms t;
      if (config.supervised) {
        std::vector<Quat> tb;  // the true rotations of the 3B images
        for (int k = 0; k < 3; ++k)
          for (int64_t j = 0; j < B; ++j) {
            const Quat r = truth[size_t(order[size_t(b + j)])];
            tb.push_back(k == 0 ? r : k == 1 ? mul(axis_angle({1, 0, 0}, config.data.stereo_angle_deg), r)
                                             : mul(axis_angle({0, 0, 1}, gam_deg[size_t(j)]), r));
          }
        t.inplane = supervised_rotation_loss(yh.data(), tb, shape.group, shape.improper, grad);
      } else {
        t = equivariance_loss(eb, shape.group, shape.improper, grad);
      }
      SG_CHECK(std::isfinite(t.total()), "train-full: the loss became ", t.total(), " at epoch ", e + 1,
               ", step ", steps + 1);
      // The host's gradient enters autograd through sum(y * g): d/dy = g.
      opt.zero_grad();
      sum(mul(y, Tensor::from_vector(grad, {3 * B, 6}, device))).backward();
      opt.step();
      pair_sum += t.pair;
      inplane_sum += t.inplane;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double n = double(std::max<int64_t>(steps, 1));
    history.push_back({{"epoch", e + 1}, {"loss_pair", pair_sum / n}, {"loss_inplane", inplane_sum / n},
                       {"gamma_max_deg", gmax}, {"lr", opt.hyper().lr}, {"seconds", secs}});
    std::fprintf(log, "epoch %3lld/%lld  loss pair %.5f  in-plane %.5f  (|gamma| <= %.0f deg)  %.1f s\n",
                 (long long)(e + 1), (long long)config.epochs, pair_sum / n, inplane_sum / n, gmax, secs);
    std::fflush(log);
    save_full_checkpoint(in(out_dir, "checkpoint.safetensors"), config, model, e + 1);
    write_file_atomic(in(out_dir, "metrics.jsonl"), [&](std::ostream& os) {
      for (const auto& r : history) os << r.dump() << "\n";
    });
  }
  return run;
}

bool is_full_checkpoint(const std::string& path) {
  try {
    const SafetensorsFile f = load_safetensors(path);
    const auto it = f.metadata.find("format");
    return it != f.metadata.end() && it->second == kFullCheckpointFormat;
  } catch (const Error&) {
    return false;
  }
}

FullRun load_full_checkpoint(const std::string& path, Device device) {
  const SafetensorsFile f = load_safetensors(path);
  const auto fmt = f.metadata.find("format"), cfg = f.metadata.find("config");
  SG_CHECK(fmt != f.metadata.end() && fmt->second == kFullCheckpointFormat && cfg != f.metadata.end(), "'", path,
           "' is not a checkpoint of the full-orientation model (train-full)");
  const nlohmann::json j = nlohmann::json::parse(cfg->second, nullptr, false);
  SG_CHECK(!j.is_discarded(), "'", path, "': its config is not JSON");
  FullRun run{full_config_from_json(j, "'" + path + "' config"), nullptr};
  Rng init(run.config.seed, 1);
  run.model = std::make_unique<RotationHeadModel>(run.config.data.size, run.config.trunk, run.config.hidden, init,
                                                  device);
  std::vector<NamedTensor> params = run.model->parameters();
  copy_into(f, params, "'" + path + "'");
  return run;
}

}  // namespace sg

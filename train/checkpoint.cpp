#include "train/checkpoint.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "data/shapes.h"
#include "engine/error.h"
#include "models/angle_heatmap.h"
#include "models/unet.h"

namespace sg {

namespace {
const char* kFormat = "stereograd-checkpoint";
}  // namespace

std::unique_ptr<PairModel> build_model(const TrainConfig& c, Device device) {
  Rng rng(c.seed, 1);
  const int order = ParticleShape::make(c.data.shape, c.data.sides).order();
  if (c.is_unet()) {
    UNetOptions o;
    o.skips = c.model == "unet";
    o.bottleneck = parse_bottleneck(c.unet.bottleneck);
    o.wrap = parse_wrap(c.wrap);
    o.dropout = float(c.unet.dropout);
    o.self_weight = float(c.unet.self_weight);
    return std::make_unique<UNetModel>(c.data.size, order, o, rng, device);
  }
  if (c.is_heatmap())
    return std::make_unique<AngleHeatmapModel>(c.model == "heatmap1d" ? Dims::One : Dims::Two, c.data.size,
                                               order, c.heatmap, rng, device, c.width);
  const Dims dims = c.model == "difference1d" ? Dims::One : Dims::Two;
  return std::make_unique<DifferenceModel>(dims, c.data.size, order, parse_wrap(c.wrap), rng,
                                           device, c.width);
}

void save_checkpoint(const std::string& path, const TrainConfig& config, int64_t epochs_done,
                     const PartialEpoch& partial, const nlohmann::json& history,
                     const nlohmann::json& input_profile, PairModel& model, Optimizer& opt) {
  std::vector<NamedTensor> tensors = model.parameters();
  for (NamedTensor& t : opt.state()) tensors.push_back(t);
  std::map<std::string, std::string> meta{{"format", kFormat},
                                          {"config", to_json(config).dump()},
                                          {"epochs_done", std::to_string(epochs_done)},
                                          {"history", history.dump()},
                                          {"optimizer", opt.type()}};
  if (!input_profile.is_null()) meta["input_profile"] = input_profile.dump();
  if (partial.steps > 0) {
    char sum[40];
    std::snprintf(sum, sizeof sum, "%a", partial.loss_sum);  // hexadecimal: exact
    meta["epoch_steps"] = std::to_string(partial.steps);
    meta["epoch_loss_sum"] = sum;
  }
  for (const auto& [k, v] : opt.counters()) meta["optimizer." + k] = std::to_string(v);
  save_safetensors(path, tensors, meta);
}

Checkpoint read_checkpoint(const std::string& path) {
  return checkpoint_from(load_safetensors(path), "checkpoint '" + path + "'");
}

Checkpoint checkpoint_from(SafetensorsFile file, const std::string& what) {
  Checkpoint c;
  c.file = std::move(file);
  const auto& m = c.file.metadata;
  auto field = [&](const char* key) -> const std::string& {
    auto it = m.find(key);
    SG_CHECK(it != m.end(), what, ": metadata lacks '", key, "' (not a stereograd checkpoint?)");
    return it->second;
  };
  // A whole decimal integer in [0, 2^62], or an error naming the key.
  auto integer = [&](const std::string& key, const std::string& text) {
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(text.c_str(), &end, 10);
    SG_CHECK(!text.empty() && *end == '\0' && errno == 0 && v >= 0 && v <= (1LL << 62), what,
             ": corrupt metadata '", key, "': '", text.substr(0, 40), "' is not a count");
    return int64_t(v);
  };
  SG_CHECK(field("format") == kFormat, what, ": format is '", field("format").substr(0, 40),
           "', expected ", kFormat);
  try {
    c.config = config_from_json(nlohmann::json::parse(field("config")), what + " config");
    c.history = nlohmann::json::parse(field("history"));
    // Optional objects: older checkpoints lack them; their readers check their fields.
    const std::pair<const char*, nlohmann::json*> optional[] = {{"input_profile", &c.input_profile},
                                                                {"calibration", &c.calibration}};
    for (const auto& [key, into] : optional) {
      if (!m.count(key)) continue;
      *into = nlohmann::json::parse(m.at(key));
      SG_CHECK(into->is_object(), what, ": corrupt metadata: '", key, "' is not a JSON object");
    }
  } catch (const nlohmann::json::exception& e) {
    fail(what, ": corrupt metadata: ", e.what());
  }
  c.epochs_done = integer("epochs_done", field("epochs_done"));
  const int64_t total = c.config.total_epochs();
  SG_CHECK(c.epochs_done <= total, what, ": epochs_done ", c.epochs_done, " out of range");
  SG_CHECK(c.history.is_array() && int64_t(c.history.size()) == c.epochs_done, what,
           ": corrupt metadata: the history must list one record per epoch done");
  for (const auto& r : c.history)
    SG_CHECK(r.is_object(), what, ": corrupt metadata: a history record is not an object");
  if (m.count("epoch_steps")) {
    c.partial.steps = integer("epoch_steps", m.at("epoch_steps"));
    const std::string& sum = field("epoch_loss_sum");
    char* end = nullptr;
    c.partial.loss_sum = std::strtod(sum.c_str(), &end);
    SG_CHECK(!sum.empty() && *end == '\0' && std::isfinite(c.partial.loss_sum), what,
             ": corrupt metadata 'epoch_loss_sum': '", sum.substr(0, 40), "'");
    SG_CHECK(c.epochs_done < total, what, ": a partial epoch after the last one");
  }
  for (const auto& [k, v] : m)
    if (k.rfind("optimizer.", 0) == 0) c.optimizer_counters[k.substr(10)] = integer(k, v);
  return c;
}

std::unique_ptr<PairModel> model_from_checkpoint(const Checkpoint& c, Device device) {
  auto model = build_model(c.config, device);
  std::vector<NamedTensor> params = model->parameters();
  copy_into(c.file, params, "checkpoint", /*allow_extra=*/true);
  return model;
}

void set_checkpoint_json(const std::string& path, const std::string& key, const nlohmann::json& json) {
  SafetensorsFile f = read_checkpoint(path).file;  // validated: never rewrite a foreign file
  std::vector<NamedTensor> tensors;
  for (const auto& [name, t] : f.tensors) tensors.push_back({name, Tensor::from_vector(t.data, t.shape)});
  if (json.is_null()) f.metadata.erase(key);
  else f.metadata[key] = json.dump();
  save_safetensors(path, tensors, f.metadata);
}

void restore_optimizer(const Checkpoint& c, Optimizer& opt) {
  std::vector<NamedTensor> state = opt.state();
  copy_into(c.file, state, "checkpoint optimizer state", /*allow_extra=*/true);
  opt.set_counters(c.optimizer_counters);
}

}  // namespace sg

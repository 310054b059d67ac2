#include "train/checkpoint.h"

#include "data/shapes.h"
#include "engine/error.h"
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
  const Dims dims = c.model == "difference1d" ? Dims::One : Dims::Two;
  return std::make_unique<DifferenceModel>(dims, c.data.size, order, parse_wrap(c.wrap), rng,
                                           device);
}

void save_checkpoint(const std::string& path, const TrainConfig& config, int64_t epochs_done,
                     const nlohmann::json& history, PairModel& model, Optimizer& opt) {
  std::vector<NamedTensor> tensors = model.parameters();
  for (NamedTensor& t : opt.state()) tensors.push_back(t);
  std::map<std::string, std::string> meta{{"format", kFormat},
                                          {"config", to_json(config).dump()},
                                          {"epochs_done", std::to_string(epochs_done)},
                                          {"history", history.dump()},
                                          {"optimizer", opt.type()}};
  for (const auto& [k, v] : opt.counters()) meta["optimizer." + k] = std::to_string(v);
  save_safetensors(path, tensors, meta);
}

Checkpoint read_checkpoint(const std::string& path) {
  Checkpoint c;
  c.file = load_safetensors(path);
  const auto& m = c.file.metadata;
  const std::string what = "checkpoint '" + path + "'";
  auto field = [&](const char* key) -> const std::string& {
    auto it = m.find(key);
    SG_CHECK(it != m.end(), what, ": metadata lacks '", key, "' (not a stereograd checkpoint?)");
    return it->second;
  };
  SG_CHECK(field("format") == kFormat, what, ": format is '", field("format"), "', expected ", kFormat);
  try {
    c.config = config_from_json(nlohmann::json::parse(field("config")), what + " config");
    c.history = nlohmann::json::parse(field("history"));
    c.epochs_done = std::stoll(field("epochs_done"));
  } catch (const nlohmann::json::exception& e) {
    fail(what, ": corrupt metadata: ", e.what());
  } catch (const std::logic_error&) {
    fail(what, ": corrupt epochs_done '", field("epochs_done"), "'");
  }
  SG_CHECK(c.epochs_done >= 0 && c.epochs_done <= c.config.total_epochs(), what,
           ": epochs_done ", c.epochs_done, " out of range");
  return c;
}

std::unique_ptr<PairModel> model_from_checkpoint(const Checkpoint& c, Device device) {
  auto model = build_model(c.config, device);
  std::vector<NamedTensor> params = model->parameters();
  copy_into(c.file, params, "checkpoint", /*allow_extra=*/true);
  return model;
}

void restore_optimizer(const Checkpoint& c, Optimizer& opt) {
  std::vector<NamedTensor> state = opt.state();
  copy_into(c.file, state, "checkpoint optimizer state", /*allow_extra=*/true);
  std::map<std::string, int64_t> counters;
  for (const auto& [k, v] : c.file.metadata)
    if (k.rfind("optimizer.", 0) == 0) counters[k.substr(10)] = std::stoll(v);
  opt.set_counters(counters);
}

}  // namespace sg

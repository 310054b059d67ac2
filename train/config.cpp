#include "train/config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/json_reader.h"

namespace sg {

namespace {

GenParams data_from_json(const nlohmann::json& j, const std::string& where, std::string& path) {
  GenParams p;
  p.count = 4096;
  JsonReader r(j, where);
  r.get("path", path);
  r.get("shape", p.shape);
  r.get("sides", p.sides);
  r.get("count", p.count);
  r.get("size", p.size);
  r.get("stereo_angle_deg", p.stereo_angle_deg);
  r.get("angle_min_deg", p.angle_min_deg);
  r.get("angle_max_deg", p.angle_max_deg);
  r.get("radius_min", p.radius_min);
  r.get("radius_max", p.radius_max);
  r.get("seed", p.seed);
  r.get("noise", p.noise);
  r.get("dose", p.dose);
  r.get("threshold", p.threshold);
  r.get("supersample", p.supersample);
  r.get("preprocess", p.preprocess);
  r.get("projection", p.projection);
  r.get("subpixel_centre", p.subpixel_centre);
  r.get("supersample_max", p.supersample_max);
  r.get("dose_max", p.dose_max);
  r.get("shot_fraction", p.shot_fraction);
  r.get("blur_max", p.blur_max);
  r.get("intensity_min", p.intensity_min);
  r.get("intensity_max", p.intensity_max);
  r.get("normalise_size", p.normalise_size);
  r.finish();
  validate_in(where, p);
  return p;
}

TrainConfig::UNet unet_from_json(const nlohmann::json& j, const std::string& where) {
  TrainConfig::UNet u;
  JsonReader r(j, where);
  r.get("bottleneck", u.bottleneck);
  r.get("dropout", u.dropout);
  r.get("self_weight", u.self_weight);
  r.finish();
  return u;
}

HeatmapOptions heatmap_from_json(const nlohmann::json& j, const std::string& where) {
  HeatmapOptions h;
  JsonReader r(j, where);
  r.get("bins", h.bins);
  r.get("hidden", h.hidden);
  r.get("sigma_bins", h.sigma_bins);
  r.get("fold_deg", h.fold_deg);
  r.get("half_turn", h.half_turn);
  r.get("half_turn_train", h.half_turn_train);
  r.finish();
  return h;
}

}  // namespace

namespace {
constexpr int64_t kMaxPairs = int64_t(1) << 31;
}  // namespace

double TrainConfig::fraction_at(int64_t epoch) const {
  int64_t s = stage_at(epoch);
  return s < int64_t(stages.size()) ? stages[size_t(s)] : 1.0;
}

int64_t TrainConfig::stage_at(int64_t epoch) const {
  return std::min<int64_t>(epoch / epochs_per_stage, int64_t(stages.size()));
}

void TrainConfig::validate() const {
  SG_CHECK(is_difference() || is_heatmap() || is_unet(),
           "config: model must be difference2d, difference1d, heatmap1d, heatmap2d, unet or autoencoder, got '",
           model, "'");
  heatmap.validate();
  SG_CHECK(supervised_images == "first" || supervised_images == "both",
           "config: supervised_images must be first or both, got '", supervised_images, "'");
  SG_CHECK(!is_heatmap() || mode == "supervised", "config: model ", model, " learns from angles "
           "(pseudo-labels in data.path): mode must be supervised, got '", mode, "'");
  SG_CHECK(unet.bottleneck == "angle" || unet.bottleneck == "sincos",
           "config: unet.bottleneck must be angle or sincos, got '", unet.bottleneck, "'");
  SG_CHECK(std::isfinite(unet.dropout) && unet.dropout >= 0 && unet.dropout < 1,
           "config: unet.dropout must be in [0, 1), got ", unet.dropout);
  SG_CHECK(std::isfinite(unet.self_weight) && unet.self_weight >= 0,
           "config: unet.self_weight must be >= 0, got ", unet.self_weight);
  SG_CHECK(!is_unet() || wrap != "centred", "config: model ", model,
           " wraps its own angle plus δ; wrap must be symmetric or report, not centred");
  SG_CHECK(!is_unet() || (data.size % 8 == 0 && data.size >= 8), "config: model ", model,
           " needs data.size to be a multiple of 8, got ", data.size);
  width.validate();
  SG_CHECK(mode == "stereo" || mode == "supervised",
           "config: mode must be stereo or supervised, got '", mode, "'");
  SG_CHECK(curriculum == "similarity" || curriculum == "angle_range" || curriculum == "none",
           "config: curriculum must be similarity, angle_range or none, got '", curriculum, "'");
  SG_CHECK(wrap == "report" || wrap == "symmetric" || wrap == "centred",
           "config: wrap must be report, symmetric or centred, got '", wrap, "'");
  SG_CHECK(!stages.empty(), "config: stages must list at least one fraction");
  for (double f : stages)
    SG_CHECK(f > 0 && f <= 1, "config: every stage fraction must be in (0, 1], got ", f);
  // Bounds far beyond any real run keep the epoch and pair arithmetic from overflowing.
  SG_CHECK(stages.size() <= 1000, "config: at most 1000 stages, got ", stages.size());
  for (size_t i = 1; i < stages.size(); ++i)  // each stage admits more pairs than the last
    SG_CHECK(stages[i] > stages[i - 1], "config: stages must increase, got ", stages[i - 1], " then ",
             stages[i]);
  SG_CHECK(epochs_per_stage >= 1 && epochs_per_stage <= 1000000 && final_epochs >= 0 &&
               final_epochs <= 1000000,
           "config: epochs_per_stage must be in [1, 10^6] and final_epochs in [0, 10^6]");
  SG_CHECK(batch >= 1 && batch <= 65536, "config: batch must be in [1, 65536], got ", batch);
  SG_CHECK(std::isfinite(final_lr) && final_lr >= 0 && final_lr < 1,
           "config: final_lr must be in [0, 1) (0 = lr), got ", final_lr);
  SG_CHECK(epoch_pairs >= 0 && epoch_pairs <= kMaxPairs, "config: epoch_pairs must be in [0, ",
           kMaxPairs, "], got ", epoch_pairs);
  SG_CHECK(std::isfinite(lr) && lr > 0 && lr < 1, "config: lr must be in (0, 1), got ", lr);
  SG_CHECK(eval_pairs >= 1 && eval_pairs <= kMaxPairs, "config: eval_pairs must be in [1, ",
           kMaxPairs, "], got ", eval_pairs);
  SG_CHECK(test_rotations == 1 || test_rotations == 2 || test_rotations == 4,
           "config: test_rotations must be 1, 2 or 4, got ", test_rotations);
  SG_CHECK(test_rotations == 1 || !data.projection,
           "config: test_rotations applies to 2-D images, not 1-D projections");
  SG_CHECK(data.count <= kMaxPairs, "config: data.count must be at most ", kMaxPairs, ", got ",
           data.count);
  SG_CHECK(reads_projections() == data.projection, "config: model ", model,
           (data.projection ? " cannot take 1-D projections (data.projection is true)"
                            : " needs 1-D projections (set data.projection to true)"));
}

TrainConfig config_from_json(const nlohmann::json& j, const std::string& what) {
  TrainConfig c;
  JsonReader r(j, what);
  r.get("name", c.name);
  r.get("model", c.model);
  r.get("mode", c.mode);
  r.get("supervised_images", c.supervised_images);
  r.get("curriculum", c.curriculum);
  r.get("stages", c.stages);
  r.get("epochs_per_stage", c.epochs_per_stage);
  r.get("final_epochs", c.final_epochs);
  r.get("batch", c.batch);
  r.get("epoch_pairs", c.epoch_pairs);
  r.get("lr", c.lr);
  r.get("final_lr", c.final_lr);
  r.get("wrap", c.wrap);
  r.get("seed", c.seed);
  r.get("eval_pairs", c.eval_pairs);
  r.get("test_rotations", c.test_rotations);
  std::vector<int64_t> filters(c.width.filters.begin(), c.width.filters.end());
  r.get("filters", filters);
  SG_CHECK(filters.size() == 3, what, ": key 'filters' must list 3 conv widths, got ",
           filters.size());
  std::copy(filters.begin(), filters.end(), c.width.filters.begin());
  r.get("dense", c.width.dense);
  SG_CHECK(c.is_difference() || (!j.contains("filters") && !j.contains("dense")) ||
               (c.model == "heatmap2d" && !j.contains("dense")),
           what, ": keys 'filters' and 'dense' are for models difference2d and difference1d ('filters' "
           "also for heatmap2d's trunk), not ", c.model);
  c.data.count = 4096;
  if (j.contains("data")) c.data = data_from_json(j.at("data"), what + " 'data'", c.data_path);
  r.skip("data");
  if (j.contains("unet")) {
    SG_CHECK(c.is_unet(), what, ": the 'unet' section is for "
             "models unet and autoencoder, not ", c.model);
    c.unet = unet_from_json(j.at("unet"), what + " 'unet'");
  }
  r.skip("unet");
  if (j.contains("heatmap")) {
    SG_CHECK(c.is_heatmap(), what, ": the 'heatmap' section is for models heatmap1d and heatmap2d, not ", c.model);
    c.heatmap = heatmap_from_json(j.at("heatmap"), what + " 'heatmap'");
  }
  r.skip("heatmap");
  r.finish();
  validate_in(what, c);
  return c;
}

TrainConfig load_config(const std::string& path) {
  std::vector<char> bytes = read_file_bytes(path);
  return config_from_text(std::string(bytes.begin(), bytes.end()), "config '" + path + "'");
}

TrainConfig config_from_text(const std::string& text, const std::string& what) {
  nlohmann::json j;
  // A key given twice in one object is an error (nlohmann keeps the last silently): the
  // parser's callback sees every key with the object it belongs to.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  const nlohmann::json::parser_callback_t cb = [&](int, nlohmann::json::parse_event_t e, nlohmann::json& v) {
    using E = nlohmann::json::parse_event_t;
    if (e == E::object_start) keys.emplace_back();
    else if (e == E::object_end && !keys.empty()) keys.pop_back();
    else if (e == E::key && !keys.empty() && !keys.back().insert(v.get<std::string>()).second && duplicate.empty())
      duplicate = v.get<std::string>();
    return true;
  };
  try {
    j = nlohmann::json::parse(text, cb);
  } catch (const nlohmann::json::exception& e) {
    fail(what, " is not valid JSON: ", e.what());
  }
  SG_CHECK(duplicate.empty(), what, ": key '", duplicate, "' is given twice in one object");
  return config_from_json(j, what);
}

nlohmann::json to_json(const TrainConfig& c) {
  // The data section is params.json's description minus what is derived or fixed.
  nlohmann::json data = to_json(c.data);
  for (const char* k : {"format", "version", "order", "mirror_symmetric", "layout", "angles", "rng",
                        "first_index"})
    data.erase(k);
  nlohmann::json j = {{"name", c.name}, {"model", c.model}, {"mode", c.mode}, {"curriculum", c.curriculum},
          {"stages", c.stages}, {"epochs_per_stage", c.epochs_per_stage},
          {"final_epochs", c.final_epochs}, {"batch", c.batch}, {"epoch_pairs", c.epoch_pairs}, {"lr", c.lr}, {"final_lr", c.final_lr}, {"wrap", c.wrap},
          {"seed", c.seed}, {"eval_pairs", c.eval_pairs},
          {"test_rotations", c.test_rotations}, {"data", data}};
  if (!c.data_path.empty()) j["data"]["path"] = c.data_path;
  if (c.supervised_images != "first") j["supervised_images"] = c.supervised_images;  // absent before it existed  // absent = generate, as before the key
  if (c.is_difference()) {
    j["filters"] = c.width.filters;
    j["dense"] = c.width.dense;
  } else if (c.is_heatmap()) {
    if (c.model == "heatmap2d") j["filters"] = c.width.filters;
    j["heatmap"] = {{"bins", c.heatmap.bins}, {"hidden", c.heatmap.hidden},
                    {"sigma_bins", c.heatmap.sigma_bins}};
    if (c.heatmap.fold_deg >= 0) j["heatmap"]["fold_deg"] = c.heatmap.fold_deg;
    if (c.heatmap.half_turn) j["heatmap"]["half_turn"] = true;  // absent = off, as before the key
    if (c.heatmap.half_turn_train) j["heatmap"]["half_turn_train"] = true;
  } else {
    j["unet"] = {{"bottleneck", c.unet.bottleneck}, {"dropout", c.unet.dropout},
                 {"self_weight", c.unet.self_weight}};
  }
  return j;
}

}  // namespace sg

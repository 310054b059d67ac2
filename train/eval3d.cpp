#include "train/eval3d.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "data/angles.h"
#include "data/pairs3d.h"
#include "data/single_axis.h"
#include "data/template_match3d.h"
#include "data/tilt_pair_sync.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "train/checkpoint.h"
#include "train/eval3d_figures.h"
#include "train/eval_full.h"
#include "train/evaluate.h"
#include "train/predict_angles.h"
#include "train/trainer.h"

namespace sg {

namespace {

std::string in(const std::string& dir, const char* name) { return (std::filesystem::path(dir) / name).string(); }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct Row {
  std::string method, input, knows;
  Accuracy acc;
  double ms_per_image = 0;
  double within2 = 0, within5 = 0, within10 = 0;
};

Row score(const std::string& method, const std::string& input, const std::string& knows,
          const std::vector<double>& predicted, const std::vector<float>& truth, const Ambiguity& amb,
          bool align, double ms_per_image) {
  Row r{method, input, knows, {}, ms_per_image};
  r.acc = evaluate_angles_folded(std::vector<float>(predicted.begin(), predicted.end()), truth, amb, align);
  for (double e : r.acc.error_deg) {
    r.within2 += std::fabs(e) <= 2;
    r.within5 += std::fabs(e) <= 5;
    r.within10 += std::fabs(e) <= 10;
  }
  const double n = double(std::max<int64_t>(1, r.acc.count));
  r.within2 *= 100 / n, r.within5 *= 100 / n, r.within10 *= 100 / n;
  return r;
}

}  // namespace

bool is_tilt_pairs_folder(const std::string& dir) {
  std::error_code ec;
  const std::string path = in(dir, "params.json");
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  try {
    const std::vector<char> text = read_file_bytes(path);
    return is_tilt_pairs_json(nlohmann::json::parse(text.begin(), text.end()));
  } catch (...) {
    return false;  // not JSON: the 2-D loader reports it
  }
}

std::optional<SingleAxisTask> single_axis_task_of(const std::string& dir) {
  if (dir.empty() || !is_tilt_pairs_folder(dir)) return std::nullopt;
  const std::vector<char> text = read_file_bytes(in(dir, "params.json"));
  const Gen3dParams g = params3d_from_json(nlohmann::json::parse(text.begin(), text.end()), in(dir, "params.json"));
  if (g.task != "single-axis") return std::nullopt;
  const Ambiguity a = single_axis_ambiguity(make_polyhedron(g.shape, g.ino), single_axis_r0(g), g.tilt_axis);
  const double n = std::hypot(g.tilt_axis.x, g.tilt_axis.y, g.tilt_axis.z);
  const bool axis_x = std::fabs(g.tilt_axis.y) <= 1e-9 * n && std::fabs(g.tilt_axis.z) <= 1e-9 * n;
  return SingleAxisTask{g.shape, a.period_deg, a.fold, axis_x};
}

nlohmann::json sync_report(const SyncResult& r, const char* who) {
  const std::string warning = sync_reliability_warning(r);
  if (!warning.empty()) std::cerr << who << ": " << warning << "\n";
  return {{"eigenvalue", r.eigenvalue}, {"steps", r.steps}, {"neighbour_disagreement_deg", r.neighbour_disagreement_deg},
          {"folded_edges", r.folded_edges}, {"frustration", sync_frustration(r)}, {"spread", r.spread},
          {"outside_piece", r.outside_piece}, {"reliable", warning.empty()}};
}

void check_half_turn_view(const TrainConfig& config) {
  if (config.model != "heatmap2d" || !(config.heatmap.half_turn || config.heatmap.half_turn_train)) return;
  const std::optional<SingleAxisTask> task = single_axis_task_of(config.data_path);
  SG_CHECK(task && task->axis_x, "the half-turn view of model heatmap2d (heatmap.half_turn, half_turn_train, "
           "--half-turn) flips images top to bottom, the particle turned about the image's x axis: it needs "
           "3-D single-axis tilt pairs about x (gen --task single-axis), and data.path '", config.data_path,
           "' is not such a folder");
}

int eval_tilt_pairs(const ArgParser& p, Device device) {
  const std::string dir = p.get("data"), method = p.get("method");
  SG_CHECK(method == "both" || method == "model" || method == "classical",
           "eval: on 3-D tilt pairs --method must be both, model or classical, got '", method, "'");
  SG_CHECK(p.given("checkpoint") || method == "classical",
           "eval: --checkpoint is required (or --method classical)");
  SG_CHECK(!p.given("match-pairs") || method != "model", "eval: --match-pairs goes with the matcher (--method both or classical)");
  SG_CHECK(!p.given("pairs") && !p.get_flag("grid"), "eval: --pairs and --grid do not apply to a folder of 3-D tilt pairs");
  SG_CHECK(!p.given("rotations") || p.get_int("rotations") == 1,
           "eval: --rotations: a quarter turn of a 3-D particle's image is not a tilt; only 1 applies");
  // The folder: params.json, images [N, 2, S, S], orientations [N, 4].
  const std::vector<char> text = read_file_bytes(in(dir, "params.json"));
  const Gen3dParams g = params3d_from_json(nlohmann::json::parse(text.begin(), text.end(), nullptr, false),
                                           "'" + in(dir, "params.json") + "'");
  if (g.task == "full") return eval_full_orientation(p, device, dir, g);
  const NpyArray images = load_npy(in(dir, "images.npy")), orient = load_npy(in(dir, "orientations.npy"));
  const int64_t N = g.count, S = g.size;
  SG_CHECK(images.shape == std::vector<int64_t>({N, 2, S, S}), "eval: '", in(dir, "images.npy"),
           "' is not [", N, ", 2, ", S, ", ", S, "] as its params.json says");
  SG_CHECK(orient.shape == std::vector<int64_t>({N, 4}), "eval: '", in(dir, "orientations.npy"),
           "' must be [", N, ", 4] quaternions (w, x, y, z), one per pair");
  check_finite(images, in(dir, "images.npy"));
  check_finite(orient, in(dir, "orientations.npy"));
  const Polyhedron shape = make_polyhedron(g.shape, g.ino);
  const Quat r0 = single_axis_r0(g);
  const Ambiguity amb = single_axis_ambiguity(shape, r0, g.tilt_axis);
  std::vector<float> truth(static_cast<size_t>(N));  // the ground truth: read here, for scoring only
  for (int64_t i = 0; i < N; ++i) {
    const float* o = orient.data.data() + 4 * i;
    try {
      truth[size_t(i)] = float(single_axis_angle(normalised(Quat{o[0], o[1], o[2], o[3]}), r0, g.tilt_axis));
    } catch (const Error& e) {
      fail("eval: '", in(dir, "orientations.npy"), "' row ", i, ": ", e.what());
    }
  }
  const double delta = g.stereo_angle_deg;
  std::vector<Row> rows;
  nlohmann::json info{{"data", dir}, {"shape", g.shape}, {"pairs", N}, {"size", S},
                      {"stereo_angle_deg", delta}, {"supersample", g.supersample}, {"blur", g.blur},
                      {"dose", g.dose}, {"period_deg", amb.period_deg}, {"fold", amb.fold},
                      {"fold_deg", amb.fold_deg}};

  std::string out = p.get("out");
  if (method != "classical") {
    Checkpoint c = read_checkpoint(p.get("checkpoint"));
    half_turn_option(p, c.config);
    if (out.empty()) out = std::filesystem::path(p.get("checkpoint")).parent_path().string();
    const auto model = model_from_checkpoint(c, device);
    SG_CHECK(std::fabs(360.0 / model->order() - amb.period_deg) < 1e-6, "eval: the model reads period ",
             360.0 / model->order(), " deg, the task's is ", amb.period_deg, " deg");
    if (is_tilt_pairs_folder(c.config.data_path)) {  // the particle it learned must be this one
      const std::vector<char> t = read_file_bytes(in(c.config.data_path, "params.json"));
      const Gen3dParams trained = params3d_from_json(nlohmann::json::parse(t.begin(), t.end()), c.config.data_path);
      SG_CHECK(trained.shape == g.shape && geodesic_deg(single_axis_r0(trained), r0) < 1e-6 &&
                   geodesic_deg(axis_angle(trained.tilt_axis, 90), axis_angle(g.tilt_axis, 90)) < 1e-6,
               "eval: the checkpoint learned '", trained.shape, "' at the R0 and axis of '", c.config.data_path,
               "', not those of '", dir, "' (unseen pairs of one R0: gen --seed S --first-index I)");
    }
    const Dataset ds = folder_data(c.config, dir, "");  // preprocessed as the model was trained
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<float> firsts, seconds;
    split_pairs(ds.images.data(), N, S * S, firsts, seconds);
    const std::vector<float> a1 = predict_angles(*model, firsts.data(), N, {1, S, S}, device, 1);
    const std::vector<float> a2 = predict_angles(*model, seconds.data(), N, {1, S, S}, device, 1);
    const double ms = 1e3 * seconds_since(t0) / double(2 * N);
    rows.push_back(score("model", "single", "no shape, no angle", std::vector<double>(a1.begin(), a1.end()), truth,
                         amb, true, ms));
    const std::vector<float> pair = predict_pairs(*model, firsts, seconds, N, {1, S, S}, device, delta);
    rows.push_back(score("model", "pair", "no shape, no angle", std::vector<double>(pair.begin(), pair.end()), truth,
                         amb, true, ms));
    info["checkpoint"] = p.get("checkpoint");
    info["model"] = c.config.name;
  }
  if (method != "model") {
    SingleAxisMatcher m{shape, r0, normalised(g.tilt_axis), g.supersample, g.blur};
    // The matcher is slow (40-230 ms per image): --match-pairs M scores it on the first M.
    const int64_t M = p.given("match-pairs") ? p.get_int("match-pairs") : N;
    SG_CHECK(M >= 1, "eval: --match-pairs must be positive, got ", M);
    const int64_t NM = std::min(M, N);
    const std::vector<float> truth_m(truth.begin(), truth.begin() + NM);
    std::vector<float> firsts, seconds;
    split_pairs(images.data.data(), NM, S * S, firsts, seconds);
    auto t0 = std::chrono::steady_clock::now();
    const std::vector<double> single = match_single_axis(m, firsts.data(), NM, S, {0});
    double ms = 1e3 * seconds_since(t0) / double(NM);
    rows.push_back(score("match", "single", "shape, R0, axis, rendering", single, truth_m, amb, false, ms));
    t0 = std::chrono::steady_clock::now();
    const std::vector<double> pair = match_single_axis(m, images.data.data(), NM, S, {0, delta});
    ms = 1e3 * seconds_since(t0) / double(NM);
    rows.push_back(score("match", "pair", "shape, R0, axis, rendering", pair, truth_m, amb, false, ms));
    info["match_pairs"] = NM;
    t0 = std::chrono::steady_clock::now();
    SyncResult sync;
    const std::vector<double> firsts_deg = synchronise_tilt_pairs(images.data.data(), N, S, delta, {g.tilt_axis, g.blur}, &sync);
    ms = 1e3 * seconds_since(t0) / double(2 * N);
    rows.push_back(score("sync", "pairs", "no shape, no angle", firsts_deg, truth, amb, true, ms));
    info["sync"] = sync_report(sync, "eval: sync row");
  }

  std::cout << "3-D single-axis tilt pairs: " << N << " pairs of '" << g.shape << "' in " << dir
            << " (delta " << delta << " deg; alpha scored modulo " << amb.period_deg << " deg"
            << (amb.fold ? ", and alpha = c - alpha" : ", no mirror fold")
            << "; label-free rows after removing their offset)\n"
            << "| method | input | knows | within 2° | within 5° | within 10° | median | ms/image |\n"
            << "|---|---|---|---|---|---|---|---|\n";
  nlohmann::json jrows = nlohmann::json::array();
  for (const Row& r : rows) {
    char line[256];
    std::snprintf(line, sizeof line, "| %s | %s | %s | %.1f | %.1f | %.1f | %.3f° | %.2f |\n", r.method.c_str(),
                  r.input.c_str(), r.knows.c_str(), r.within2, r.within5, r.within10, r.acc.median_abs_deg,
                  r.ms_per_image);
    std::cout << line;
    nlohmann::json j = to_json(r.acc);
    j["method"] = r.method, j["input"] = r.input, j["knows"] = r.knows;
    j["within_5"] = r.within5, j["within_10"] = r.within10, j["ms_per_image"] = r.ms_per_image;
    jrows.push_back(j);
  }
  info["rows"] = jrows;
  if (!out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    SG_CHECK(!ec, "eval: cannot create output folder '", out, "': ", ec.message());
    write_file_atomic(in(out, "eval3d.json"), [&](std::ostream& os) { os << info.dump(2) << "\n"; });
    // The figures: the raw first images of the pairs the samples show (as the folder holds them).
    std::vector<float> shown, unused;
    split_pairs(images.data.data(), std::min<int64_t>(N, 8), S * S, shown, unused);
    for (const Row& r : rows)
      write_eval3d_figures(out, r.method, r.input, truth, r.acc.error_deg, amb.period_deg, shown.data(), S);
    std::cout << "wrote " << in(out, "eval3d.json") << " and the figures (error_vs_alpha_*, samples_*)\n";
  }
  return 0;
}

}  // namespace sg

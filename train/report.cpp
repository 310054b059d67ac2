#include "train/report.h"

#include <cmath>
#include <cstdio>
#include <numeric>

#include "data/projection_symmetry.h"
#include "data/shapes.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/batch.h"
#include "train/plots.h"
#include "train/predict_angles.h"
#include "train/trainer.h"

namespace sg {

namespace {
// Where the curriculum moves on: between the last epoch of a stage and the first of the
// next, labelled with the stage that starts and the share of the pairs it trains on.
std::vector<Guide> stage_boundaries(const nlohmann::json& history, const TrainConfig& config) {
  std::vector<Guide> g;
  for (size_t k = 1; k < history.size(); ++k) {
    const auto& a = history[k - 1];
    const auto& b = history[k];
    if (!a.contains("stage") || !b.contains("stage") || a["stage"] == b["stage"]) continue;
    const int64_t stage = b["stage"].get<int64_t>();
    const std::string share = std::to_string(int(std::lround(100 * b.value("fraction", 1.0)))) + " %";
    const bool final = stage > int64_t(config.stages.size());
    g.push_back({0.5 * (a["epoch"].get<double>() + b["epoch"].get<double>()), true,
                 (final ? std::string("final") : "stage " + std::to_string(stage)) + " (" + share + ")",
                 "stage-boundary"});
  }
  return g;
}

// Figure 3.3's landmarks: the reference image's angle, and per stage the score of the
// last pair it trains on (the stage trains on every pair below its line).
std::vector<Guide> curriculum_guides(const Dataset& train, const Ranking& r, const TrainConfig& config) {
  char b[80];
  std::snprintf(b, sizeof b, "reference, θ = %.1f°", train.angles[size_t(r.reference)]);
  std::vector<Guide> g{{train.angles[size_t(r.reference)], true, b, "reference", "#d62728"}};
  for (size_t k = 0; k < config.stages.size(); ++k) {
    const double f = config.stages[k];
    if (f >= 1) continue;  // every pair: no threshold
    const std::vector<int64_t> in = closest(r, f);
    g.push_back({r.score[size_t(in.back())], false,
                 "stage " + std::to_string(k + 1) + ": " + plain_decimal(100 * f, std::fabs(100 * f - std::round(100 * f)) < 1e-9 ? 0 : 1) + " %",
                 "threshold", "#2ca02c"});
  }
  return g;
}
}  // namespace

std::vector<float> predict_first_images(PairModel& model, const Dataset& ds, Device device, int rotations) {
  const std::vector<int64_t> shape = ds.image_shape();  // {N, 2, ...}: every pair's first image
  const Shape per_image = ds.params.projection ? Shape{1, shape[2]} : Shape{1, shape[2], shape[3]};
  const int64_t per = shape_numel(per_image);
  std::vector<float> first(size_t(ds.count() * per));
  for (int64_t i = 0; i < ds.count(); ++i) std::copy(ds.pair(i), ds.pair(i) + per, first.begin() + i * per);
  return predict_angles(model, first.data(), ds.count(), per_image, device, rotations);
}

Scored evaluate_run(PairModel& model, const TrainConfig& config, const std::string& out_dir,
                      const nlohmann::json& history, const Dataset* train, const Ranking* ranking) {
  return evaluate_on(model, config, evaluation_data(config, config.eval_pairs), out_dir, history,
                     train, ranking);
}

Scored evaluate_on(PairModel& model, const TrainConfig& config, const Dataset& test,
                     const std::string& out_dir, const nlohmann::json& history, const Dataset* train,
                     const Ranking* ranking) {
  Scored s = score_on(model, config, test);
  write_evaluation(s, config, test, out_dir, history, train, ranking);
  return s;
}

Scored score_on(PairModel& model, const TrainConfig& config, const Dataset& test) {
  SG_CHECK(test.has_angles() && test.count() > 0, "evaluate: the pairs have no true angles");
  const Device device = model.parameters().front().tensor.device();
  Scored s;
  s.predicted = predict_first_images(model, test, device, config.test_rotations);
  if (!test.params.projection) {
    s.accuracy = evaluate_angles(s.predicted, test.angles, test.order());
    return s;
  }
  const Ambiguity amb = projection_ambiguity(ParticleShape::make(test.params.shape, test.params.sides));
  s.accuracy = amb.fold ? evaluate_angles_folded(s.predicted, test.angles, amb)
                        : evaluate_angles(s.predicted, test.angles, test.order());
  const int64_t L = test.image_shape()[2], N = test.count();
  std::vector<float> a, b;
  split_pairs(test.images.data(), N, L, a, b);
  const std::vector<float> pair = model.predict_pair_deg(Tensor::from_vector(a, {N, 1, L}, device),
                                                         Tensor::from_vector(b, {N, 1, L}, device),
                                                         float(test.stereo_angle_deg()));
  s.pair = evaluate_angles(pair, test.angles, test.order());
  return s;
}

void write_evaluation(const Scored& s, const TrainConfig& config, const Dataset& test, const std::string& out_dir,
                      const nlohmann::json& history, const Dataset* train, const Ranking* ranking) {
  const std::vector<float>& pred = s.predicted;
  const Accuracy& acc = s.accuracy;
  nlohmann::json j = to_json(acc);
  if (s.pair) j["pair"] = to_json(*s.pair);
  j["stereo_angle_deg"] = config.data.stereo_angle_deg;
  j["config"] = to_json(config);
  write_file_atomic(out_dir + "/eval.json", [&](std::ostream& os) { os << j.dump(2) << "\n"; });

  const double P = 360.0 / test.order();
  Series pts{{}, {}, "θp (offset removed)"}, err{{}, {}, "θp − θt"};
  for (size_t i = 0; i < pred.size(); ++i) {
    double corrected = acc.mirrored ? acc.offset_deg - pred[i] : pred[i] - acc.offset_deg;
    corrected -= P * std::floor(corrected / P);
    pts.x.push_back(test.angles[i]);
    pts.y.push_back(corrected);
    err.x.push_back(test.angles[i]);
    err.y.push_back(acc.error_deg[i]);
  }
  write_svg_plot(out_dir + "/predicted_vs_true.svg",
                 {"Predicted against true orientation (figure 3.4)", "θt (°)", "θp mod " + std::to_string(int(P)) + "° (°)"},
                 {pts});
  PlotSpec es{"Prediction error against true orientation (figure 4.2)", "θt (°)", "θp − θt (°)"};
  es.clip_y = true, es.ymin = -10, es.ymax = 10;
  write_svg_plot(out_dir + "/error_vs_true.svg", es, {err});
  Series loss{{}, {}, "training loss", true};
  for (const auto& r : history) {
    loss.x.push_back(r.at("epoch").get<double>());
    loss.y.push_back(r.at("loss").get<double>());
  }
  PlotSpec ls{"Loss per epoch", "epoch", "mean loss"};
  ls.log_y = true;
  ls.integer_x = true;
  ls.guides = stage_boundaries(history, config);
  write_svg_plot(out_dir + "/loss.svg", ls, {loss});
  if (train && train->has_angles() && ranking && ranking->score.size() == size_t(train->count())) {
    Series ref{{}, {}, "score of each training pair"};
    for (int64_t i = 0; i < train->count(); ++i) {
      ref.x.push_back(train->angles[size_t(i)]);
      ref.y.push_back(ranking->score[size_t(i)]);
    }
    PlotSpec cs{"Curriculum: difference from the reference image (figure 3.3)", "θt (°)",
                config.curriculum == "angle_range" ? "angular distance (°)" : "std of pixel difference"};
    if (config.curriculum != "none") cs.guides = curriculum_guides(*train, *ranking, config);
    write_svg_plot(out_dir + "/curriculum.svg", cs, {ref});
  }
}

}  // namespace sg

#include "train/report.h"

#include <numeric>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/batch.h"
#include "train/plots.h"
#include "train/predict_angles.h"
#include "train/trainer.h"

namespace sg {

std::vector<float> predict_first_images(PairModel& model, const Dataset& ds, Device device, int rotations) {
  const std::vector<int64_t> shape = ds.image_shape();  // {N, 2, ...}: every pair's first image
  const Shape per_image = ds.params.projection ? Shape{1, shape[2]} : Shape{1, shape[2], shape[3]};
  const int64_t per = shape_numel(per_image);
  std::vector<float> first(size_t(ds.count() * per));
  for (int64_t i = 0; i < ds.count(); ++i) std::copy(ds.pair(i), ds.pair(i) + per, first.begin() + i * per);
  return predict_angles(model, first.data(), ds.count(), per_image, device, rotations);
}

Accuracy evaluate_run(PairModel& model, const TrainConfig& config, const std::string& out_dir,
                      const nlohmann::json& history, const Dataset* train, const Ranking* ranking) {
  return evaluate_on(model, config, evaluation_data(config, config.eval_pairs), out_dir, history,
                     train, ranking);
}

Accuracy evaluate_on(PairModel& model, const TrainConfig& config, const Dataset& test,
                     const std::string& out_dir, const nlohmann::json& history, const Dataset* train,
                     const Ranking* ranking) {
  SG_CHECK(test.has_angles() && test.count() > 0, "evaluate: the pairs have no true angles");
  const Device device = model.parameters().front().tensor.device();
  std::vector<float> pred = predict_first_images(model, test, device, config.test_rotations);
  Accuracy acc = evaluate_angles(pred, test.angles, test.order());
  nlohmann::json j = to_json(acc);
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
  write_svg_plot(out_dir + "/loss.svg", ls, {loss});
  if (train && train->has_angles() && ranking && ranking->score.size() == size_t(train->count())) {
    Series ref{{}, {}, "score of each training pair"};
    for (int64_t i = 0; i < train->count(); ++i) {
      ref.x.push_back(train->angles[size_t(i)]);
      ref.y.push_back(ranking->score[size_t(i)]);
    }
    write_svg_plot(out_dir + "/curriculum.svg",
                   {"Curriculum: difference from the reference image (figure 3.3)", "θt (°)",
                    config.curriculum == "angle_range" ? "angular distance (°)" : "std of pixel difference"},
                   {ref});
  }
  return acc;
}

}  // namespace sg

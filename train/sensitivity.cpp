#include "train/sensitivity.h"

#include <numeric>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/ops.h"
#include "train/batch.h"
#include "train/trainer.h"

namespace sg {

const std::vector<double>& sensitivity_shifts_deg() {
  static const std::vector<double> shifts{0.5, 1, 2, 5, 10, 20, 45};
  return shifts;
}

Sensitivity angle_sensitivity(UNetModel& model, const TrainConfig& config, int64_t pairs) {
  SG_CHECK(pairs >= 1, "sensitivity: pairs must be positive, got ", pairs);
  const double delta_deg = config.data.stereo_angle_deg;
  const std::vector<double>& shifts_deg = sensitivity_shifts_deg();
  SG_CHECK(delta_deg + shifts_deg.back() < 180, "sensitivity: δ = ", delta_deg,
           "° leaves no room for δ + ", shifts_deg.back(), "° below 180°");
  const Device device = model.parameters().front().tensor.device();
  const Dataset test = evaluation_data(config, pairs);
  std::vector<Dataset> shifted;  // the same particles, second image at θ + δ + Δ
  std::vector<float> angles{float(delta_deg * M_PI / 180)};
  for (double s : shifts_deg) {
    TrainConfig c = config;
    c.data.stereo_angle_deg = delta_deg + s;
    shifted.push_back(evaluation_data(c, pairs));
    angles.push_back(float((delta_deg + s) * M_PI / 180));
  }
  angles.push_back(0.0f);

  Sensitivity out;
  out.pairs = pairs;
  out.shifts.resize(shifts_deg.size());
  std::vector<int64_t> idx(size_t(pairs), 0);
  std::iota(idx.begin(), idx.end(), 0);
  NoGradGuard no_grad;
  // Sums of per-batch means weighted by the batch size: means over all pairs.
  for (size_t b = 0; b < idx.size(); b += 100) {
    const size_t e = std::min(idx.size(), b + 100);
    const double w = double(e - b) / double(pairs);
    PairBatch pb = make_batch(test, idx, b, e, device);
    Context ctx;  // inference: dropout off
    std::vector<Tensor> img = model.reconstruct(pb.first, angles, ctx);
    out.image_mse += w * mse(img[0], pb.second).item();
    out.self_mse += w * mse(img.back(), pb.first).item();
    for (size_t k = 0; k < shifts_deg.size(); ++k) {
      PairBatch sb = make_batch(shifted[k], idx, b, e, device);
      out.shifts[k].shift_deg = shifts_deg[k];
      out.shifts[k].model_change += w * mse(img[k + 1], img[0]).item();
      out.shifts[k].true_change += w * mse(sb.second, pb.second).item();
    }
  }
  return out;
}

nlohmann::json to_json(const Sensitivity& s) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ShiftSensitivity& r : s.shifts)
    rows.push_back({{"shift_deg", r.shift_deg}, {"model_change_mse", r.model_change},
                    {"true_change_mse", r.true_change}, {"ratio", r.ratio()}});
  return {{"pairs", s.pairs}, {"image_mse", s.image_mse}, {"self_mse", s.self_mse},
          {"shifts", rows}};
}

}  // namespace sg

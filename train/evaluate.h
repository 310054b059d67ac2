// Accuracy of predicted orientations against the ground truth (report §4.1, table 4.4).
//
// A self-supervised model learns θ only up to an arbitrary offset (and possibly a
// mirror, θp = c − θt), because only differences were ever trained. Both are removed
// with the predictions themselves: on the circle of one period P = 360°/n, the circular
// mean of θp − θt (or of θp + θt for a mirror) is the offset; the hypothesis whose
// differences are more concentrated (larger mean resultant length) wins. The error of
// each prediction is then wrapped into [−P/2, P/2).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sg {

struct Accuracy {
  int64_t count = 0;
  double offset_deg = 0;        // removed offset c
  bool mirrored = false;        // the model learnt θp = c − θt
  double within[4] = {0, 0, 0, 0};  // % of |error| ≤ 0.5°, 1°, 2°, 3°
  double mean_deg = 0, std_deg = 0;  // of the error
  double spread = 0;            // circular spread of the predictions themselves (0: constant)
  bool collapsed = false;       // near-constant predictions: a failed run
  std::vector<double> error_deg;  // per prediction
};

Accuracy evaluate_angles(const std::vector<float>& predicted_deg, const std::vector<float>& true_deg,
                         int order);
nlohmann::json to_json(const Accuracy& a);
// One row of the report's table: "  10°  75.44  97.05 100.00 100.00   0.038  0.441".
std::string table_header();
std::string table_row(const std::string& label, const Accuracy& a);

}  // namespace sg

// Accuracy of predicted orientations against the ground truth (report §4.1, table 4.4).
//
// A self-supervised model learns θ only up to an arbitrary offset (and possibly a
// mirror, θp = c − θt), because only differences were ever trained. Both are removed
// with the predictions themselves: on the circle of one period P = 360°/n, the circular
// mean of θp − θt (or of θp + θt for a mirror) is the offset; the hypothesis whose
// differences are more concentrated (larger mean resultant length) wins. The error of
// each prediction is then wrapped into [−P/2, P/2).
//
// evaluate_angles_folded scores modulo a projection ambiguity (data/projection_symmetry.h):
// the error of a prediction is its distance to the nearest member of the true angle's
// identical set {θt + kP} ∪ {c − θt + kP}. There the circular mean no longer finds the
// offset (each prediction sits near one of two values that move apart as θt changes), so
// the alignment is the exact minimiser over offsets o of the truncated least squares
//   Σ_i min(e_i(o)², w²),  w = 2°:
// the most predictions within 2°, and their RMS, in one cost (maximising the count first
// would let one chance outlier at the window's edge pull the offset by up to 2° − 4σ).
// Each prediction's error is linear in o between O(1) breakpoints, so a sweep over the
// sorted breakpoints minimises a quadratic per interval: exact, O(N log N). With a fold
// the mirror hypothesis θp = o − g is the direct one at offset o − c (the fold is the
// mirror), so only the direct one is searched and `mirrored` stays false; without one
// both are.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/projection_symmetry.h"

namespace sg {

struct Accuracy {
  int64_t count = 0;
  double offset_deg = 0;        // removed offset c
  bool mirrored = false;        // the model learnt θp = c − θt
  double within[4] = {0, 0, 0, 0};  // % of |error| ≤ 0.5°, 1°, 2°, 3°
  double mean_deg = 0, std_deg = 0;  // of the error
  double median_abs_deg = 0;     // median of |error|
  double spread = 0;            // circular spread of the predictions themselves (0: constant)
  bool collapsed = false;       // near-constant predictions: a failed run
  std::vector<double> error_deg;  // per prediction
};

Accuracy evaluate_angles(const std::vector<float>& predicted_deg, const std::vector<float>& true_deg,
                         int order);
// The circular spread of angles on the circle of one period, in degrees:
// sqrt(−2 ln R)·P/2π with R the length of their mean phasor (0: all equal).
double circular_spread_deg(const std::vector<float>& deg, double period);
// Predictions whose spread is below this fraction of the period are near-constant: a
// collapsed model (Accuracy::collapsed; predict warns).
constexpr double kCollapsedSpread = 0.05;
// Accuracy modulo `ambiguity` (c in the true frame); error_deg holds ambiguity_error of
// each aligned prediction. align = false scores the predictions as given, in the true
// frame (offset 0, no mirror: a supervised model, or predictions aligned already).
// Any member of a prediction's identical set scores alike: exactly without alignment
// (so canonical_angle of true-frame predictions changes nothing); with it, the model's
// frame folds at c + 2·offset, so a member there has the same error at the fitted
// offset, but the fit itself moves by O(σ/√N) (a folded prediction's noise enters the
// offset's estimate with the opposite sign), exactly 0 for noise-free predictions.
Accuracy evaluate_angles_folded(const std::vector<float>& predicted_deg,
                                const std::vector<float>& true_deg, const Ambiguity& ambiguity,
                                bool align = true);
nlohmann::json to_json(const Accuracy& a);
// One row of the report's table: "  10°  75.44  97.05 100.00 100.00   0.038  0.441".
std::string table_header();
std::string table_row(const std::string& label, const Accuracy& a);

}  // namespace sg

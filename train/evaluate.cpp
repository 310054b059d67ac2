#include "train/evaluate.h"

#include <cmath>
#include <complex>
#include <cstdio>

#include "engine/error.h"

namespace sg {

namespace {
// Mean of unit phasors e^{2πi·x/P}: its argument is the circular mean, its length the
// concentration (1: all equal, ~0: uniform).
std::complex<double> mean_phasor(const std::vector<double>& x, double period) {
  std::complex<double> s = 0;
  for (double v : x) s += std::polar(1.0, 2 * M_PI * v / period);
  return x.empty() ? s : s / double(x.size());
}

double wrap_sym(double x, double period) { return x - period * std::floor(x / period + 0.5); }
}  // namespace

Accuracy evaluate_angles(const std::vector<float>& predicted_deg, const std::vector<float>& true_deg,
                         int order) {
  SG_CHECK(predicted_deg.size() == true_deg.size() && !true_deg.empty(),
           "evaluate: need as many predictions as true angles (got ", predicted_deg.size(), " and ",
           true_deg.size(), ")");
  SG_CHECK(order >= 1, "evaluate: rotational order must be >= 1");
  const double P = 360.0 / order;
  std::vector<double> diff, sum, pred;
  for (size_t i = 0; i < true_deg.size(); ++i) {
    diff.push_back(double(predicted_deg[i]) - true_deg[i]);
    sum.push_back(double(predicted_deg[i]) + true_deg[i]);
    pred.push_back(predicted_deg[i]);
  }
  const auto md = mean_phasor(diff, P), ms = mean_phasor(sum, P);
  Accuracy a;
  a.count = int64_t(true_deg.size());
  a.mirrored = std::abs(ms) > std::abs(md);
  const auto& m = a.mirrored ? ms : md;
  a.offset_deg = std::arg(m) * P / (2 * M_PI);
  // Circular spread of the predictions, in degrees of the period: sqrt(-2 ln R)·P/2π.
  const double R = std::max(1e-12, std::abs(mean_phasor(pred, P)));
  a.spread = std::sqrt(-2 * std::log(std::min(1.0, R))) * P / (2 * M_PI);
  a.collapsed = a.spread < 0.05 * P;
  double s = 0, s2 = 0;
  const double limits[4] = {0.5, 1, 2, 3};
  for (size_t i = 0; i < true_deg.size(); ++i) {
    // θp − c ≈ θt, or, mirrored, c − θp ≈ θt.
    double e = a.mirrored ? wrap_sym(a.offset_deg - pred[i] - true_deg[i], P)
                          : wrap_sym(pred[i] - a.offset_deg - true_deg[i], P);
    a.error_deg.push_back(e);
    s += e;
    s2 += e * e;
    for (int k = 0; k < 4; ++k) a.within[k] += std::fabs(e) <= limits[k];
  }
  const double n = double(a.count);
  for (double& w : a.within) w = 100.0 * w / n;
  a.mean_deg = s / n;
  a.std_deg = std::sqrt(std::max(0.0, s2 / n - a.mean_deg * a.mean_deg));
  return a;
}

nlohmann::json to_json(const Accuracy& a) {
  return {{"count", a.count},          {"offset_deg", a.offset_deg},
          {"mirrored", a.mirrored},    {"within_0_5", a.within[0]},
          {"within_1", a.within[1]},   {"within_2", a.within[2]},
          {"within_3", a.within[3]},   {"mean_deg", a.mean_deg},
          {"std_deg", a.std_deg},      {"prediction_spread_deg", a.spread},
          {"collapsed", a.collapsed}};
}

std::string table_header() {
  return "               % of |θp − θt| within        θp − θt (°)\n"
         "           0.5°     1°     2°     3°     mean    std\n";
}

std::string table_row(const std::string& label, const Accuracy& a) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-8s %6.2f %6.2f %6.2f %6.2f  %7.3f %6.3f%s\n", label.c_str(),
                a.within[0], a.within[1], a.within[2], a.within[3], a.mean_deg, a.std_deg,
                a.collapsed ? "  (collapsed)" : "");
  return buf;
}

}  // namespace sg

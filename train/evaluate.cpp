#include "train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>

#include "data/angles.h"
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

}  // namespace

double circular_spread_deg(const std::vector<float>& deg, double period) {
  const double R = std::max(1e-12, std::abs(mean_phasor(std::vector<double>(deg.begin(), deg.end()), period)));
  return std::sqrt(-2 * std::log(std::min(1.0, R))) * period / (2 * M_PI);
}

namespace {
void check_inputs(const std::vector<float>& predicted_deg, const std::vector<float>& true_deg) {
  SG_CHECK(predicted_deg.size() == true_deg.size() && !true_deg.empty(),
           "evaluate: need as many predictions as true angles (got ", predicted_deg.size(), " and ",
           true_deg.size(), ")");
}

// Fills the statistics of a from a.error_deg, and the spread of the predictions on the
// circle of one period.
void summarise(Accuracy& a, const std::vector<float>& predicted_deg, double P) {
  a.count = int64_t(predicted_deg.size());
  a.spread = circular_spread_deg(predicted_deg, P);
  a.collapsed = a.spread < kCollapsedSpread * P;
  double s = 0, s2 = 0;
  const double limits[4] = {0.5, 1, 2, 3};
  for (double e : a.error_deg) {
    s += e;
    s2 += e * e;
    for (int k = 0; k < 4; ++k) a.within[k] += std::fabs(e) <= limits[k];
  }
  const double n = double(a.count);
  for (double& w : a.within) w = 100.0 * w / n;
  a.mean_deg = s / n;
  a.std_deg = std::sqrt(std::max(0.0, s2 / n - a.mean_deg * a.mean_deg));
  std::vector<double> mag;
  for (double e : a.error_deg) mag.push_back(std::fabs(e));
  const size_t mid = mag.size() / 2;
  std::nth_element(mag.begin(), mag.begin() + long(mid), mag.end());
  a.median_abs_deg = mag[mid];
  if (mag.size() % 2 == 0)  // the mean of the two middle values
    a.median_abs_deg = 0.5 * (mag[mid] + *std::max_element(mag.begin(), mag.begin() + long(mid)));
}
}  // namespace

Accuracy evaluate_angles(const std::vector<float>& predicted_deg, const std::vector<float>& true_deg,
                         int order) {
  check_inputs(predicted_deg, true_deg);
  SG_CHECK(order >= 1, "evaluate: rotational order must be >= 1");
  const double P = 360.0 / order;
  std::vector<double> diff, sum;
  for (size_t i = 0; i < true_deg.size(); ++i) {
    diff.push_back(double(predicted_deg[i]) - true_deg[i]);
    sum.push_back(double(predicted_deg[i]) + true_deg[i]);
  }
  const auto md = mean_phasor(diff, P), ms = mean_phasor(sum, P);
  Accuracy a;
  a.mirrored = std::abs(ms) > std::abs(md);
  const auto& m = a.mirrored ? ms : md;
  a.offset_deg = std::arg(m) * P / (2 * M_PI);
  for (size_t i = 0; i < true_deg.size(); ++i) {
    // θp − c ≈ θt, or, mirrored, c − θp ≈ θt.
    const double p = predicted_deg[i];
    a.error_deg.push_back(a.mirrored ? wrap_symmetric(a.offset_deg - p - true_deg[i], P)
                                     : wrap_symmetric(p - a.offset_deg - true_deg[i], P));
  }
  summarise(a, predicted_deg, P);
  return a;
}

namespace {
constexpr double kInlierDeg = 2.0;  // w: errors beyond it cost w² whatever their size

// On the arc [lo, hi] of offsets, one prediction's error is centre − o (direct) or
// o − centre (mirrored): its nearest member of the identical set is fixed there.
struct Piece {
  double lo, hi, centre;
};

// The pieces of one prediction within w of a centre, on [0, P): each centre (one, or two
// with a fold) owns its half of the circle nearest to it, cut to ±w around it.
void add_pieces(double a, double b, bool two, double P, std::vector<Piece>& out) {
  const double w = kInlierDeg;
  auto push = [&](double lo, double hi, double centre) {
    if (lo > hi) return;
    const double shift = P * std::floor(lo / P);  // lo into [0, P)
    lo -= shift, hi -= shift, centre -= shift;
    if (hi <= P) {
      out.push_back({lo, hi, centre});
    } else {  // crosses P: the rest starts again at 0, one period down
      out.push_back({lo, P, centre});
      out.push_back({0, hi - P, centre - P});
    }
  };
  if (!two) {
    const double h = std::min(w, 0.5 * P);  // beyond P/2 another copy of a is nearer
    push(a - h, a + h, a);
    return;
  }
  const double d = wrap_symmetric(b - a, P);  // b's copy nearest to a
  const double lower = d < 0 ? a + d : a, upper = lower + std::abs(d);
  const double mid = lower + 0.5 * std::abs(d);  // the cells meet here and at mid ± P/2
  push(std::max(lower - w, mid - 0.5 * P), std::min(lower + w, mid), lower);
  push(std::max(upper - w, mid), std::min(upper + w, mid + 0.5 * P), upper);
}

struct Alignment {
  bool mirrored = false;
  double offset = 0;
  double cost = 1e300;  // Σ min(e², w²)
};

// The exact minimum over offsets o in [0, P) of Σ_i min(e_i(o)², w²), e_i the error to the
// nearest member. Sweeping the pieces' ends, the inliers and their centres are fixed
// between two ends, the cost there is S2 − 2·o·S1 + n·o² + (N − n)·w², and its minimum
// is at o = S1/n clamped to the interval. O(N log N).
Alignment best_alignment(const std::vector<float>& pred, const std::vector<float>& truth,
                         const Ambiguity& amb, bool mirrored) {
  const double P = amb.period_deg, w2 = kInlierDeg * kInlierDeg, N = double(truth.size());
  std::vector<Piece> pieces;
  for (size_t i = 0; i < truth.size(); ++i) {
    // Direct: e = p − o − t or p − o − (c − t); mirrored: e = o − p − t or o − p − (c − t).
    const double p = pred[i], t = truth[i], c = amb.fold_deg;
    const double a = mirrored ? p + t : p - t, b = mirrored ? p + c - t : p - c + t;
    add_pieces(a, b, amb.fold, P, pieces);
  }
  struct Event {
    double at, centre;
    int sign;  // +1: the piece starts, −1: it ends
  };
  std::vector<Event> events;
  for (const Piece& q : pieces) events.push_back({q.lo, q.centre, +1}), events.push_back({q.hi, q.centre, -1});
  std::sort(events.begin(), events.end(), [](const Event& x, const Event& y) { return x.at < y.at; });
  Alignment best{mirrored, 0.5 * P, N * w2};  // no inlier anywhere
  double n = 0, S1 = 0, S2 = 0;
  for (size_t k = 0; k < events.size(); ++k) {
    const Event& e = events[k];
    n += e.sign, S1 += e.sign * e.centre, S2 += e.sign * e.centre * e.centre;
    const double lo = e.at, hi = k + 1 < events.size() ? events[k + 1].at : P;
    if (hi <= lo || n < 0.5) continue;
    const double o = std::clamp(S1 / n, lo, hi);
    const double cost = S2 - 2 * o * S1 + n * o * o + (N - n) * w2;
    if (cost < best.cost) best = {mirrored, o, cost};
  }
  return best;
}
}  // namespace

Accuracy evaluate_angles_folded(const std::vector<float>& predicted_deg,
                                const std::vector<float>& true_deg, const Ambiguity& ambiguity,
                                bool align) {
  check_inputs(predicted_deg, true_deg);
  const double P = ambiguity.period_deg;
  SG_CHECK(P > 0 && P <= 360, "evaluate: ambiguity period must be in (0, 360], got ", P);
  // With a fold, mirrored at offset o is direct at o − c: one hypothesis suffices.
  Alignment best{false, 0.0, 0.0};
  if (align) best = best_alignment(predicted_deg, true_deg, ambiguity, false);
  if (align && !ambiguity.fold) {
    const Alignment m = best_alignment(predicted_deg, true_deg, ambiguity, true);
    if (m.cost < best.cost) best = m;
  }
  Accuracy a;
  a.mirrored = best.mirrored;
  a.offset_deg = wrap_symmetric(best.offset, P);
  for (size_t i = 0; i < true_deg.size(); ++i) {
    const double p = predicted_deg[i];
    a.error_deg.push_back(ambiguity_error(a.mirrored ? best.offset - p : p - best.offset,
                                          true_deg[i], ambiguity));
  }
  summarise(a, predicted_deg, P);
  return a;
}

nlohmann::json to_json(const Accuracy& a) {
  return {{"count", a.count},          {"offset_deg", a.offset_deg},
          {"mirrored", a.mirrored},    {"within_0_5", a.within[0]},
          {"within_1", a.within[1]},   {"within_2", a.within[2]},
          {"within_3", a.within[3]},   {"mean_deg", a.mean_deg},
          {"std_deg", a.std_deg},      {"median_abs_deg", a.median_abs_deg},
          {"prediction_spread_deg", a.spread},
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

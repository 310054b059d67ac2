#include "train/predict_checks.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "data/angles.h"
#include "data/shapes.h"
#include "train/evaluate.h"

namespace sg {

namespace {
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

std::string range_text(double lo, double hi, const char* unit) {
  return num(lo) + "–" + num(hi) + unit;
}

// The images whose stat `of` lies outside [lo, hi], with their own range, as one warning;
// a stat of the particle is skipped where none was found.
void outside(const std::vector<ImageStats>& stats, const char* what, const char* unit, double lo, double hi,
             const Range& trained, bool of_particle, const std::function<double(const ImageStats&)>& of,
             std::vector<std::string>& out) {
  std::vector<int64_t> idx;
  double mn = INFINITY, mx = -INFINITY;
  for (size_t i = 0; i < stats.size(); ++i) {
    if (of_particle && !stats[i].particle) continue;
    const double v = of(stats[i]);
    if (v >= lo && v <= hi) continue;
    idx.push_back(int64_t(i));
    mn = std::min(mn, v), mx = std::max(mx, v);
  }
  if (idx.empty()) return;
  out.push_back(std::string(what) + " outside what the checkpoint was trained on in " + image_list(idx) +
                " (theirs " + range_text(mn, mx, unit) + "; trained " + range_text(trained.lo, trained.hi, unit) +
                ")");
}
}  // namespace

std::string image_list(const std::vector<int64_t>& indices) {
  const size_t n = indices.size();
  if (n == 0) return "no image";
  std::string s = n == 1 ? "image " : "images ";
  const size_t shown = n <= 4 ? n : 3;
  for (size_t k = 0; k < shown; ++k) {
    if (k > 0) s += k + 1 == n ? " and " : ", ";
    s += std::to_string(indices[k]);
  }
  if (shown < n) s += " and " + std::to_string(n - shown) + " more";
  return s;
}

std::vector<std::string> input_warnings(const InputProfile& t, const std::vector<ImageStats>& stats) {
  std::vector<std::string> out;
  std::vector<int64_t> none, edge;
  for (size_t i = 0; i < stats.size(); ++i) {
    if (!stats[i].particle) none.push_back(int64_t(i));
    else if (stats[i].touches_border) edge.push_back(int64_t(i));
  }
  if (!none.empty()) out.push_back("no particle found in " + image_list(none));
  if (!edge.empty()) out.push_back("the particle touches the frame's edge in " + image_list(edge));
  const double f = kRangeFactor;
  outside(stats, "particle size (equivalent radius)", " px", t.radius_px.lo / f, t.radius_px.hi * f, t.radius_px, true,
          [](const ImageStats& s) { return s.radius_px; }, out);
  outside(stats, "particle intensity", "", t.intensity.lo / f, t.intensity.hi * f, t.intensity, true,
          [](const ImageStats& s) { return s.intensity; }, out);
  const double margin = kBackgroundFraction * t.intensity.lo;
  outside(stats, "background", "", t.background.lo - margin, t.background.hi + margin, t.background, false,
          [](const ImageStats& s) { return s.background; }, out);
  return out;
}

std::vector<std::string> checkpoint_warnings(const Checkpoint& c) {
  std::vector<std::string> out;
  const int64_t total = c.config.total_epochs();
  if (c.epochs_done < total)
    out.push_back("the checkpoint is unfinished: " + std::to_string(c.epochs_done) + " of " + std::to_string(total) +
                  " epochs trained (stereograd train --resume finishes it)");
  const nlohmann::json source = c.calibration.is_object() ? c.calibration.value("source", nlohmann::json()) : nullptr;
  if (source.is_object() && source.value("collapsed", false))
    out.push_back("eval found the checkpoint collapsed: its predictions are near-constant");
  const bool difference = c.config.is_difference();
  if (difference && c.config.mode == "stereo" && !c.history.empty() && c.history.back().contains("loss")) {
    const int n = ParticleShape::make(c.config.data.shape, c.config.data.sides).order();
    const double t = n * c.config.data.stereo_angle_deg * kPi / 180, constant = t * t;
    const double last = c.history.back()["loss"].get<double>();
    if (last >= 0.5 * constant)
      out.push_back("the training loss ended at " + num(last) + ", at least half of a constant prediction's (nδ)² = " +
                    num(constant) + ": the checkpoint learnt little (collapsed?)");
  }
  return out;
}

std::string spread_warning(const std::vector<float>& angles_deg, int order) {
  if (int64_t(angles_deg.size()) < kSpreadMinImages) return "";
  const double P = 360.0 / order, spread = circular_spread_deg(angles_deg, P);
  if (spread >= kCollapsedSpread * P) return "";
  return "the " + std::to_string(angles_deg.size()) + " predicted angles spread over only " + num(spread) +
         "° of the period " + num(P) + "°: the checkpoint may have collapsed (or every image has one orientation)";
}

}  // namespace sg

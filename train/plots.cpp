#include "train/plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "engine/io/atomic_file.h"

namespace sg {

namespace {
// "Nice" tick step for a range: 1, 2 or 5 times a power of ten, about 6 ticks.
double tick_step(double span) {
  double raw = span / 6, p = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string fmt(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", std::fabs(v) < 1e-12 ? 0.0 : v);
  return b;
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}
}  // namespace

void write_svg_plot(const std::string& path, const PlotSpec& spec, const std::vector<Series>& series) {
  const double W = 720, H = 480, L = 70, R = 20, T = 40, B = 55;
  auto ty = [&](double y) { return spec.log_y ? std::log10(std::max(y, 1e-30)) : y; };
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      if (spec.clip_y && (s.y[i] < spec.ymin || s.y[i] > spec.ymax)) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, ty(s.y[i])), y1 = std::max(y1, ty(s.y[i]));
    }
  if (spec.clip_y) y0 = ty(spec.ymin), y1 = ty(spec.ymax);
  if (!(x0 < x1)) x0 -= 1, x1 += 1;
  if (!(y0 < y1)) y0 -= 1, y1 += 1;
  auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
  auto py = [&](double y) { return H - B - (ty(y) - y0) / (y1 - y0) * (H - T - B); };
  std::ostringstream o;
  o << "<svg xmlns='http://www.w3.org/2000/svg' width='" << W << "' height='" << H
    << "' font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n";
  o << "<text x='" << W / 2 << "' y='22' text-anchor='middle' font-size='15'>" << escape(spec.title) << "</text>\n";
  o << "<rect x='" << L << "' y='" << T << "' width='" << W - L - R << "' height='" << H - T - B
    << "' fill='none' stroke='black'/>\n";
  for (double v = std::ceil(x0 / tick_step(x1 - x0)) * tick_step(x1 - x0); v <= x1 + 1e-9; v += tick_step(x1 - x0))
    o << "<line x1='" << px(v) << "' x2='" << px(v) << "' y1='" << H - B << "' y2='" << H - B + 5
      << "' stroke='black'/><text x='" << px(v) << "' y='" << H - B + 18 << "' text-anchor='middle'>"
      << fmt(v) << "</text>\n";
  const double ys = tick_step(y1 - y0);
  for (double v = std::ceil(y0 / ys) * ys; v <= y1 + 1e-9; v += ys) {
    double yy = H - B - (v - y0) / (y1 - y0) * (H - T - B);
    o << "<line x1='" << L - 5 << "' x2='" << L << "' y1='" << yy << "' y2='" << yy
      << "' stroke='black'/><text x='" << L - 8 << "' y='" << yy + 4 << "' text-anchor='end'>"
      << (spec.log_y ? "1e" + fmt(v) : fmt(v)) << "</text>\n";
  }
  o << "<text x='" << (L + W - R) / 2 << "' y='" << H - 12 << "' text-anchor='middle'>" << escape(spec.xlabel)
    << "</text>\n<text transform='translate(16," << (T + H - B) / 2 << ") rotate(-90)' text-anchor='middle'>"
    << escape(spec.ylabel) << "</text>\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    std::ostringstream pts;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      if (spec.clip_y && (s.y[i] < spec.ymin || s.y[i] > spec.ymax)) continue;
      if (s.line) pts << px(s.x[i]) << "," << py(s.y[i]) << " ";
      else o << "<circle cx='" << px(s.x[i]) << "' cy='" << py(s.y[i]) << "' r='1.6' fill='" << s.color << "'/>\n";
    }
    if (s.line) o << "<polyline fill='none' stroke='" << s.color << "' stroke-width='1.5' points='" << pts.str() << "'/>\n";
    o << "<rect x='" << W - R - 170 << "' y='" << T + 10 + 18 * double(k) << "' width='10' height='10' fill='"
      << s.color << "'/><text x='" << W - R - 155 << "' y='" << T + 19 + 18 * double(k) << "'>" << escape(s.label)
      << "</text>\n";
  }
  o << "</svg>\n";
  const std::string text = o.str();
  write_file_atomic(path, [&](std::ostream& os) { os << text; });
}

}  // namespace sg

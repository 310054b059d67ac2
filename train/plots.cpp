#include "train/plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "engine/io/atomic_file.h"

namespace sg {

namespace {
// Widths of text at font-size 12 in a sans-serif face, generously (margins are sized
// from these, so an estimate on the wide side keeps labels inside the picture).
constexpr double kCharW = 7.0, kPlotW = 600, kPlotH = 340;

double text_width(const std::string& s) {
  size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xC0) != 0x80;  // UTF-8: count code points
  return kCharW * double(chars);
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '\'') o += "&apos;";
    else o += c;
  }
  return o;
}

struct Tick {
  double at;          // in axis units (log10 of the value on a log axis)
  std::string label;  // "" for a minor tick
};

// "Nice" step for a range: 1, 2 or 5 times a power of ten, about 6 ticks.
double tick_step(double span) {
  const double raw = span / 6, p = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::vector<Tick> linear_ticks(double lo, double hi, bool integer) {
  double step = tick_step(hi - lo);
  if (integer) step = std::max(1.0, std::round(step));
  const int decimals = integer ? 0 : std::max(0, int(std::ceil(-std::log10(step) - 1e-9)));
  std::vector<Tick> t;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k += 1)
    t.push_back({k * step, plain_decimal(k * step, decimals)});
  return t;
}

// Decades labelled (every other one beyond 8), 2..9 times each as minor ticks.
std::vector<Tick> log_ticks(int lo_decade, int hi_decade) {
  const int every = hi_decade - lo_decade > 8 ? 2 : 1;
  std::vector<Tick> t;
  for (int d = lo_decade; d <= hi_decade; ++d) {
    t.push_back({double(d), (d - lo_decade) % every ? "" : plain_decimal(std::pow(10.0, d), std::max(0, -d))});
    for (int m = 2; m <= 9 && d < hi_decade; ++m) t.push_back({d + std::log10(double(m)), ""});
  }
  return t;
}
}  // namespace

std::string plain_decimal(double v, int decimals) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", std::clamp(decimals, 0, 12), std::fabs(v) < 1e-12 ? 0.0 : v);
  return b;
}

void write_svg_plot(const std::string& path, const PlotSpec& spec, const std::vector<Series>& series) {
  auto ty = [&](double y) { return spec.log_y ? std::log10(std::max(y, 1e-30)) : y; };
  auto shown = [&](double x, double y) {
    return std::isfinite(x) && std::isfinite(y) && (!spec.log_y || y > 0) &&
           (!spec.clip_y || (y >= spec.ymin && y <= spec.ymax));
  };
  // Data ranges, in axis units, with the guides inside; x spans the points left out of a
  // fixed y range too (the axis is the same whether they show or not).
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      if (shown(s.x[i], s.y[i])) y0 = std::min(y0, ty(s.y[i])), y1 = std::max(y1, ty(s.y[i]));
    }
  for (const Guide& g : spec.guides) {
    if (g.vertical) x0 = std::min(x0, g.at), x1 = std::max(x1, g.at);
    else if (!spec.log_y || g.at > 0) y0 = std::min(y0, ty(g.at)), y1 = std::max(y1, ty(g.at));
  }
  if (!(x0 <= x1)) x0 = 0, x1 = 1;
  if (!(y0 <= y1)) y0 = 0, y1 = 1;
  if (x0 == x1) x0 -= 1, x1 += 1;
  const double xpad = 0.02 * (x1 - x0);
  x0 -= xpad, x1 += xpad;
  std::vector<Tick> yt;
  if (spec.clip_y) {
    y0 = ty(spec.ymin), y1 = ty(spec.ymax);
    yt = linear_ticks(y0, y1, false);
  } else if (spec.log_y) {  // whole decades, so each end is labelled
    const int lo = int(std::floor(y0 + 1e-9)), hi = std::max(lo + 1, int(std::ceil(y1 - 1e-9)));
    y0 = lo, y1 = hi;
    yt = log_ticks(lo, hi);
  } else {
    if (y0 == y1) y0 -= 1, y1 += 1;
    const double ypad = 0.04 * (y1 - y0);
    y0 -= ypad, y1 += ypad;
    yt = linear_ticks(y0, y1, false);
  }
  const std::vector<Tick> xt = linear_ticks(x0, x1, spec.integer_x);

  // Layout: title, legend row, band for the vertical guides' labels, plot, x axis.
  double ytick_w = 0, hlabel_w = 0;
  for (const Tick& t : yt) ytick_w = std::max(ytick_w, text_width(t.label));
  std::vector<const Guide*> vg, hg;
  for (const Guide& g : spec.guides) {
    (g.vertical ? vg : hg).push_back(&g);
    if (!g.vertical) hlabel_w = std::max(hlabel_w, text_width(g.label));
  }
  const double L = 34 + ytick_w + 10, R = hg.empty() ? 24 : hlabel_w + 18, W = L + kPlotW + R;
  // Legend entries flow left to right from the plot's left edge, wrapping at its right.
  struct Entry {
    double x, y;
    const Series* s;
    std::string text;
  };
  std::vector<Entry> legend;
  double lx = L, ly = 0;
  for (const Series& s : series) {
    if (s.label.empty()) continue;
    int64_t hidden = 0;
    for (size_t i = 0; i < s.x.size(); ++i) hidden += std::isfinite(s.x[i]) && !shown(s.x[i], s.y[i]);
    const std::string text = s.label + (hidden ? " (" + std::to_string(hidden) + " outside the y range, not shown)" : "");
    const double w = 16 + text_width(text) + 20;
    if (lx > L && lx + w > L + kPlotW) lx = L, ly += 18;
    legend.push_back({lx, ly, &s, text});
    lx += w;
  }
  const double legend_h = legend.empty() ? 0 : ly + 22;
  auto pxx = [&](double x) { return L + (x - x0) / (x1 - x0) * kPlotW; };
  // Vertical guides' labels: horizontal beside their line when each fits before the next
  // line, otherwise turned to run up along it.
  std::vector<double> vx;
  double vlabel_w = 0;
  for (const Guide* g : vg) vx.push_back(pxx(g->at)), vlabel_w = std::max(vlabel_w, text_width(g->label));
  std::sort(vx.begin(), vx.end());
  bool turned = false;
  for (size_t k = 0; k < vx.size(); ++k)
    turned |= (k + 1 < vx.size() ? vx[k + 1] : L + kPlotW + R) - vx[k] < vlabel_w + 8;
  const double band = vg.empty() ? 0 : turned ? vlabel_w + 10 : 20;
  const double T = 34 + legend_h + band, H = T + kPlotH + 52;
  auto pyy = [&](double y) { return T + kPlotH - (ty(y) - y0) / (y1 - y0) * kPlotH; };
  auto pya = [&](double a) { return T + kPlotH - (a - y0) / (y1 - y0) * kPlotH; };  // axis units

  std::ostringstream o;
  o << "<?xml version='1.0' encoding='UTF-8'?>\n<svg xmlns='http://www.w3.org/2000/svg' width='" << W
    << "' height='" << H << "' viewBox='0 0 " << W << " " << H
    << "' font-family='DejaVu Sans, Helvetica, Arial, sans-serif' font-size='12'>\n"
    << "<rect width='100%' height='100%' fill='white'/>\n";
  o << "<text x='" << W / 2 << "' y='22' text-anchor='middle' font-size='15'>" << escape(spec.title) << "</text>\n";
  for (const Entry& e : legend) {
    const double y = 34 + e.y;
    o << "<g class='legend'>";
    if (e.s->line)
      o << "<line x1='" << e.x << "' x2='" << e.x + 12 << "' y1='" << y + 6 << "' y2='" << y + 6 << "' stroke='"
        << e.s->color << "' stroke-width='2'/>";
    else
      o << "<circle cx='" << e.x + 6 << "' cy='" << y + 6 << "' r='3' fill='" << e.s->color << "'/>";
    o << "<text x='" << e.x + 16 << "' y='" << y + 10 << "'>" << escape(e.text) << "</text></g>\n";
  }
  o << "<rect x='" << L << "' y='" << T << "' width='" << kPlotW << "' height='" << kPlotH
    << "' fill='none' stroke='black'/>\n";
  for (const Tick& t : xt)
    o << "<line x1='" << pxx(t.at) << "' x2='" << pxx(t.at) << "' y1='" << T + kPlotH << "' y2='" << T + kPlotH + 5
      << "' stroke='black'/><text class='tick-x' x='" << pxx(t.at) << "' y='" << T + kPlotH + 18
      << "' text-anchor='middle'>" << t.label << "</text>\n";
  for (const Tick& t : yt) {
    const double y = pya(t.at), len = t.label.empty() ? 3 : 5;
    o << "<line x1='" << L - len << "' x2='" << L << "' y1='" << y << "' y2='" << y << "' stroke='black'/>";
    if (!t.label.empty())
      o << "<text class='tick-y' x='" << L - 8 << "' y='" << y + 4 << "' text-anchor='end'>" << t.label << "</text>";
    o << "\n";
  }
  o << "<text x='" << L + kPlotW / 2 << "' y='" << H - 14 << "' text-anchor='middle'>" << escape(spec.xlabel)
    << "</text>\n<text transform='translate(16," << T + kPlotH / 2 << ") rotate(-90)' text-anchor='middle'>"
    << escape(spec.ylabel) << "</text>\n";

  // Guides under the data, labels outside the plot area.
  std::vector<std::pair<double, const Guide*>> hy;  // label positions, de-overlapped below
  for (const Guide& g : spec.guides) {
    if (!g.vertical && spec.log_y && !(g.at > 0)) continue;
    const double a = g.vertical ? pxx(g.at) : pyy(g.at);
    o << "<line class='" << g.kind << "' x1='" << (g.vertical ? a : L) << "' x2='" << (g.vertical ? a : L + kPlotW)
      << "' y1='" << (g.vertical ? T : a) << "' y2='" << (g.vertical ? T + kPlotH : a) << "' stroke='" << g.color
      << "' stroke-width='1' stroke-dasharray='5,3'/>\n";
    if (g.vertical && turned)
      o << "<text transform='translate(" << a + 4 << "," << T - 4 << ") rotate(-90)' fill='" << g.color << "'>"
        << escape(g.label) << "</text>\n";
    else if (g.vertical)
      o << "<text x='" << a + 3 << "' y='" << T - 6 << "' fill='" << g.color << "'>" << escape(g.label) << "</text>\n";
    else
      hy.push_back({a, &g});
  }
  std::sort(hy.begin(), hy.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t k = 1; k < hy.size(); ++k) hy[k].first = std::max(hy[k].first, hy[k - 1].first + 13);
  for (size_t k = hy.size(); k-- > 0;)  // the lowest label stays above the x axis
    hy[k].first = std::min(hy[k].first, k + 1 < hy.size() ? hy[k + 1].first - 13 : T + kPlotH);
  for (const auto& [y, g] : hy)
    o << "<text x='" << L + kPlotW + 6 << "' y='" << y + 4 << "' fill='" << g->color << "'>" << escape(g->label)
      << "</text>\n";

  for (const Series& s : series) {
    std::ostringstream pts;
    o << "<g class='series'>";
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!shown(s.x[i], s.y[i])) continue;
      if (s.line) pts << pxx(s.x[i]) << "," << pyy(s.y[i]) << " ";
      else o << "<circle cx='" << pxx(s.x[i]) << "' cy='" << pyy(s.y[i]) << "' r='1.6' fill='" << s.color << "'/>\n";
    }
    if (s.line) o << "<polyline fill='none' stroke='" << s.color << "' stroke-width='1.5' points='" << pts.str() << "'/>";
    o << "</g>\n";
  }
  o << "</svg>\n";
  const std::string text = o.str();
  write_file_atomic(path, [&](std::ostream& os) { os << text; });
}

}  // namespace sg

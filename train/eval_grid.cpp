#include "train/eval_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "data/pairs.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/eval_moments.h"
#include "train/report.h"
#include "train/trainer.h"

namespace sg {

std::vector<GridCell> evaluate_grid(PairModel* model, const TrainConfig& config, const GridOptions& o,
                                    Device device) {
  SG_CHECK(o.bands.size() >= 2, "eval --grid: needs at least two band edges");
  for (size_t i = 0; i < o.bands.size(); ++i)
    SG_CHECK(o.bands[i] > 0 && o.bands[i] <= 0.45 && (i == 0 || o.bands[i] > o.bands[i - 1]),
             "eval --grid: band edges must increase within (0, 0.45] of the frame, got ", o.bands[i]);
  for (int s : o.supersample) SG_CHECK(s >= 1 && s <= 32, "eval --grid: supersample must be in [1, 32], got ", s);
  for (double d : o.dose) SG_CHECK(std::isfinite(d) && d >= 0, "eval --grid: dose must be >= 0, got ", d);
  SG_CHECK(o.pairs >= 10 && o.pairs <= 1000000, "eval --grid: pairs per cell must be in [10, 10^6], got ", o.pairs);
  std::vector<GridCell> cells;
  for (size_t b = 0; b + 1 < o.bands.size(); ++b)
    for (int ss : o.supersample)
      for (double dose : o.dose) {
        GridCell cell;
        cell.radius_min = o.bands[b];
        cell.radius_max = o.bands[b + 1];
        cell.supersample = ss;
        cell.dose = dose;
        TrainConfig c = config;
        c.data.radius_min = cell.radius_min;
        c.data.radius_max = cell.radius_max;
        c.data.supersample = ss;
        c.data.dose = dose;
        // A cell is one rendering: the training variety (data/pairs.h) is switched off.
        c.data.supersample_max = 0;
        c.data.dose_max = 0;
        c.data.shot_fraction = 1;
        c.data.blur_max = 0;
        c.data.intensity_min = c.data.intensity_max = 1;
        const Dataset ds = evaluation_data(c, o.pairs);  // never the training pairs' indices
        // The closed form reads the same pairs as the report's preprocessing leaves them,
        // not resampled by the model's size normalisation.
        TrainConfig plain = c;
        plain.data.normalise_size = 0;
        const Dataset raw = c.data.normalise_size > 0 ? evaluation_data(plain, o.pairs) : Dataset{};
        const Dataset& mds = c.data.normalise_size > 0 ? raw : ds;
        if (model) {
          cell.model = evaluate_angles(predict_first_images(*model, ds, device, config.test_rotations), ds.angles, ds.order());
          cell.has_model = true;
        }
        if (moments_not_applicable(mds).empty()) {
          std::ostringstream quiet;  // per-image warnings are summarised as a count
          const MomentEvaluation me = evaluate_moments(mds, quiet, "");
          cell.moments = me.accuracy;
          cell.flagged = me.flagged;
          cell.has_moments = true;
        }
        cells.push_back(cell);
      }
  return cells;
}

namespace {
std::string band_label(const GridCell& c, int64_t size) {
  char s[96];
  std::snprintf(s, sizeof s, "%.2f–%.2f (%.0f–%.0f px)", c.radius_min, c.radius_max, c.radius_min * double(size),
                c.radius_max * double(size));
  return s;
}
std::string render_label(const GridCell& c) {
  std::string r = c.supersample == 1 ? "binary" : "supersample " + std::to_string(c.supersample);
  if (c.dose > 0) {
    char s[32];
    std::snprintf(s, sizeof s, ", dose %g", c.dose);
    r += s;
  }
  return r;
}
std::string cell_text(const Accuracy& a) {
  char s[64];
  std::snprintf(s, sizeof s, "%.1f %% / %.2f°", a.within[2], a.std_deg);
  return s;
}
}  // namespace

std::string grid_markdown(const std::vector<GridCell>& cells, int64_t size) {
  std::ostringstream os;
  os << "| circumradius (fraction, px) | rendering | model: ≤ 2° / σ | closed form: ≤ 2° / σ | flagged |\n"
     << "|---|---|---|---|---|\n";
  for (const GridCell& c : cells)
    os << "| " << band_label(c, size) << " | " << render_label(c) << " | "
       << (c.has_model ? cell_text(c.model) : "—") << " | " << (c.has_moments ? cell_text(c.moments) : "—")
       << " | " << c.flagged << " |\n";
  return os.str();
}

void write_grid(const std::vector<GridCell>& cells, const TrainConfig& config, const std::string& dir) {
  const int64_t size = config.data.size;
  const std::string md = grid_markdown(cells, size);
  write_file_atomic(dir + "/grid.md", [&](std::ostream& os) { os << md; });
  nlohmann::json j = nlohmann::json::array();
  for (const GridCell& c : cells) {
    nlohmann::json e{{"radius_min", c.radius_min}, {"radius_max", c.radius_max}, {"supersample", c.supersample},
                     {"dose", c.dose}, {"flagged", c.flagged}};
    if (c.has_model) e["model"] = to_json(c.model);
    if (c.has_moments) e["moments"] = to_json(c.moments);
    j.push_back(e);
  }
  const std::string text = nlohmann::json{{"config", config.name}, {"cells", j}}.dump(2) + "\n";
  write_file_atomic(dir + "/grid.json", [&](std::ostream& os) { os << text; });

  // Heat map: one row per band, one column per rendering, model and closed form side by
  // side; colour from red (0 % within 2°) to green (100 %).
  std::vector<std::string> bands, renders;
  for (const GridCell& c : cells) {
    if (std::find(bands.begin(), bands.end(), band_label(c, size)) == bands.end()) bands.push_back(band_label(c, size));
    if (std::find(renders.begin(), renders.end(), render_label(c)) == renders.end()) renders.push_back(render_label(c));
  }
  const int cw = 92, ch = 34, left = 170, top = 70, methods = 2;
  const int width = left + int(renders.size()) * methods * cw + 20, height = top + int(bands.size()) * ch + 40;
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << left << "\" y=\"18\" font-size=\"13\">% within 2° (σ): model | closed form, "
    << config.name << "</text>\n";
  for (size_t r = 0; r < renders.size(); ++r) {
    const int x = left + int(r) * methods * cw;
    s << "<text x=\"" << x + cw << "\" y=\"40\" text-anchor=\"middle\">" << renders[r] << "</text>\n"
      << "<text x=\"" << x + cw / 2 << "\" y=\"58\" text-anchor=\"middle\">model</text>\n"
      << "<text x=\"" << x + cw + cw / 2 << "\" y=\"58\" text-anchor=\"middle\">closed form</text>\n";
  }
  for (size_t b = 0; b < bands.size(); ++b)
    s << "<text x=\"" << left - 6 << "\" y=\"" << top + int(b) * ch + ch / 2 + 4 << "\" text-anchor=\"end\">"
      << bands[b] << "</text>\n";
  for (const GridCell& c : cells) {
    const size_t b = size_t(std::find(bands.begin(), bands.end(), band_label(c, size)) - bands.begin());
    const size_t r = size_t(std::find(renders.begin(), renders.end(), render_label(c)) - renders.begin());
    for (int m = 0; m < methods; ++m) {
      const bool has = m == 0 ? c.has_model : c.has_moments;
      const Accuracy& a = m == 0 ? c.model : c.moments;
      const int x = left + int(r) * methods * cw + m * cw, y = top + int(b) * ch;
      const double f = has ? std::clamp(a.within[2] / 100.0, 0.0, 1.0) : 0;
      char fill[16];
      std::snprintf(fill, sizeof fill, "#%02x%02x60", int(230 * (1 - f)), int(60 + 160 * f));
      s << "<rect x=\"" << x << "\" y=\"" << y << "\" width=\"" << cw - 2 << "\" height=\"" << ch - 2
        << "\" fill=\"" << (has ? fill : "#dddddd") << "\"/>\n";
      char t[48];
      std::snprintf(t, sizeof t, has ? "%.1f (%.2f°)" : "n/a", a.within[2], a.std_deg);
      s << "<text x=\"" << x + cw / 2 << "\" y=\"" << y + ch / 2 + 4 << "\" text-anchor=\"middle\">" << t << "</text>\n";
    }
  }
  s << "</svg>\n";
  const std::string svg = s.str();
  write_file_atomic(dir + "/grid.svg", [&](std::ostream& os) { os << svg; });
}

}  // namespace sg

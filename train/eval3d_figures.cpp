#include "train/eval3d_figures.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "data/image_io.h"
#include "engine/error.h"
#include "train/plots.h"

namespace sg {

namespace {
constexpr double kErrorRange = 10;  // degrees either side of 0 on the error plot
constexpr int64_t kColumns = 4, kGap = 4;
}  // namespace

PlotFrame error_plot_frame(double period_deg) {
  PlotFrame f;
  f.x0 = 0, f.x1 = period_deg, f.y0 = -kErrorRange, f.y1 = kErrorRange;
  return f;
}

Image orientation_samples(const float* images, int64_t n, int64_t S, const std::vector<float>& truth_deg,
                          const std::vector<double>& error_deg, double period_deg, int64_t count) {
  SG_CHECK(n >= 1 && S >= 4 && count >= 1, "orientation_samples: no images to show");
  SG_CHECK(int64_t(truth_deg.size()) >= n && int64_t(error_deg.size()) >= n,
           "orientation_samples: fewer angles than images");
  const int64_t shown = std::min(n, count), cols = std::min(kColumns, shown), rows = (shown + cols - 1) / cols;
  const int64_t cell_w = 2 * S + 1;
  Image grid(rows * S + (rows + 1) * kGap, cols * cell_w + (cols + 1) * kGap);
  std::fill(grid.px.begin(), grid.px.end(), 0.3f);
  float top = 0;
  for (int64_t k = 0; k < shown * S * S; ++k) top = std::max(top, images[k]);
  if (!(top > 0)) top = 1;
  for (int64_t p = 0; p < shown; ++p) {
    const int64_t y0 = kGap + (p / cols) * (S + kGap), x0 = kGap + (p % cols) * (cell_w + kGap);
    for (int64_t i = 0; i < S; ++i)
      for (int64_t j = 0; j < S; ++j) grid.at(y0 + i, x0 + j) = images[p * S * S + i * S + j] / top;
    for (int64_t i = 0; i < S; ++i)
      for (int64_t j = 0; j < S; ++j) grid.at(y0 + i, x0 + S + 1 + j) = 0;
    const double t = truth_deg[size_t(p)];
    draw_dial(grid, y0, x0 + S + 1, S, t / period_deg, (t + error_deg[size_t(p)]) / period_deg);
  }
  return grid;
}

void write_eval3d_figures(const std::string& dir, const std::string& method, const std::string& input,
                          const std::vector<float>& truth_deg, const std::vector<double>& error_deg,
                          double period_deg, const float* first_images, int64_t S) {
  const std::string stem = method + "_" + input;
  const auto path = [&](const std::string& name) { return (std::filesystem::path(dir) / name).string(); };
  std::vector<double> x;  // the true alpha on one period (alpha is in [0, 360))
  for (size_t i = 0; i < error_deg.size(); ++i) x.push_back(std::fmod(double(truth_deg[i]), period_deg));
  write_png(path("error_vs_alpha_" + stem + ".png"),
            scatter_picture(error_plot_frame(period_deg), x, error_deg, {-2, 0, 2}, period_deg / 8), 0, 1);
  PlotSpec spec{"error against the tilt angle: " + method + ", " + input, "true α (°)", "error (°)"};
  spec.clip_y = true, spec.ymin = -kErrorRange, spec.ymax = kErrorRange;
  spec.guides = {Guide{2, false, "2°", "threshold"}, Guide{-2, false, "−2°", "threshold"}};
  Series s{x, error_deg, method + ", " + input};
  write_svg_plot(path("error_vs_alpha_" + stem + ".svg"), spec, {s});
  write_png(path("samples_" + stem + ".png"),
            orientation_samples(first_images, int64_t(error_deg.size()), S, truth_deg, error_deg, period_deg), 0, 1);
}

}  // namespace sg

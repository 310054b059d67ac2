#include "data/plot_picture.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace sg {

namespace {
constexpr float kInk = 0.0f, kPaper = 1.0f, kGuide = 0.75f;
constexpr double kTwoPi = 6.283185307179586;

void set(Image& img, int64_t i, int64_t j, float v) {
  if (i >= 0 && i < img.h && j >= 0 && j < img.w) img.at(i, j) = v;
}

// A segment from (i0, j0) to (i1, j1), sampled at half-pixel steps.
void segment(Image& img, double i0, double j0, double i1, double j1, float v) {
  const int64_t n = 2 * int64_t(std::ceil(std::max(std::fabs(i1 - i0), std::fabs(j1 - j0)))) + 1;
  for (int64_t k = 0; k <= n; ++k) {
    const double t = double(k) / double(n);
    set(img, int64_t(std::lround(i0 + t * (i1 - i0))), int64_t(std::lround(j0 + t * (j1 - j0))), v);
  }
}
}  // namespace

int64_t PlotFrame::column(double x) const {
  return left + int64_t(std::lround((x - x0) / (x1 - x0) * double(width - 1)));
}

int64_t PlotFrame::row(double y) const {
  return top + int64_t(std::lround((y1 - std::clamp(y, y0, y1)) / (y1 - y0) * double(height - 1)));
}

Image scatter_picture(const PlotFrame& f, const std::vector<double>& x, const std::vector<double>& y,
                      const std::vector<double>& guides, double x_tick, int64_t right, int64_t bottom) {
  SG_CHECK(x.size() == y.size(), "scatter_picture: ", x.size(), " x values for ", y.size(), " y values");
  SG_CHECK(f.width >= 3 && f.height >= 3 && f.left >= 0 && f.top >= 0 && right >= 0 && bottom >= 0,
           "scatter_picture: the frame must be at least 3 x 3 pixels inside the picture");
  SG_CHECK(f.x1 > f.x0 && f.y1 > f.y0 && x_tick > 0, "scatter_picture: empty data range or tick step");
  Image img(f.top + f.height + bottom, f.left + f.width + right);
  std::fill(img.px.begin(), img.px.end(), kPaper);
  const int64_t r0 = f.top - 1, r1 = f.top + f.height, c0 = f.left - 1, c1 = f.left + f.width;
  for (double g : guides)
    if (g >= f.y0 && g <= f.y1)
      for (int64_t j = f.left; j < c1; j += 2) set(img, f.row(g), j, kGuide);  // dashed
  for (int64_t j = c0; j <= c1; ++j) set(img, r0, j, kInk), set(img, r1, j, kInk);
  for (int64_t i = r0; i <= r1; ++i) set(img, i, c0, kInk), set(img, i, c1, kInk);
  for (double t = f.x0; t <= f.x1 + 1e-9 * (f.x1 - f.x0); t += x_tick)
    for (int64_t i = r1 + 1; i <= r1 + 4; ++i) set(img, i, f.column(t), kInk);
  for (size_t k = 0; k < x.size(); ++k) {
    if (!std::isfinite(x[k]) || !std::isfinite(y[k])) continue;
    const int64_t ci = f.row(y[k]), cj = f.column(x[k]);
    for (int64_t i = std::max(ci - 1, f.top); i <= std::min(ci + 1, f.top + f.height - 1); ++i)
      for (int64_t j = std::max(cj - 1, f.left); j <= std::min(cj + 1, f.left + f.width - 1); ++j)
        set(img, i, j, kInk);
  }
  return img;
}

void draw_dial(Image& img, int64_t top, int64_t left, int64_t size, double true_turns, double predicted_turns) {
  const double r = double(size) / 2 - 2, ci = double(top) + double(size - 1) / 2,
               cj = double(left) + double(size - 1) / 2;
  const int64_t steps = int64_t(std::ceil(kTwoPi * r * 2));
  for (int64_t k = 0; k < steps; ++k) {
    const double a = kTwoPi * double(k) / double(steps);
    set(img, int64_t(std::lround(ci - r * std::sin(a))), int64_t(std::lround(cj + r * std::cos(a))), 0.5f);
  }
  const auto needle = [&](double turns, double length, float v) {
    const double a = kTwoPi * turns;
    segment(img, ci, cj, ci - length * std::sin(a), cj + length * std::cos(a), v);
  };
  needle(true_turns, r, 1.0f);
  needle(predicted_turns, 0.6 * r, 0.6f);  // on top: beyond 0.6 r the true one still shows
}

}  // namespace sg

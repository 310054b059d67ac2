// Plots a person puts in a paper, as standalone SVG files: scatter or line series on
// linear or log10 axes, written atomically.
//
// What makes them readable: tick labels are plain decimals (1, 0.1, 0.01 at the decades
// of a log axis; no exponents), an integer axis (epochs) has whole-number ticks only,
// the legend sits in a row above the data, reference lines ("guides": stage boundaries,
// thresholds, a reference angle) are labelled outside the data area (vertical ones
// above it, horizontal ones to its right), and the margins are sized from the labels so
// nothing is cut off. Points outside a fixed y range are left out and counted in their
// series' legend entry. Elements carry classes a test can find: "tick-x", "tick-y" on
// tick labels, the guide's `kind` on its line, "legend" on the legend entries.
#pragma once
#include <string>
#include <vector>

namespace sg {

struct Series {
  std::vector<double> x, y;
  std::string label;
  bool line = false;               // connect the points instead of dots
  std::string color = "#1f77b4";
};

// A dashed line across the plot area at x = at (vertical) or y = at.
struct Guide {
  double at = 0;
  bool vertical = true;
  std::string label;
  std::string kind = "guide";      // its class in the SVG, e.g. "stage-boundary"
  std::string color = "#777777";
};

struct PlotSpec {
  std::string title, xlabel, ylabel;
  bool clip_y = false;             // show only y in [ymin, ymax]
  double ymin = 0, ymax = 0;
  bool log_y = false;              // log10 y axis (for losses)
  bool integer_x = false;          // whole-number x ticks (epochs)
  std::vector<Guide> guides = {};
};

void write_svg_plot(const std::string& path, const PlotSpec& spec, const std::vector<Series>& series);

// A plain decimal with `decimals` digits after the point ("0.001", "250", never "1e-3").
std::string plain_decimal(double v, int decimals);

}  // namespace sg

// Plots a person looks at, as standalone SVG files: scatter or line series on linear
// axes with ticks, labels and a legend. Written atomically.
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

struct PlotSpec {
  std::string title, xlabel, ylabel;
  bool clip_y = false;             // show only y in [ymin, ymax]
  double ymin = 0, ymax = 0;
  bool log_y = false;              // log10 y axis (for losses)
};

void write_svg_plot(const std::string& path, const PlotSpec& spec, const std::vector<Series>& series);

}  // namespace sg

// Plots drawn as pictures (greyscale, written as PNG by data/image_io.h), for the figures
// that must open anywhere: a scatter of points in a frame, and an angle dial. They carry
// no text; the SVG written beside a scatter (train/plots.h) has the axis labels.
//
// Values: background 1 (white), frame and points 0 (black), guides 0.75.
// A point (x, y) lands on column left + round((x − x0)/(x1 − x0)·(width − 1)) and row
// top + round((y1 − y)/(y1 − y0)·(height − 1)) (y up), as a 3 × 3 dot clipped to the
// frame's inside; a y outside [y0, y1] is drawn on the nearer edge (so none is lost).
#pragma once
#include <cstdint>
#include <vector>

#include "data/image.h"

namespace sg {

struct PlotFrame {
  int64_t left = 40, top = 10, width = 400, height = 240;  // the data area, pixels
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;                     // its data range
  int64_t column(double x) const;
  int64_t row(double y) const;  // y clamped to [y0, y1]
};

// A picture (frame + margins: `right`, `bottom` pixels beyond the frame) with the frame
// outlined, a horizontal guide at each y in `guides`, x ticks every x_tick below the
// frame, and the points.
Image scatter_picture(const PlotFrame& f, const std::vector<double>& x, const std::vector<double>& y,
                      const std::vector<double>& guides, double x_tick, int64_t right = 10, int64_t bottom = 20);

// An angle dial in img's size × size square at (top, left), on a background of 0: a circle
// of radius size/2 − 2 (value 0.5) and two needles from its centre, at fractions of a
// turn measured anticlockwise from +x as seen (rows grow downwards): the true one
// (value 1) to the circle, then the predicted one (value 0.6) to 0.6 of it.
void draw_dial(Image& img, int64_t top, int64_t left, int64_t size, double true_turns, double predicted_turns);

}  // namespace sg

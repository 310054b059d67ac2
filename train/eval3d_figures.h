// The figures `eval --data DIR` writes for 3-D single-axis tilt pairs (train/eval3d.h),
// one set per scored row (method, input), named after it:
//   error_vs_alpha_<method>_<input>.png   the signed error (after the row's alignment)
//                                         against the true alpha over one period, errors
//                                         in [−10°, 10°] (beyond: on the edge), guides at
//                                         0 and ±2° (data/plot_picture.h)
//   error_vs_alpha_<method>_<input>.svg   the same with axis labels (train/plots.h)
//   samples_<method>_<input>.png          the first images of up to 8 pairs, each beside
//                                         a dial of one period: the true alpha (long
//                                         white needle) and the prediction aligned into
//                                         the true frame, alpha + error (short grey one)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"
#include "data/plot_picture.h"

namespace sg {

// The error plot's frame: x over [0, period], y over [−10, 10] degrees.
PlotFrame error_plot_frame(double period_deg);

// The sample grid: up to `count` images (S x S each, row-major, consecutive in `images`,
// scaled together by the largest value shown), each followed by its dial, 4 cells a row.
Image orientation_samples(const float* images, int64_t n, int64_t S, const std::vector<float>& truth_deg,
                          const std::vector<double>& error_deg, double period_deg, int64_t count = 8);

void write_eval3d_figures(const std::string& dir, const std::string& method, const std::string& input,
                          const std::vector<float>& truth_deg, const std::vector<double>& error_deg,
                          double period_deg, const float* first_images, int64_t S);

}  // namespace sg

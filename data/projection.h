// 1-D projections (report §2.5): a 2-D image summed along y, so column j of the image
// becomes value j of the projection -- the number of lit pixels for a binary image, the
// covered area in pixels for an anti-aliased one. This is one column of a sinogram and
// the input of the 1-D Difference Model (figure 2.9).
#pragma once
#include <cstdint>

namespace sg {

// out[j] = sum_i img[i * w + j], accumulated in double, for j < w.
void project_y(const float* img, int64_t h, int64_t w, float* out);

}  // namespace sg

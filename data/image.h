// A single-channel float32 image, row-major: px[i * w + j] is row i (y), column j (x).
// Pixel (i, j) covers the unit square [j, j+1) x [i, i+1) with its centre at
// (j + 0.5, i + 0.5): the continuous coordinates every shape is defined in.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sg {

struct Image {
  int64_t h = 0, w = 0;
  std::vector<float> px;

  Image() = default;
  Image(int64_t h_, int64_t w_) : h(h_), w(w_), px(size_t(h_ * w_), 0.0f) {}
  float& at(int64_t i, int64_t j) { return px[size_t(i * w + j)]; }
  float at(int64_t i, int64_t j) const { return px[size_t(i * w + j)]; }
};

// Rows become columns (a sinogram stored one projection per row is drawn with the
// angle running along x).
inline Image transposed(const Image& a) {
  Image t(a.w, a.h);
  for (int64_t i = 0; i < a.h; ++i)
    for (int64_t j = 0; j < a.w; ++j) t.at(j, i) = a.at(i, j);
  return t;
}

// The value at index coordinates (y, x) of a row-major h x w image, interpolated
// bilinearly between the four pixels around it; pixels outside the frame read 0.
inline double bilinear(const float* px, int64_t h, int64_t w, double y, double x) {
  const double fy = std::floor(y), fx = std::floor(x), ty = y - fy, tx = x - fx;
  const int64_t y0 = int64_t(fy), x0 = int64_t(fx);
  auto at = [&](int64_t i, int64_t j) {
    return i >= 0 && i < h && j >= 0 && j < w ? double(px[i * w + j]) : 0.0;
  };
  return (1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x0 + 1)) +
         ty * ((1 - tx) * at(y0 + 1, x0) + tx * at(y0 + 1, x0 + 1));
}

// One quarter turn of an n x n image about its centre: out(i, j) = in(j, n - 1 - i).
// Pixel centres map onto pixel centres, so nothing is interpolated. Displayed with row 0
// at the top, the picture turns anticlockwise; in the renderer's angle a shape at θ
// becomes one at θ − 90° (tested against the renderer in tests/test_predict_angles.cpp).
inline void rot90(const float* in, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) out[i * n + j] = in[j * n + (n - 1 - i)];
}

}  // namespace sg

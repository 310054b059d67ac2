#include "data/blur.h"

#include <cmath>
#include <vector>

namespace sg {

void gaussian_blur(float* px, int64_t h, int64_t w, double sigma) {
  if (!(sigma > 0)) return;
  const int64_t r = int64_t(std::ceil(3 * sigma));
  std::vector<double> g(size_t(2 * r + 1));
  double z = 0;
  for (int64_t d = -r; d <= r; ++d) z += g[size_t(d + r)] = std::exp(-double(d * d) / (2 * sigma * sigma));
  for (double& v : g) v /= z;
  std::vector<float> tmp(size_t(h * w));
  for (int64_t i = 0; i < h; ++i)  // along each row
    for (int64_t j = 0; j < w; ++j) {
      double s = 0;
      for (int64_t d = -r; d <= r; ++d)
        if (j + d >= 0 && j + d < w) s += g[size_t(d + r)] * px[i * w + j + d];
      tmp[size_t(i * w + j)] = float(s);
    }
  for (int64_t i = 0; i < h; ++i)  // then down each column
    for (int64_t j = 0; j < w; ++j) {
      double s = 0;
      for (int64_t d = -r; d <= r; ++d)
        if (i + d >= 0 && i + d < h) s += g[size_t(d + r)] * tmp[size_t((i + d) * w + j)];
      px[i * w + j] = float(s);
    }
}

}  // namespace sg

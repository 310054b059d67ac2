#include "data/projection.h"

#include <cstddef>
#include <vector>

namespace sg {

void project_y(const float* img, int64_t h, int64_t w, float* out) {
  std::vector<double> acc(size_t(w), 0.0);
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) acc[size_t(j)] += img[i * w + j];
  for (int64_t j = 0; j < w; ++j) out[j] = float(acc[size_t(j)]);
}

}  // namespace sg

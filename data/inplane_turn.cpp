#include "data/inplane_turn.h"

#include <cmath>

#include "data/image.h"
#include "data/preprocess.h"

namespace sg {

void turned_input(const float* in, int64_t h, int64_t w, double gamma_deg, float* out) {
  double my = 0.5 * double(h - 1), mx = 0.5 * double(w - 1);
  if (!centre_of_mass(in, h, w, my, mx)) {
    for (int64_t k = 0; k < h * w; ++k) out[k] = 0;
    return;
  }
  const double a = gamma_deg * M_PI / 180, c = std::cos(a), s = std::sin(a);
  const double cy = 0.5 * double(h - 1), cx = 0.5 * double(w - 1);
  double sum = 0;
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      const double dx = double(j) - cx, dy = double(i) - cy;
      const double v = bilinear(in, h, w, my - s * dx + c * dy, mx + c * dx + s * dy);
      out[i * w + j] = float(v);
      sum += v;
    }
  const float scale = sum > 0 ? float(double(h * w) / sum) : 0.0f;
  for (int64_t k = 0; k < h * w; ++k) out[k] *= scale;
}

}  // namespace sg

#include "data/preview.h"

#include <algorithm>

#include "engine/error.h"

namespace sg {

namespace {
constexpr float kGridValue = 0.3f;
constexpr int64_t kPairGap = 1;  // pixels between the two images of a pair
constexpr int64_t kGap = 6;      // pixels between cells
}  // namespace

Image profile_plot(const float* values, int64_t n, int64_t height, float max_value) {
  Image img(height, n);
  if (!(max_value > 0)) return img;
  for (int64_t j = 0; j < n; ++j) {
    const float h = float(height) * std::max(0.0f, values[j]) / max_value;
    for (int64_t b = 0; b < height; ++b)  // b counts rows from the bottom
      img.at(height - 1 - b, j) = std::clamp(h - float(b), 0.0f, 1.0f);
  }
  return img;
}

Image pair_grid(const Dataset& ds, int64_t max_pairs, int64_t columns) {
  SG_CHECK(ds.count() > 0, "pair_grid: empty dataset");
  SG_CHECK(max_pairs > 0 && columns > 0, "pair_grid: max_pairs and columns must be positive");
  const int64_t pairs = std::min(max_pairs, ds.count());
  const int64_t cols = std::min(columns, pairs), rows = (pairs + cols - 1) / cols;
  const int64_t S = ds.params.size;
  const int64_t cell_w = 2 * S + kPairGap, cell_h = S;
  Image grid(rows * cell_h + (rows + 1) * kGap, cols * cell_w + (cols + 1) * kGap);
  std::fill(grid.px.begin(), grid.px.end(), kGridValue);

  const int64_t per_image = ds.sample_floats() / 2;
  float top = 0;
  for (int64_t k = 0; k < pairs * 2 * per_image; ++k) top = std::max(top, ds.images[size_t(k)]);
  if (!(top > 0)) top = 1;

  for (int64_t p = 0; p < pairs; ++p) {
    const int64_t y0 = kGap + (p / cols) * (cell_h + kGap);
    const int64_t x0 = kGap + (p % cols) * (cell_w + kGap);
    for (int64_t k = 0; k < 2; ++k) {
      const float* src = ds.pair(p) + k * per_image;
      Image tile;
      if (ds.params.projection) {
        tile = profile_plot(src, S, S, top);
      } else {
        tile = Image(S, S);
        for (int64_t q = 0; q < S * S; ++q) tile.px[size_t(q)] = src[q] / top;
      }
      for (int64_t i = 0; i < S; ++i)
        for (int64_t j = 0; j < S; ++j)
          grid.at(y0 + i, x0 + k * (S + kPairGap) + j) = tile.at(i, j);
    }
  }
  return grid;
}

}  // namespace sg

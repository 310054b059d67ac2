// `eval --grid`: accuracy over particle size band × rendering (binary, supersample 4) ×
// dose (none, 30, 10 e/px), the model and the closed form (data/moments.h) side by side
// on the same generated pairs of every cell; written as grid.md, grid.json and grid.svg
// (a heat map of % within 2°). Every cell's pairs come from the checkpoint's data
// section with only the size band, supersample and dose changed, so the preprocessing
// is the one the model was trained with.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/pair_model.h"
#include "train/config.h"
#include "train/evaluate.h"

namespace sg {

struct GridOptions {
  std::vector<double> bands{0.12, 0.19, 0.25, 0.31, 0.38, 0.45};  // circumradius / size, edges
  std::vector<int> supersample{1, 4};
  std::vector<double> dose{0, 30, 10};  // 0 = no shot noise
  int64_t pairs = 1000;                 // per cell
};

struct GridCell {
  double radius_min = 0, radius_max = 0, dose = 0;
  int supersample = 1;
  Accuracy model, moments;
  bool has_model = false, has_moments = false;
  int64_t flagged = 0;  // images the closed form could not read (left out of its row)
};

// One cell per band × supersample × dose. `model` may be null (closed form only);
// the closed form is skipped where it does not apply (order 1, projections).
std::vector<GridCell> evaluate_grid(PairModel* model, const TrainConfig& config, const GridOptions& o,
                                    Device device);
// grid.md, grid.json and grid.svg into dir, each written atomically.
void write_grid(const std::vector<GridCell>& cells, const TrainConfig& config, const std::string& dir);
std::string grid_markdown(const std::vector<GridCell>& cells, int64_t size);

}  // namespace sg

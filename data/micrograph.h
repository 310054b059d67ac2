// Particle detection on a whole micrograph [H, W] (docs/micrograph.md).
//
//   background  b(x): the median of each tile×tile block (of every other row and column),
//               bilinear between block centres
//               (follows an uneven support film; needs particles to cover < half a tile)
//   threshold   Otsu's: the t maximising the between-class variance w0·w1·(μ1 − μ0)² of
//               the histogram (1024 bins) of the 3x3 box mean of r = v − b, whose noise is
//               a third of r's; the mask is r > t on the unsmoothed r
//   components  8-connected runs of r > t, labelled by a two-pass union-find scan (no
//               recursion: a 4096×4096 frame is one loop over its pixels)
//   filter      components under min_area pixels, or with no pixel whose 3x3 mean is above
//               t, are dropped (noise specks: isolated bright pixels average down)
//   flags       border: a pixel on the outermost row or column; touching: area above
//               merged_factor × the median area, or elongation λmax/λmin of the pixel
//               covariance above max_elongation (an n ≥ 3 shape has an isotropic second
//               moment, ratio 1; two touching squares give ~4); small: area below
//               small_fraction × the median area.
// Coordinates: pixel (i, j) is centred at x = j + ½, y = i + ½ (data/image.h).
// Speed: every whole-frame pass is split over OpenMP threads by rows or tiles, except
// the labelling's first pass; per-particle statistics read only the particle's bounding
// box, in the frame's raster order, so results do not depend on the thread count.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sg {

struct DetectOptions {
  int64_t tile = 128;            // background tile side, pixels
  int64_t min_area = 4;          // smaller components are dropped
  double merged_factor = 2.5;    // area above this × median: touching
  double max_elongation = 2.0;   // covariance eigenvalue ratio above this: touching
  double small_fraction = 0.3;   // area below this × median: small
  int grow = 1;                  // crop mask: the component dilated by this many pixels
};

enum ParticleFlag : uint32_t { kBorder = 1, kTouching = 2, kSmall = 4 };
std::string flag_words(uint32_t flags);  // "border;touching" or "ok"

struct Particle {
  int64_t id = 0;             // 1-based, the component's label
  double x = 0, y = 0;        // intensity-weighted centroid of r over the component
  int64_t area_px = 0;        // pixels in the component
  double radius_px = 0;       // circumradius estimate: max centre distance + ½
  uint32_t flags = 0;
  double level = 0;           // median r over the component: full coverage
  int64_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // bounding box, inclusive
};

struct Detection {
  int64_t h = 0, w = 0;
  std::vector<float> residual;    // r = v − b, h·w: what crops and the overlay read
  std::vector<int32_t> labels;    // 0 = background, else particle id (after filtering)
  double threshold = 0;           // on r = v − b
  std::vector<Particle> particles;
};

// Otsu's threshold on a histogram: the upper edge index k (class 0 = bins < k) in 1..n−1
// that maximises w0·w1·(μ0 − μ1)², with bin centres as values.
int64_t otsu_bin(const std::vector<double>& hist);

// Two-pass 8-connected labelling of mask (h·w, nonzero = foreground): labels 1..count in
// raster order of each component's first pixel, 0 for background. Returns count.
int32_t label_components(const uint8_t* mask, int64_t h, int64_t w, std::vector<int32_t>& labels);

Detection detect_particles(const float* px, int64_t h, int64_t w, const DetectOptions& opt);

// A size×size crop of particle p: the residual box-averaged by `factor` (so a particle
// of circumradius R reads R/factor), centred on the centroid to the nearest pixel; pixels
// outside p's component grown by `grow` (a (2·grow+1)² square) are 0, the rest
// c = clamp(r / level, 0, 1). factor = the smallest integer with radius_px / factor <= 0.45·size.
int64_t crop_factor(const Particle& p, int64_t size);
void crop_particle(const Detection& d, const Particle& p, int64_t size, int64_t factor, int grow,
                   float* out);

}  // namespace sg

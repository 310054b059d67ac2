// What a 2-D model was trained on, measured so that predict can tell when an input is not.
//
// predict prepares its input as the training pairs were (prepare_input): the noise
// removal and centring of data/preprocess.h when the run generated its pairs with
// data.preprocess (a dataset folder's images were trained on as stored), then size
// normalisation when data.normalise_size is set. Three numbers of each image are taken
// between the two steps, where the particle still has its own size:
//   background  the median of the outermost ring of pixels
//   size        the equivalent radius sqrt(area / π), in pixels, of the particle's
//               component (data/moments.h find_support: Otsu's threshold on the 3x3
//               box mean, the largest 8-connected component)
//   intensity   the median of the pixels of that component
// At training time the range of each over up to 512 training images, measured at the same
// point (generated pairs: regenerated without size normalisation), goes into the
// checkpoint's metadata as its input profile; train/predict_checks.h compares.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/config.h"

namespace sg {

struct ImageStats {
  bool particle = false;        // a component was found (else size and intensity are 0)
  bool touches_border = false;  // the particle's component reaches the outermost ring
  double background = 0, radius_px = 0, intensity = 0;
};

ImageStats measure_image(const float* px, int64_t h, int64_t w);

struct Range {
  double lo = 0, hi = 0;
};

struct InputProfile {
  int64_t images = 0;  // measured (those with a particle)
  Range background, radius_px, intensity;
};

nlohmann::json to_json(const InputProfile& p);
// Errors name `what` and the field.
InputProfile profile_from_json(const nlohmann::json& j, const std::string& what);
// The profile of a run's training images (null for a 1-D model: predict checks images only).
nlohmann::json training_profile(const TrainConfig& config);

// Prepares `count` images of the checkpoint's shape (2-D: size x size; 1-D: size values)
// in place as the training pairs were, and returns each 2-D image's stats measured between
// the noise removal and size normalisation (empty for 1-D). `preprocess` false (predict
// --no-preprocess): nothing is applied and the images are measured as given. Applied to
// an image preprocessed already (a generated set, a folder written by gen) it changes
// nothing: the noise removal is skipped where the border ring is all zero (else such an
// image would lose its anti-aliased edges and, below the threshold, its whole particle),
// and the centring where the centre of mass is within half a pixel of the frame's.
std::vector<ImageStats> prepare_input(const TrainConfig& config, float* images, int64_t count,
                                      bool preprocess);

}  // namespace sg

// `stereograd predict`: the orientation of each image (or 1-D signal) in a .npy file,
// in degrees in [0°, 360°/n), from a trained checkpoint.
#include <iostream>

#include "engine/error.h"
#include "engine/io/npy.h"
#include "train/args.h"
#include "train/checkpoint.h"
#include "train/commands.h"
#include "train/device_options.h"

namespace sg {

ArgParser predict_options() {
  ArgParser p("predict", "Predict orientations from images: --input holds [N, 1, H, W] or [N, H, W]\n"
                         "float32 images (2-D models) or [N, 1, L] or [N, L] signals (1-D models).\n"
                         "Writes [N] angles in degrees in [0, 360/n). The model's zero is its own:\n"
                         "a self-supervised model learns orientation up to an offset.");
  p.option("checkpoint", "FILE", "a checkpoint written by stereograd train", "", true)
      .option("input", "FILE", "images as .npy (float32)", "", true)
      .option("output", "FILE", "angles as .npy (float32, degrees)", "", true)
;
  add_device_options(p);
  return p;
}

int cmd_predict(const Args& args) {
  ArgParser p = predict_options();
  if (!p.parse(args, std::cout)) return 0;
  const Device device = device_from_options(p);
  Checkpoint c = read_checkpoint(p.get("checkpoint"));
  const std::string in = p.get("input");
  NpyArray a = load_npy(in);
  check_finite(a, in);
  const bool two_d = c.config.model != "difference1d";
  const int64_t size = c.config.data.size;
  Shape want = two_d ? Shape{1, size, size} : Shape{1, size};
  Shape got(a.shape.begin() + (a.shape.empty() ? 0 : 1), a.shape.end());
  if (got.size() + 1 == want.size()) got.insert(got.begin(), 1);  // [N, H, W] → [N, 1, H, W]
  SG_CHECK(!a.shape.empty() && got == want, "predict: '", in, "' has shape ", shape_str(a.shape),
           "; this model takes [N, ", shape_str(want).substr(1), " (or without the 1)");
  const int64_t N = a.shape[0];
  SG_CHECK(N >= 1, "predict: '", in, "' holds no images");
  auto model = model_from_checkpoint(c, device);
  Shape batch_shape{N};
  batch_shape.insert(batch_shape.end(), want.begin(), want.end());
  std::vector<float> angles;
  const int64_t per = shape_numel(want), chunk = 256;
  for (int64_t b = 0; b < N; b += chunk) {
    const int64_t n = std::min(chunk, N - b);
    std::vector<float> part(a.data.begin() + b * per, a.data.begin() + (b + n) * per);
    Shape s = batch_shape;
    s[0] = n;
    std::vector<float> r = model->predict_deg(Tensor::from_vector(part, s, device));
    angles.insert(angles.end(), r.begin(), r.end());
  }
  save_npy(p.get("output"), {N}, angles.data());
  std::cout << "wrote " << N << " angles (degrees in [0, " << 360 / model->order() << ")) to "
            << p.get("output") << "\n";
  return 0;
}

}  // namespace sg

// `stereograd predict`: the orientation of each image (or 1-D signal) in a .npy file,
// in degrees in [0°, 360°/n), from a trained checkpoint or, with --method moments, from
// the phase of the n-th complex moment (data/moments.h, docs/moments.md).
#include <iostream>

#include "data/image_read.h"
#include "data/moments.h"
#include "data/angles.h"
#include "data/preprocess.h"
#include "data/projection.h"
#include "data/projection_matching.h"
#include "data/projection_symmetry.h"
#include "data/shapes.h"
#include "engine/error.h"
#include "engine/io/npy.h"
#include "train/args.h"
#include "train/checkpoint.h"
#include "train/commands.h"
#include "train/predict_angles.h"
#include "train/device_options.h"

namespace sg {

ArgParser predict_options() {
  ArgParser p("predict", "Predict orientations from images: --input holds [N, 1, H, W] or [N, H, W]\n"
                         "images (2-D models) or [N, 1, L] or [N, L] signals (1-D models).\n"
                         "Writes [N] angles in degrees in [0, 360/n). The model's zero is its own:\n"
                         "a self-supervised model learns orientation up to an offset.\n"
                         "--method moments needs no checkpoint: θ = arg(−M_n)/n, the phase of the\n"
                         "n-th complex moment over the particle (docs/moments.md), zero where the\n"
                         "renderer's is; an image with no particle, several, or one touching the\n"
                         "border gets NaN and a warning line naming its index.");
  p.option("checkpoint", "FILE", "a checkpoint written by stereograd train (required for --method model)")
      .option("input", "FILE", "images as .npy (any integer or float dtype), TIFF, PNG or MRC (required)")
      .option("output", "FILE", "angles as .npy (float32, degrees) (required)")
      .option("micrograph", "FILE", "instead of --input: one large image [H, W]; detect every particle\n"
              "and write DIR/particles.csv and DIR/overlay.png (docs/micrograph.md)")
      .option("out", "DIR", "--micrograph: output directory")
      .option("method", "NAME", "model (the checkpoint's network), moments (closed form) or match\n"
              "(1-D projections against --object, the label-free classical method)",
              "model when --checkpoint is given")
      .option("order", "N", "--method moments: rotational order n, 2..360 (default 4, or the checkpoint's)")
      .option("object", "FILE", "--method match: the particle [L, L] that reconstruct learned (object.npy)")
      .option("stereo-angle", "DEG", "--method match on stereo pairs [N, 2, L]: their stereo angle")
      .option("rotations", "K", kRotationsHelp)
;
  add_device_options(p);
  return p;
}

namespace {
// The closed form on [N, H, W] or [N, 1, H, W] images: one warning line per flagged image
// (angle NaN) and a summary on stderr.
int predict_moments(const NpyArray& a, const std::string& in, int order, const std::string& out) {
  Shape got = a.shape;
  if (got.size() == 4 && got[1] == 1) got.erase(got.begin() + 1);  // [N, 1, H, W] → [N, H, W]
  SG_CHECK(got.size() == 3 && got[1] >= 3 && got[2] >= 3, "predict: '", in, "' has shape ",
           shape_str(a.shape), "; --method moments takes 2-D images [N, H, W] or [N, 1, H, W], H, W >= 3");
  const int64_t N = got[0];
  SG_CHECK(N >= 1, "predict: '", in, "' holds no images");
  MomentOptions opt;
  opt.order = order;
  const std::vector<MomentResult> r = moment_angles(a.data.data(), N, got[1] * got[2], got[1], got[2], opt);
  const int64_t flagged = report_flags(r, "predict: ", std::cerr);
  const std::vector<float> angles = angles_as_float(r, order);
  save_npy(out, {N}, angles.data());
  std::cout << "wrote " << N << " angles (degrees in [0, " << 360.0 / order << "), phase of the "
            << "n-th moment, n = " << order << ") to " << out;
  if (flagged) std::cout << "; " << flagged << " flagged: NaN";
  std::cout << "\n";
  return 0;
}
// Projection matching against a reconstructed object (data/projection_matching.h): single
// projections [N, L] or [N, 1, L], each alone, or stereo pairs [N, 2, L] jointly (the
// firsts' angles). A single projection of an object with a fold (the 'T') is answered
// as the canonical member of {θ, c − θ}; the two-column output gives both.
int predict_match(const NpyArray& a, const std::string& in, const ArgParser& p) {
  const std::string object_path = p.get("object");
  NpyArray o = load_npy(object_path);
  check_finite(o, object_path);
  SG_CHECK(o.shape.size() == 2 && o.shape[0] == o.shape[1] && o.shape[0] >= 16, "predict: '", object_path,
           "' has shape ", shape_str(o.shape), "; --object is a square [L, L] image (reconstruct's object.npy)");
  const int64_t L = o.shape[0];
  Shape got = a.shape;
  if (got.size() == 3 && got[1] == 1) got.erase(got.begin() + 1);  // [N, 1, L] → [N, L]
  const bool pairs = got.size() == 3 && got[1] == 2;
  SG_CHECK((got.size() == 2 || pairs) && got.back() == L && got[0] >= 1, "predict: '", in, "' has shape ",
           shape_str(a.shape), "; --method match takes projections [N, ", L, "], [N, 1, ", L, "] or pairs [N, 2, ",
           L, "] of the object's length");
  SG_CHECK(pairs == p.given("stereo-angle"), "predict: ",
           pairs ? "stereo pairs [N, 2, L] need their --stereo-angle" : "--stereo-angle is for pairs [N, 2, L]");
  const double delta = pairs ? p.get_double("stereo-angle") : 10.0;
  SG_CHECK(delta > 0 && delta < 180, "predict: --stereo-angle must be in (0, 180), got ", delta);
  const int64_t N = got[0], M = pairs ? 2 * N : N;
  std::vector<float> x = a.data;
  for (int64_t i = 0; i < M; ++i) {
    double c;
    SG_CHECK(projection_centre(x.data() + i * L, L, c), "predict: projection ", i, " of '", in,
             "' is empty or negative in sum: no particle in it");
    centre_projection(x.data() + i * L, L);
  }
  Image object(L, L);
  object.px = o.data;
  const Templates t = make_templates(object, matching_step(delta));
  std::vector<float> out;
  if (pairs) {
    for (double v : match_pairs(t, x.data(), N, delta).angles_deg) out.push_back(float(v));
    save_npy(p.get("output"), {N}, out.data());
    std::cout << "wrote " << N << " angles of the pairs' first projections (degrees in [0, 360), the object's frame) to "
              << p.get("output") << "\n";
    return 0;
  }
  const DetectedFold fold = detect_fold(t, delta);
  for (double v : match_single(t, x.data(), N).angles_deg) {
    const double canon = fold.ambiguity.fold ? canonical_angle(v, fold.ambiguity) : v;
    out.push_back(float(canon));
    out.push_back(float(fold.ambiguity.fold ? wrap_positive(fold.ambiguity.fold_deg - canon) : canon));
  }
  save_npy(p.get("output"), {N, 2}, out.data());
  std::cout << "wrote " << N << " angles [N, 2] (degrees in [0, 360), the object's frame) to " << p.get("output")
            << (fold.ambiguity.fold ? "; the object is mirror-symmetric (fold c = " + std::to_string(fold.ambiguity.fold_deg) +
                                          "°): a single projection is θ or c − θ, the two columns"
                                    : "; the object has no mirror: both columns are the angle")
            << "\n";
  return 0;
}
}  // namespace

int cmd_predict(const Args& args) {
  ArgParser p = predict_options();
  if (!p.parse(args, std::cout)) return 0;
  const Device device = device_from_options(p);
  if (p.given("micrograph")) return predict_micrograph(p, device);
  SG_USAGE_CHECK(p.given("input"), "predict: --input is required (see stereograd predict --help)");
  SG_USAGE_CHECK(p.given("output"), "predict: --output is required (see stereograd predict --help)");
  const bool has_checkpoint = p.given("checkpoint");
  const std::string method = p.given("method") ? p.get("method") : "model";
  SG_CHECK(method == "model" || method == "moments" || method == "match",
           "predict: --method must be model, moments or match, got '", method, "'");
  SG_CHECK(method != "model" || has_checkpoint,
           "predict: --checkpoint is required (or --method moments or match, which need none)");
  SG_CHECK((method == "match") == p.given("object"), "predict: ",
           method == "match" ? "--method match needs --object (reconstruct's object.npy)"
                             : "--object is for --method match");
  SG_CHECK(method == "match" || !p.given("stereo-angle"), "predict: --stereo-angle is for --method match");
  SG_CHECK(method == "moments" || !p.given("order"),
           "predict: --order is for --method moments (a model's order is its checkpoint's)");
  int order = 4;
  if (p.given("order")) {
    const int64_t o = p.get_int("order");
    SG_CHECK(o >= 2 && o <= 360, "predict: --order must be in 2..360, got ", o,
             o == 1 ? " (the first moment about the centroid is zero)" : "");
    order = int(o);
  }
  Checkpoint c;
  if (has_checkpoint) c = read_checkpoint(p.get("checkpoint"));
  c.config.test_rotations = rotations_option(p, c.config.test_rotations);
  if (method == "moments" && has_checkpoint) {
    const int n = ParticleShape::make(c.config.data.shape, c.config.data.sides).order();
    SG_CHECK(!p.given("order") || order == n, "predict: --order ", order, " but the checkpoint's shape '",
             c.config.data.shape, "' has order ", n);
    SG_CHECK(!c.config.data.projection, "predict: --method moments reads 2-D images; the checkpoint's "
             "model reads 1-D projections");
    SG_CHECK(n >= 2, "predict: --method moments: the checkpoint's shape '", c.config.data.shape,
             "' has order 1 (the first moment about the centroid is zero)");
    order = n;
  }
  const std::string in = p.get("input");
  NpyArray a = read_stack(in);  // .npy, TIFF, PNG or MRC (data/image_read.h)
  check_finite(a, in);
  if (method == "moments") return predict_moments(a, in, order, p.get("output"));
  if (method == "match") return predict_match(a, in, p);
  const bool two_d = c.config.model != "difference1d";
  const int64_t size = c.config.data.size;
  Shape want = two_d ? Shape{1, size, size} : Shape{1, size};
  Shape got(a.shape.begin() + (a.shape.empty() ? 0 : 1), a.shape.end());
  if (got.size() + 1 == want.size()) got.insert(got.begin(), 1);  // [N, H, W] → [N, 1, H, W]
  SG_CHECK(!a.shape.empty() && got == want, "predict: '", in, "' has shape ", shape_str(a.shape),
           "; this model takes [N, ", shape_str(want).substr(1), " (or without the 1)");
  const int64_t N = a.shape[0];
  SG_CHECK(N >= 1, "predict: '", in, "' holds no images");
  if (!two_d && c.config.data.subpixel_centre)  // the model was trained on centred projections
    for (int64_t i = 0; i < N; ++i) centre_projection(a.data.data() + i * size, size);
  if (two_d && c.config.data.normalise_size > 0)  // trained on size-normalised images
    normalise_sizes(a.data.data(), N, size, c.config.data.normalise_size);
  auto model = model_from_checkpoint(c, device);
  const std::vector<float> angles = predict_angles(*model, a.data.data(), N, want, device, c.config.test_rotations);
  save_npy(p.get("output"), {N}, angles.data());
  std::cout << "wrote " << N << " angles (degrees in [0, " << 360 / model->order() << ")) to "
            << p.get("output") << "\n";
  return 0;
}

}  // namespace sg

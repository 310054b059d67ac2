// `stereograd predict`: the orientation of each image (or 1-D signal) in a .npy file,
// in degrees in [0°, 360°/n), from a trained checkpoint or, with --method moments, from
// the phase of the n-th complex moment (data/moments.h, docs/moments.md).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

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
#include "models/angle_heatmap.h"
#include "train/args.h"
#include "train/calibration.h"
#include "train/checkpoint.h"
#include "train/commands.h"
#include "train/device_options.h"
#include "train/eval3d.h"
#include "train/input_profile.h"
#include "train/predict_angles.h"
#include "train/predict_checks.h"

namespace sg {

ArgParser predict_options() {
  ArgParser p("predict", "Predict orientations from images: --input holds [N, 1, H, W] or [N, H, W]\n"
                         "images (2-D models) or [N, 1, L] or [N, L] signals (1-D models), or stereo\n"
                         "pairs [N, 2, H, W] / [N, 2, L] with --stereo-angle (each pair's first angle).\n"
                         "Writes [N] angles in degrees in [0, 360/n); for a model of the 3-D single-axis\n"
                         "task (docs/particles3d.md), alpha over the task's period. The model's zero is its own:\n"
                         "a self-supervised model learns orientation up to an offset: --calibrated\n"
                         "or --reference turn it into the lab's. Warnings on stderr name the images\n"
                         "whose answers cannot be trusted (docs/calibration.md, \"Warnings\").\n"
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
      .option("stereo-angle", "DEG", "stereo pairs [N, 2, L] of projections (--method match or a 1-D model) or\n"
              "[N, 2, H, W] of images (a 2-D model; tilt pairs of a 3-D particle: in (0, 90)): their\n"
              "stereo angle; each pair's first image is read from both")
      .option("rotations", "K", kRotationsHelp)
      .option("half-turn", "on|off", kHalfTurnHelp)
      .flag("no-preprocess", "feed the images to the network as given; by default they are prepared\n"
            "as the checkpoint's training images were (noise removal and centring unless\n"
            "already done, size normalisation)")
      .flag("calibrated", "angles in the frame eval calibrated the checkpoint to (its offset and\n"
            "mirror, stored in the checkpoint by stereograd eval)")
      .option("reference", "IMG", "one or two images of known orientation (a file as for --input):\n"
              "the angles are given in their frame (docs/calibration.md)")
      .option("reference-angle", "DEG", "--reference: the known angle of each reference image, e.g. 12.5\n"
              "or 12.5,40 (two references also fix the sign)")
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

// The options of a model's prediction on --input images (not --micrograph, not the
// closed form or matching).
constexpr const char* kModelInputOptions[] = {"no-preprocess", "calibrated", "reference", "reference-angle"};
// Of those, what --micrograph does not take: its crops are prepared by detection, and a
// reference would be a crop of its own (--calibrated it takes).
constexpr const char* kNotForMicrographs[] = {"no-preprocess", "reference", "reference-angle"};

// What one image of the checkpoint's model is: [1, S, S] (2-D) or [1, S] (1-D).
Shape model_input_shape(const TrainConfig& c) {
  const int64_t size = c.data.size;
  return !c.reads_projections() ? Shape{1, size, size} : Shape{1, size};
}

// The number of images in `a`, which must be [N, ...want] or that without the 1.
int64_t checked_count(const NpyArray& a, const Shape& want, const std::string& in) {
  Shape got(a.shape.begin() + (a.shape.empty() ? 0 : 1), a.shape.end());
  if (got.size() + 1 == want.size()) got.insert(got.begin(), 1);  // [N, H, W] → [N, 1, H, W]
  SG_CHECK(!a.shape.empty() && got == want, "predict: '", in, "' has shape ", shape_str(a.shape),
           "; this model takes [N, ", shape_str(want).substr(1), " (or without the 1)");
  SG_CHECK(a.shape[0] >= 1, "predict: '", in, "' holds no images");
  return a.shape[0];
}

// The calibration --calibrated (stored by eval) or --reference (read from the reference
// images, prepared as the input is) asks for; none without either.
std::optional<Calibration> calibration_option(const ArgParser& p, const Checkpoint& c, PairModel& model,
                                              Device device, double P) {
  const std::string ck = p.get("checkpoint");
  const std::optional<Calibration> stored = stored_calibration(c.calibration, ck, P);
  if (p.get_flag("calibrated")) {
    SG_CHECK(stored, "predict: --calibrated: checkpoint '", ck, "' holds no calibration; run stereograd eval "
             "--checkpoint ", ck, " first, or give --reference");
    return stored;
  }
  if (!p.given("reference")) return std::nullopt;
  const std::string ref = p.get("reference");
  const std::vector<double> known = parse_number_list(p.get("reference-angle"), "predict: --reference-angle");
  NpyArray r = read_stack(ref);
  check_finite(r, ref);
  const Shape want = model_input_shape(c.config);
  const int64_t n = checked_count(r, want, ref);
  SG_CHECK(n == int64_t(known.size()) && n <= 2, "predict: --reference '", ref, "' holds ", n, " image",
           n > 1 ? "s" : "", " but --reference-angle gives ", known.size(), " angle", known.size() > 1 ? "s" : "",
           "; give one or two references, an angle for each");
  prepare_input(c.config, r.data.data(), n, !p.get_flag("no-preprocess"));
  const std::vector<float> read = predict_angles(model, r.data.data(), n, want, device, c.config.test_rotations);
  try {
    return calibration_from_references(read, known, P, stored ? std::optional<bool>(stored->mirrored) : std::nullopt);
  } catch (const Error& e) {
    fail("predict: --reference: ", e.what());
  }
}
}  // namespace

int cmd_predict(const Args& args) {
  ArgParser p = predict_options();
  if (!p.parse(args, std::cout)) return 0;
  const Device device = device_from_options(p);
  for (const char* o : kNotForMicrographs)
    SG_USAGE_CHECK(!p.given("micrograph") || !p.given(o), "predict: --", o, " is for --input, not --micrograph");
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
  SG_CHECK(method != "moments" || !p.given("stereo-angle"),
           "predict: --stereo-angle is for stereo pairs of projections (--method match or a 1-D model)");
  for (const char* o : kModelInputOptions)
    SG_USAGE_CHECK(method == "model" || !p.given(o), "predict: --", o, " is for --method model");
  SG_USAGE_CHECK(!(p.get_flag("calibrated") && p.given("reference")),
                 "predict: --calibrated and --reference contradict each other (give one)");
  SG_USAGE_CHECK(p.given("reference") == p.given("reference-angle"),
                 "predict: --reference and --reference-angle go together");
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
  if (has_checkpoint) half_turn_option(p, c.config);
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
  const bool two_d = !c.config.reads_projections();
  const Shape want = model_input_shape(c.config);
  // A model of the 3-D single-axis task (trained on a folder of tilt pairs, train/eval3d.h):
  // its training folder's params.json gives the particle and the task's period.
  const std::optional<SingleAxisTask> task = single_axis_task_of(c.config.data_path);
  // Stereo pairs, [N, 2, L] of projections or [N, 2, H, W] of images (tilt pairs of a 3-D
  // particle): both read, the first's angle answered.
  const bool pairs = a.shape.size() == want.size() + 1 && a.shape[1] == 2;
  SG_CHECK(pairs == p.given("stereo-angle"), "predict: ",
           pairs ? std::string("stereo pairs ") + (two_d ? "[N, 2, H, W]" : "[N, 2, L]") + " need their --stereo-angle"
                 : std::string("--stereo-angle is for stereo pairs: this model reads ") +
                       (two_d ? "[N, 2, H, W] images" : "[N, 2, L] projections"));
  Shape two = want;
  two[0] = 2;
  const int64_t N = pairs ? checked_count(a, two, in) : checked_count(a, want, in);
  const double max_delta = task ? 90 : 180;  // a holder tilts by less than 90°
  const double delta = pairs ? p.get_double("stereo-angle") : 0;
  SG_CHECK(!pairs || (delta > 0 && delta < max_delta), "predict: --stereo-angle must be in (0, ", max_delta,
           "), got ", delta);
  const bool preprocess = !p.get_flag("no-preprocess");
  const std::vector<ImageStats> stats = prepare_input(c.config, a.data.data(), pairs ? 2 * N : N, preprocess);
  auto model = model_from_checkpoint(c, device);
  std::vector<float> angles;
  if (pairs) {
    int64_t per = 1;
    for (int64_t d : want) per *= d;
    std::vector<float> first, second;
    split_pairs(a.data.data(), N, per, first, second);
    angles = predict_pairs(*model, first, second, N, want, device, delta);
  } else {
    angles = predict_angles(*model, a.data.data(), N, want, device, c.config.test_rotations);
  }
  // A single projection of a mirror-symmetric particle has two answers, θ and c − θ; the
  // heatmap model gives both ([N, 2]: its two highest peaks), not one averaged.
  std::vector<float> other;
  auto* heatmap = dynamic_cast<AngleHeatmapModel*>(model.get());
  if (heatmap && !pairs && projection_ambiguity(ParticleShape::make(c.config.data.shape, c.config.data.sides)).fold) {
    const auto two = heatmap->predict_two_deg(Tensor::from_vector(a.data, {N, 1, want[1]}, device));
    for (int64_t i = 0; i < N; ++i) {
      angles[size_t(i)] = two[size_t(i)][0];
      other.push_back(two[size_t(i)][1]);
    }
  }
  const double P = 360.0 / model->order();
  const std::optional<Calibration> cal = calibration_option(p, c, *model, device, P);  // may refuse

  // Warnings: the checkpoint, the input against what it was trained on, the answers.
  std::vector<std::string> warnings = checkpoint_warnings(c);
  if (two_d && c.input_profile.is_object()) {
    const InputProfile trained = profile_from_json(c.input_profile, "checkpoint '" + p.get("checkpoint") + "'");
    for (std::string& w : input_warnings(trained, stats))
      warnings.push_back(w + (preprocess ? "" : " (--no-preprocess: the images went in as given)"));
  }
  if (const std::string w = spread_warning(angles, model->order()); !w.empty()) warnings.push_back(w);
  for (const std::string& w : warnings) std::cerr << "predict: warning: " << w << "\n";

  std::string frame = "the model's own zero";
  if (cal) {
    calibrate_angles(*cal, angles);
    if (!other.empty()) calibrate_angles(*cal, other);
    char b[160];
    std::snprintf(b, sizeof b, "%s: offset %.3f° removed%s", p.given("reference") ? "the references' frame" : "calibrated",
                  cal->offset_deg, cal->mirrored ? ", mirrored" : "");
    frame = b;
  }
  if (other.empty()) {
    save_npy(p.get("output"), {N}, angles.data());
  } else {
    std::vector<float> both;
    for (size_t i = 0; i < angles.size(); ++i) both.insert(both.end(), {angles[i], other[i]});
    save_npy(p.get("output"), {N, 2}, both.data());
  }
  std::cout << "wrote " << N << (other.empty() ? " angles" : " angle pairs [N, 2] (the particle is mirror-symmetric: "
                                  "each projection's two answers, θ and its mirror)");
  if (task)
    std::cout << (pairs ? " of the pairs' first images" : "") << ": alpha, the " << task->shape
              << "'s turn about the tilt axis (single-axis task, period " << task->period_deg << "°, no mirror fold)";
  std::cout << " (degrees in [0, " << P << "), " << frame << ") to " << p.get("output");
  if (!warnings.empty()) std::cout << "; " << warnings.size() << " warning" << (warnings.size() > 1 ? "s" : "") << " above";
  std::cout << "\n";
  return 0;
}

}  // namespace sg

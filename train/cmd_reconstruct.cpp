// stereograd reconstruct: angles of unlabelled stereo pairs of 1-D projections, and the
// particle reconstructed from them by filtered back projection. No angle is read to find
// the angles or the object; the true angles (a dataset folder's angles.npy) are read only
// afterwards, to score them. See data/angle_sync.h, data/projection_matching.h and
// docs/projections.md.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "data/angles.h"
#include "data/dataset_io.h"
#include "data/image_io.h"
#include "data/projection.h"
#include "data/projection_matching.h"
#include "data/projection_symmetry.h"
#include "data/shapes.h"
#include "data/sinogram.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "engine/random.h"
#include "engine/tensor.h"
#include "train/args.h"
#include "train/commands.h"
#include "train/evaluate.h"

namespace sg {

namespace {
struct PairInput {
  std::vector<float> pairs;  // [N, 2, L], centred
  int64_t N = 0, L = 0;
  double delta_deg = 0;
  bool has_truth = false;
  Dataset ds;  // the folder's parameters and true angles, when it has them
};

PairInput read_pairs(const std::string& path, const ArgParser& p, bool centre) {
  PairInput in;
  if (std::filesystem::is_directory(path)) {
    // The angles are not read here: recovery sees only projections and δ (attach_truth
    // reads them afterwards, for scoring).
    GenParams defaults;
    defaults.shape = "s";
    defaults.projection = true;
    in.ds = load_dataset_folder(path, defaults, "");
    SG_CHECK(in.ds.params.projection, "reconstruct: '", path,
             "' holds 2-D images; this command takes 1-D projections (gen --projection)");
    in.pairs = in.ds.images;
    in.N = in.ds.count();
    in.L = in.ds.params.size;
    in.delta_deg = in.ds.params.stereo_angle_deg;
    SG_CHECK(!p.given("stereo-angle") || std::abs(p.get_double("stereo-angle") - in.delta_deg) < 1e-9,
             "reconstruct: --stereo-angle ", p.get("stereo-angle"), " contradicts '", path,
             "/params.json' (", in.delta_deg, ")");
  } else {
    NpyArray a = load_npy(path);
    check_finite(a, path);
    SG_CHECK(a.shape.size() == 3 && a.shape[1] == 2 && a.shape[2] >= 16,
             "reconstruct: '", path, "' has shape ", shape_str(a.shape),
             "; expected stereo pairs of projections [N, 2, L] with L >= 16");
    SG_CHECK(p.given("stereo-angle"), "reconstruct: '", path,
             "' is a bare .npy: give the pairs' --stereo-angle");
    in.delta_deg = p.get_double("stereo-angle");
    in.pairs = std::move(a.data);
    in.N = a.shape[0];
    in.L = a.shape[2];
  }
  SG_CHECK(in.delta_deg > 0 && in.delta_deg < 180, "reconstruct: the stereo angle must be in (0, 180) degrees, got ",
           in.delta_deg);
  SG_CHECK(in.N >= 8, "reconstruct: '", path, "' holds ", in.N, " pairs; at least 8 are needed");
  for (int64_t i = 0; i < 2 * in.N; ++i) {
    double c;
    SG_CHECK(projection_centre(in.pairs.data() + i * in.L, in.L, c),
             "reconstruct: projection ", i / 2, ".", i % 2, " of '", path,
             "' is empty or negative in sum: no particle in it");
    if (centre) centre_projection(in.pairs.data() + i * in.L, in.L);
  }
  return in;
}

// The folder's true angles, when it has them: read only once the angles are recovered.
void attach_truth(PairInput& in, const std::string& path) {
  if (!std::filesystem::is_directory(path) ||
      !std::filesystem::exists(std::filesystem::path(path) / "angles.npy"))
    return;
  in.ds = load_dataset_folder(path, in.ds.params, "scoring the recovered angles");
  in.has_truth = true;
}

// Accuracy of angles (first projection of each pair) against the truth, the offset and
// mirror removed by evaluate_angles; with `folded`, modulo the shape's projection
// ambiguity (a single projection of the 'T' cannot tell θ from 180° − θ; a pair can).
Accuracy score(const std::vector<double>& angles_deg, const std::vector<float>& truth,
               const Ambiguity* folded = nullptr) {
  std::vector<float> pred(truth.size());
  for (size_t i = 0; i < truth.size(); ++i) pred[i] = float(angles_deg[i]);
  return folded && folded->fold ? evaluate_angles_folded(pred, truth, *folded) : evaluate_angles(pred, truth, 1);
}

// When every projection shows one particle (a fixed size): the reconstruction `object`
// from `angles_deg` [2N] against the true shape, beside FBP of the same projections at
// the true angles (the best any angle estimate could do), both aligned in rotation and
// mirror. Pictures and figures go to dir (names prefixed) and j.
void reconstruction_error(const PairInput& in, const std::vector<double>& angles_deg,
                          const std::filesystem::path& dir, const std::string& prefix, nlohmann::json& j) {
  const GenParams& g = in.ds.params;
  if (!in.has_truth || g.radius_min != g.radius_max) return;
  const ParticleShape shape = ParticleShape::make(g.shape, g.sides);
  const Image truth =
      render(shape, sinogram_pose(in.L, g.radius_min * double(g.size), 0), g.supersample, in.L);
  const std::vector<double> true_angles =
      with_partners(std::vector<double>(in.ds.angles.begin(), in.ds.angles.end()), in.delta_deg);
  const std::vector<float> flat = firsts_then_partners(in.pairs.data(), in.N, in.L);
  const Image oracle = back_project(flat.data(), 2 * in.N, in.L, true_angles);
  const Alignment a = aligned_rmse(flat.data(), 2 * in.N, in.L, angles_deg, truth),
                  b = aligned_rmse(flat.data(), 2 * in.N, in.L, true_angles, truth);
  write_png((dir / (prefix + "truth.png")).string(), truth, 0, 1);
  write_png((dir / (prefix + "object_true_angles.png")).string(), oracle);
  std::cout << prefix << "reconstruction from " << 2 * in.N << " projections: RMSE " << a.rmse
            << " (aligned: rotated " << a.angle_deg << "°" << (a.mirrored ? ", mirrored" : "")
            << "); with the true angles " << b.rmse << " (ratio " << a.rmse / b.rmse << ")\n";
  j[prefix + "rmse"] = a.rmse;
  j[prefix + "rmse_true_angles"] = b.rmse;
  j[prefix + "rmse_ratio"] = a.rmse / b.rmse;
  j[prefix + "alignment"] = {{"angle_deg", a.angle_deg}, {"mirrored", a.mirrored}};
  // The first versions aligned the reconstructed image itself (bilinear resampling).
  j[prefix + "rmse_image_aligned"] = a.resampled_rmse;
}

// A dataset folder whose angles.npy holds the recovered angles, not the truth: the input
// pairs (centred as recovery saw them), then `synthetic` pairs projected from the
// recovered object at uniform random angles (seeded), so a model can be distilled from
// the label-free recovery with the supervised objective. The angles are in the recovered
// frame (arbitrary zero).
void write_pseudo_labels(const PairInput& in, const Recovered& r, int64_t synthetic, const std::string& dir,
                         nlohmann::json& j) {
  SG_CHECK(synthetic >= 0 && synthetic <= 10000000, "--synthetic must be in [0, 10000000], got ", synthetic);
  Dataset ds;
  ds.params = in.ds.params;
  ds.params.projection = true;
  ds.params.subpixel_centre = true;
  ds.params.size = in.L;
  ds.params.stereo_angle_deg = in.delta_deg;
  ds.params.count = in.N + synthetic;
  // The recovered particle's own fold, in the frame of these angles: a model distilled
  // from them reads a pair with it (models/angle_heatmap.h).
  const DetectedFold fold = detect_fold(make_templates(r.object(), matching_step(in.delta_deg)), in.delta_deg);
  ds.params.fold_deg = fold.ambiguity.fold ? wrap_positive(fold.ambiguity.fold_deg) : -1;
  ds.images = in.pairs;
  ds.angles.assign(r.angles_deg.begin(), r.angles_deg.begin() + in.N);
  ds.images.resize(size_t((in.N + synthetic) * 2 * in.L));
  Rng rng(0x9e3779b9, 1);
  for (int64_t i = 0; i < synthetic; ++i) {
    const double theta = 360.0 * rng.uniform();
    float* pair = ds.images.data() + (in.N + i) * 2 * in.L;
    forward_project(r.object(), theta, pair);
    forward_project(r.object(), theta + in.delta_deg, pair + in.L);
    centre_projection(pair, in.L);
    centre_projection(pair + in.L, in.L);
    ds.angles.push_back(float(theta));
  }
  save_dataset(dir, ds);
  j["pseudo_labels"] = {{"dir", dir}, {"recovered_pairs", in.N}, {"synthetic_pairs", synthetic},
                        {"fold_deg", ds.params.fold_deg}};
  std::cout << "wrote " << in.N << " recovered + " << synthetic << " synthetic pseudo-labelled pairs to " << dir << "\n";
}
}  // namespace

ArgParser reconstruct_options() {
  ArgParser p("reconstruct",
              "Recover the angles of unlabelled stereo pairs of 1-D projections from the\n"
              "projections and the stereo angle alone (angular synchronisation over a\n"
              "nearest-neighbour graph, then rounds of projection matching against the\n"
              "filtered back projection), and reconstruct the particle. --input is a dataset\n"
              "folder (gen --projection) or a .npy [N, 2, L]. Writes DIR/angles.npy [N, 2]\n"
              "(degrees, arbitrary zero), DIR/object.npy + .png, DIR/report.json. When the\n"
              "truth is known (a folder with angles.npy) it also scores the angles and the\n"
              "reconstruction (after aligning rotation and mirror) against FBP with the\n"
              "true angles; --test DIR scores unseen pairs matched against the object.");
  p.option("input", "PATH", "stereo pairs: dataset folder or .npy [N, 2, L]", "", true)
      .option("out", "DIR", "output folder (created)", "", true)
      .option("stereo-angle", "DEG", "the pairs' stereo angle (a folder's params.json has it)")
      .option("neighbours", "K[,K...]", "neighbours per projection in the graph; several: one restart\n"
              "each, the lowest matching cost kept", "6,8,12,16")
      .option("pair-weight", "W", "weight of a stereo edge against a neighbour edge", "10")
      .option("half-turn-edges", "B[,B...]", "1: also join projections that match another reversed (half a\n"
              "turn apart) where that reading is clear (data/angle_sync.h), 0: not; several:\n"
              "one restart each; a half-turn one replaces a plain one only if it costs 10 % less", "0,1")
      .flag("no-context", "keep every neighbour edge, even where the stereo partners say the two\n"
            "projections are mirror images (θ and c − θ of a mirror-symmetric particle)")
      .option("context-mixed", "X[,X...]", "drop a first-partner neighbour edge whose contexts are nearer than\n"
              "X times the pair's step (data/angle_sync.h); several: one restart each, the\n"
              "earlier kept unless a later one costs 1 % less", "2,1")
      .option("rounds", "R", "projection-matching rounds after the synchronisation, at least", "3")
      .option("max-rounds", "R", "and more, up to R, while each lowers the matching cost by over 0.1 %", "12")
      .option("warp", "H", "after each matching round, fit the stereo warp of the angles (H\n"
              "harmonics; each projection of a pair matched alone, data/projection_matching.h)\n"
              "and take it out before the next round's object; 0: off", "16")
      .option("test", "DIR", "unseen pairs (dataset folder with angles) to match and score")
      .option("pseudo-labels", "DIR", "write a dataset folder for supervised training of a model: the\n"
              "input pairs (centred) at their recovered angles, plus --synthetic pairs of the\n"
              "recovered object at random angles (no true angle is in it)")
      .option("synthetic", "N", "pairs of the recovered object added to --pseudo-labels", "0")
      .flag("no-centre", "keep the projections' own centring (no sub-pixel shift)");
  return p;
}

int cmd_reconstruct(const Args& args) {
  ArgParser p = reconstruct_options();
  if (!p.parse(args, std::cout)) return 0;
  const bool centre = !p.get_flag("no-centre");
  RecoverOptions o;
  const int64_t rounds = p.get_int("rounds");
  SG_CHECK(rounds >= 0 && rounds <= 100, "--rounds must be in [0, 100], got ", rounds);
  o.neighbour_tries.clear();
  for (double k : parse_number_list(p.get("neighbours"), "reconstruct: --neighbours")) {
    SG_CHECK(k == std::floor(k) && k >= 1 && k <= 100, "--neighbours must be integers in [1, 100], got '",
             p.get("neighbours"), "'");
    o.neighbour_tries.push_back(int(k));
  }
  SG_CHECK(!o.neighbour_tries.empty() && o.neighbour_tries.size() <= 10,
           "--neighbours takes 1 to 10 values, got '", p.get("neighbours"), "'");
  o.sync.neighbours = o.neighbour_tries.front();
  o.sync.pair_weight = p.get_double("pair-weight");
  SG_CHECK(std::isfinite(o.sync.pair_weight) && o.sync.pair_weight > 0,
           "--pair-weight must be a positive number, got ", p.get("pair-weight"));
  o.rounds = int(rounds);
  const int64_t max_rounds = p.get_int("max-rounds");
  SG_CHECK(max_rounds >= 0 && max_rounds <= 100, "--max-rounds must be in [0, 100], got ", max_rounds);
  o.max_rounds = int(max_rounds);
  const int64_t warp = p.get_int("warp");
  SG_CHECK(warp >= 0 && warp <= 64, "--warp must be in [0, 64], got ", warp);
  o.warp_harmonics = int(warp);
  o.sync.check_context = !p.get_flag("no-context");
  o.half_turn_tries.clear();
  for (double b : parse_number_list(p.get("half-turn-edges"), "reconstruct: --half-turn-edges")) {
    SG_CHECK(b == 0 || b == 1, "--half-turn-edges takes 0 and 1 only, got '", p.get("half-turn-edges"), "'");
    o.half_turn_tries.push_back(b == 1);
  }
  SG_CHECK(!o.half_turn_tries.empty() && o.half_turn_tries.size() <= 2, "--half-turn-edges takes 1 or 2 values, got '",
           p.get("half-turn-edges"), "'");
  o.sync.half_turn_edges = o.half_turn_tries.front();
  o.context_mixed_tries = parse_number_list(p.get("context-mixed"), "reconstruct: --context-mixed");
  SG_CHECK(!o.context_mixed_tries.empty() && o.context_mixed_tries.size() <= 4,
           "--context-mixed takes 1 to 4 values, got '", p.get("context-mixed"), "'");
  for (double c : o.context_mixed_tries)
    SG_CHECK(std::isfinite(c) && c >= 0 && c <= 100, "--context-mixed values must be in [0, 100], got '",
             p.get("context-mixed"), "'");
  o.sync.context_mixed = o.context_mixed_tries.front();
  PairInput in = read_pairs(p.get("input"), p, centre);
  PairInput test;
  if (p.given("test")) {
    test = read_pairs(p.get("test"), p, centre);
    SG_CHECK(test.L == in.L && std::abs(test.delta_deg - in.delta_deg) < 1e-9,
             "reconstruct: --test pairs must have the input's length and stereo angle");
  }

  const Recovered r = recover_angles(in.pairs.data(), in.N, in.L, in.delta_deg, o);
  attach_truth(in, p.get("input"));
  if (p.given("test")) {
    attach_truth(test, p.get("test"));
    SG_CHECK(test.has_truth, "reconstruct: --test '", p.get("test"),
             "' has no angles.npy: scoring unseen pairs needs their true angles");
  }
  const std::filesystem::path dir = p.get("out");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  SG_CHECK(!ec, "cannot create directory '", dir.string(), "': ", ec.message());
  std::vector<float> angles(static_cast<size_t>(2 * in.N));
  for (int64_t i = 0; i < in.N; ++i) {
    angles[size_t(2 * i)] = float(r.angles_deg[size_t(i)]);
    angles[size_t(2 * i + 1)] = float(r.angles_deg[size_t(in.N + i)]);
  }
  save_npy((dir / "angles.npy").string(), {in.N, 2}, angles.data());
  save_npy((dir / "object.npy").string(), {in.L, in.L}, r.object().px.data());
  write_png((dir / "object.png").string(), r.object());

  nlohmann::json j{{"command", "reconstruct"},
                   {"pairs", in.N},
                   {"length", in.L},
                   {"stereo_angle_deg", in.delta_deg},
                   {"centred", centre},
                   {"neighbours", r.neighbours},
                   {"neighbour_tries", o.neighbour_tries},
                   {"try_cost", r.try_cost},
                   {"context_mixed_tries", o.context_mixed_tries},
                   {"context_mixed", r.context_mixed},
                   {"pair_weight", o.sync.pair_weight},
                   {"context_checked", o.sync.check_context},
                   {"folded_edges", r.sync.folded_edges},
                   {"half_turn_edges", r.half_turn_edges},
                   {"half_turn_tries", o.half_turn_tries},
                   {"unclear_edges", r.sync.unclear_edges},
                   {"half_turn_fraction", r.sync.half_turn_fraction},
                   {"sync_eigenvalue", r.sync.eigenvalue},
                   {"sync_residual", r.sync.residual},
                   {"sync_steps", r.sync.steps},
                   {"neighbour_disagreement_deg", r.sync.neighbour_disagreement_deg},
                   {"round_cost", r.round_cost},
                   {"round_warp_deg", r.round_warp_deg},
                   {"warp_harmonics", o.warp_harmonics},
                   {"best_round", r.best_round}};
  std::cout << "reconstruct: " << in.N << " pairs of length " << in.L << ", δ = " << in.delta_deg
            << "°: synchronisation in " << r.sync.steps << " Lanczos steps, neighbours "
            << r.sync.neighbour_disagreement_deg << "° apart (median); matching round "
            << r.best_round << " of " << r.round_cost.size() << " kept\n";
  if (in.has_truth) {
    const Accuracy sync = score(r.sync.angles_deg, in.ds.angles);
    const Accuracy fin = score(r.angles_deg, in.ds.angles);
    std::cout << table_header() << table_row("sync", sync) << table_row("matched", fin);
    j["accuracy_sync"] = to_json(sync);
    j["accuracy"] = to_json(fin);
    reconstruction_error(in, r.angles_deg, dir, "", j);
  }
  if (p.given("test")) {
    const Templates t = make_templates(r.object(), matching_step(in.delta_deg));
    const Matched pair = match_pairs(t, test.pairs.data(), test.N, test.delta_deg);
    std::vector<float> firsts(static_cast<size_t>(test.N * test.L));
    for (int64_t i = 0; i < test.N; ++i)
      std::copy_n(test.pairs.data() + 2 * i * test.L, test.L, firsts.begin() + i * test.L);
    Matched single = match_single(t, firsts.data(), test.N);
    // A single projection of a mirror-symmetric object fixes θ only up to its fold: the
    // answer is the canonical member of {θ, c − θ}, c read from the object itself.
    const DetectedFold fold = detect_fold(t, in.delta_deg);
    if (fold.ambiguity.fold)
      for (double& a : single.angles_deg) a = canonical_angle(a, fold.ambiguity);
    const Ambiguity truth_ambiguity =
        projection_ambiguity(ParticleShape::make(test.ds.params.shape, test.ds.params.sides));
    const Accuracy ap = score(pair.angles_deg, test.ds.angles);
    const Accuracy as = score(single.angles_deg, test.ds.angles, &truth_ambiguity);
    std::cout << "unseen pairs (" << test.N << "), matched against the object"
              << (fold.ambiguity.fold ? " (it has a fold: single projections are scored modulo it)" : "")
              << ":\n" << table_header() << table_row("single", as) << table_row("pair", ap);
    j["test"] = {{"pairs", test.N}, {"single", to_json(as)}, {"pair", to_json(ap)},
                 {"object_fold", {{"fold", fold.ambiguity.fold}, {"fold_deg", fold.ambiguity.fold_deg},
                                  {"residual_ratio", fold.residual_ratio}}},
                 {"single_scored_modulo_fold", truth_ambiguity.fold}};
    std::vector<float> out(static_cast<size_t>(3 * test.N));
    for (int64_t i = 0; i < test.N; ++i) {
      out[size_t(3 * i)] = float(pair.angles_deg[size_t(i)]);
      out[size_t(3 * i + 1)] = float(single.angles_deg[size_t(i)]);
      out[size_t(3 * i + 2)] = float(fold.ambiguity.fold ? wrap_positive(fold.ambiguity.fold_deg - single.angles_deg[size_t(i)])
                                                          : single.angles_deg[size_t(i)]);
    }
    save_npy((dir / "test_angles.npy").string(), {test.N, 3}, out.data());
    // The unseen pairs' own reconstruction at their matched angles.
    const std::vector<double> both = with_partners(pair.angles_deg, test.delta_deg);
    const Image test_object = back_project(firsts_then_partners(test.pairs.data(), test.N, test.L).data(),
                                           2 * test.N, test.L, both);
    write_png((dir / "test_object.png").string(), test_object);
    reconstruction_error(test, both, dir, "test_", j);
    const GenParams& g = test.ds.params;
    if (g.radius_min == g.radius_max) {
      // The ceiling: the same matching against the true shape's projections.
      const Templates known = shape_templates(ParticleShape::make(g.shape, g.sides), test.L,
                                              g.radius_min * double(g.size), g.supersample,
                                              matching_step(in.delta_deg));
      const Accuracy kp = score(match_pairs(known, test.pairs.data(), test.N, test.delta_deg).angles_deg,
                                test.ds.angles);
      const Accuracy ks =
          score(match_single(known, firsts.data(), test.N).angles_deg, test.ds.angles, &truth_ambiguity);
      std::cout << "the same pairs matched against the true shape (knows the shape):\n"
                << table_row("single", ks) << table_row("pair", kp);
      j["test"]["known_shape"] = {{"single", to_json(ks)}, {"pair", to_json(kp)}};
    }
  }
  if (p.given("pseudo-labels")) write_pseudo_labels(in, r, p.get_int("synthetic"), p.get("pseudo-labels"), j);
  const std::string text = j.dump(2) + "\n";
  write_file_atomic((dir / "report.json").string(), [&](std::ostream& out) { out << text; });
  std::cout << j.dump() << "\n";
  return 0;
}

}  // namespace sg

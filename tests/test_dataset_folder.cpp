// Training and evaluating from a dataset folder (config key data.path, `eval --data`;
// docs/data.md, "Training from a folder"): gen's folders and minimal ones written by
// another renderer train without angles.npy, every bad folder stops the CLI with one
// line naming the problem, and `eval --data` scores exactly what the generated path does.
#include <doctest/doctest.h>

#include "tests/temp_dir.h"
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "data/dataset_io.h"
#include "data/projection.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "tests/cli_run.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

using namespace sg;
namespace fs = std::filesystem;

namespace {

struct Dir : test::TempDir {
  Dir() : TempDir("dataset_folder") {}
  std::string sub(const std::string& name) const { return file(name); }
};

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A one-epoch run of the 1-D Difference Model on 32-value projections of the S.
nlohmann::json tiny_config(const std::string& data_path) {
  nlohmann::json c = nlohmann::json::parse(R"({
    "name": "folder", "model": "difference1d", "stages": [1.0], "epochs_per_stage": 1,
    "final_epochs": 0, "batch": 16, "eval_pairs": 40, "wrap": "symmetric",
    "data": {"shape": "s", "count": 48, "size": 32, "projection": true, "stereo_angle_deg": 5}})");
  if (!data_path.empty()) c["data"]["path"] = data_path;
  return c;
}

std::string write_config(const Dir& d, const std::string& name, const nlohmann::json& c) {
  write_text(d.sub(name), c.dump());
  return d.sub(name);
}

// gen's folder: 48 pairs of S projections, 32 values each, δ = 10°, seed 7.
std::string gen_folder(const Dir& d, const std::string& name, const std::string& extra = "") {
  const test::Run r = test::run_cli("gen --out " + d.sub(name) + " --shape s --count 48 --size 32 "
                                    "--stereo-angle 10 --seed 7 --projection" + extra);
  REQUIRE(r.status == 0);
  return d.sub(name);
}

using test::one_line_error;

GenParams s_projections(int64_t count, uint64_t seed) {
  GenParams p;
  p.shape = "s";
  p.count = count;
  p.size = 32;
  p.projection = true;
  p.seed = seed;
  return p;
}

}  // namespace

TEST_CASE("folder: data.path is a config key with the wrong type named and a faithful JSON round trip") {
  CHECK(test::config_error_of(R"({"data": {"path": 3}})").find("'path' has the wrong type") != std::string::npos);
  const TrainConfig c = config_from_json(tiny_config("/some/dir"), "cfg");
  CHECK(c.data_path == "/some/dir");
  CHECK(to_json(config_from_json(to_json(c), "round trip")) == to_json(c));
  // Without the key the config's JSON is what it was before the key existed.
  CHECK_FALSE(to_json(config_from_json(tiny_config(""), "cfg")).at("data").contains("path"));
}

TEST_CASE("folder: the trainer trains on the folder's pairs, never reads angles.npy, and takes its δ") {
  Dir d;
  const std::string folder = gen_folder(d, "gen");
  const Dataset on_disk = load_dataset(folder);
  fs::remove(folder + "/angles.npy");
  const TrainConfig cfg = config_from_json(tiny_config(folder), "cfg");
  Trainer t(cfg, d.sub("run_inproc"), Device::CPU);
  CHECK(t.train_data().images == on_disk.images);
  CHECK(t.train_data().count() == 48);
  CHECK_FALSE(t.train_data().has_angles());
  CHECK(t.config().data.stereo_angle_deg == 10.0);  // the folder's, not the config's 5
  CHECK(t.train_data().images != generate(cfg.data).images);  // not the config's generator
  // Stopped after one of two epochs and resumed: the checkpoint's config (δ = 10°, the
  // folder's) is the config the resumed trainer derives again from the same file.
  nlohmann::json two_epochs = tiny_config(folder);
  two_epochs["final_epochs"] = 1;
  const TrainConfig cfg2 = config_from_json(two_epochs, "cfg");
  {
    Trainer part(cfg2, d.sub("run_resume"), Device::CPU);
    part.set_epoch_limit(1);
    part.run(false, stderr);
    CHECK(part.stopped_early());
  }
  Trainer resumed(cfg2, d.sub("run_resume"), Device::CPU);
  resumed.run(true, stderr);
  CHECK(resumed.epochs_done() == 2);

  // The CLI run: trains, then evaluates on generated unseen pairs, and records δ = 10°.
  const test::Run r = test::run_cli("train --config " + write_config(d, "c.json", tiny_config(folder)) +
                                    " --out " + d.sub("run"));
  CAPTURE(r.out);
  REQUIRE(r.status == 0);
  CHECK(test::has(r.out, "δ = 10° from its params.json; the config's 5° is not used"));
  CHECK(test::has(r.out, "48 pairs"));
  CHECK(test::has(r.out, "accuracy on 40 unseen pairs"));
  CHECK(read_checkpoint(d.sub("run/checkpoint.safetensors")).config.data.stereo_angle_deg == 10.0);
  CHECK_FALSE(fs::exists(d.sub("run/curriculum.svg")));  // its x axis would be the true angles
  // --stereo-angle would contradict the folder.
  one_line_error(test::run_cli("train --config " + d.sub("c.json") + " --out " + d.sub("run2") +
                               " --stereo-angle 3"),
                 "--stereo-angle does not apply with data.path");
  one_line_error(test::run_cli("sweep --config " + d.sub("c.json") + " --angles 5 --out " + d.sub("sw")),
                 "sweep: the config trains on the folder");
}

TEST_CASE("folder: a minimal params.json with images.npy from elsewhere trains") {
  Dir d;
  const Dataset src = generate(s_projections(32, 3));
  fs::create_directories(d.sub("min"));
  save_npy(d.sub("min/images.npy"), src.image_shape(), src.images.data());
  write_text(d.sub("min/params.json"), R"({"stereo_angle_deg": 10})");
  write_text(d.sub("min/angles.npy"), "not a .npy file: proof that training never opens it");
  const test::Run r = test::run_cli("train --config " + write_config(d, "c.json", tiny_config(d.sub("min"))) +
                                    " --out " + d.sub("run"));
  CAPTURE(r.out);
  CHECK(r.status == 0);
  CHECK(test::has(r.out, "32 pairs, δ = 10°"));

  // The optional keys: a shape of the model's order (t and s are both n = 1) is accepted;
  // in-process, the images are the file's and the order the model's.
  write_text(d.sub("min/params.json"), R"({"stereo_angle_deg": 12.5, "order": 1, "shape": "t"})");
  const TrainConfig cfg = config_from_json(tiny_config(d.sub("min")), "cfg");
  const Dataset ds = folder_data(cfg, d.sub("min"), "");
  CHECK(ds.images == src.images);
  CHECK(ds.order() == 1);
  CHECK(ds.stereo_angle_deg() == 12.5);
  CHECK(ds.params.shape == "t");

  // 2-D images [N, 2, H, W] for the 2-D model; the order comes from the config's square.
  GenParams p2 = s_projections(4, 1);
  p2.projection = false;
  p2.shape = "square";
  const Dataset img = generate(p2);
  fs::create_directories(d.sub("img"));
  save_npy(d.sub("img/images.npy"), img.image_shape(), img.images.data());
  write_text(d.sub("img/params.json"), R"({"stereo_angle_deg": 20, "order": 4})");
  nlohmann::json c2 = tiny_config(d.sub("img"));
  c2["model"] = "difference2d";
  c2["data"]["projection"] = false;
  c2["data"]["shape"] = "square";
  const Dataset two = folder_data(config_from_json(c2, "cfg"), d.sub("img"), "");
  CHECK(two.image_shape() == std::vector<int64_t>{4, 2, 32, 32});
  CHECK(two.images == img.images);
  CHECK(two.order() == 4);

  // load_dataset stays gen's reader: a minimal params.json is not gen's file.
  save_npy(d.sub("img/angles.npy"), {4}, img.angles.data());
  CHECK_THROWS_WITH_AS(load_dataset(d.sub("img")), doctest::Contains("not a stereograd-pairs parameter file"),
                       Error);
}

TEST_CASE("folder: every bad folder stops train with one line naming the file and the problem") {
  Dir d;
  const Dataset src = generate(s_projections(4, 2));
  const std::string f = d.sub("bad");
  auto fresh = [&](const std::string& params) {
    fs::remove_all(f);
    fs::create_directories(f);
    save_npy(f + "/images.npy", src.image_shape(), src.images.data());
    write_text(f + "/params.json", params);
  };
  const std::string cfg = write_config(d, "c.json", tiny_config(f));
  auto train_error = [&](const std::string& part) {
    one_line_error(test::run_cli("train --config " + cfg + " --force --out " + d.sub("run")), part);
  };
  fresh(R"({"stereo_angle_deg": 10})");
  CHECK(test::run_cli("train --config " + cfg + " --force --out " + d.sub("run")).status == 0);  // the good one

  fs::remove_all(f);
  train_error("dataset folder '" + f + "' does not exist");
  write_text(f, "a file");
  train_error("'" + f + "' is a file, not a dataset folder");
  fresh("{}");
  fs::remove(f + "/params.json");
  train_error(f + " has no params.json: it needs at least stereo_angle_deg");
  fresh(R"({"stereo_angle_deg": 10)");
  train_error("params.json' is not valid JSON");
  fresh("{}");
  train_error("params.json': it needs at least stereo_angle_deg");
  fresh("[10]");
  train_error("params.json': expected a JSON object");
  fresh(R"({"stereo_angle_deg": 10, "colour": "red"})");
  train_error("params.json': unknown key 'colour'");
  fresh(R"({"stereo_angle_deg": "10"})");
  train_error("'stereo_angle_deg' must be a number, got \"10\"");
  fresh(R"({"stereo_angle_deg": 180})");
  train_error("stereo_angle_deg must be in (0, 180) degrees, got 180");
  fresh(R"({"stereo_angle_deg": -1})");
  train_error("stereo_angle_deg must be in (0, 180) degrees, got -1");
  fresh(R"({"stereo_angle_deg": 10, "order": 1.5})");
  train_error("'order' must be an integer in [1, 360], got 1.5");
  fresh(R"({"stereo_angle_deg": 10, "order": 18446744073709551615})");
  train_error("'order' must be an integer in [1, 360]");
  fresh(R"({"stereo_angle_deg": 10, "order": 4})");
  train_error("order 4 contradicts shape 's' (order 1, from the config's data.shape)");
  fresh(R"({"stereo_angle_deg": 10, "shape": "square"})");
  train_error("names shape 'square' of order 4 but the model reads order 1");
  fresh(R"({"stereo_angle_deg": 10, "shape": "hexagon"})");
  train_error("unknown shape 'hexagon'");
  fresh(R"({"stereo_angle_deg": 10, "sides": 6})");
  train_error("'sides' needs 'shape': \"polygon\"");

  fresh(R"({"stereo_angle_deg": 10})");
  fs::remove(f + "/images.npy");
  train_error("images.npy': no such file");
  save_npy(f + "/images.npy", {4, 64}, src.images.data());
  train_error("images.npy' has shape [4, 64]; expected stereo pairs [N, 2, L]");
  save_npy(f + "/images.npy", {2, 2, 4, 8}, src.images.data());
  train_error("images.npy' has shape [2, 2, 4, 8]; expected stereo pairs");
  save_npy(f + "/images.npy", {0, 2, 32}, src.images.data());
  train_error("images.npy' holds no pairs");
  save_npy(f + "/images.npy", {8, 2, 16}, src.images.data());
  train_error("images.npy' has shape [8, 2, 16] but model difference1d wants [8, 2, 32] (data.size 32");
  save_npy(f + "/images.npy", {1, 2, 8, 8}, src.images.data());
  train_error("images.npy' has shape [1, 2, 8, 8] but model difference1d wants [1, 2, 32]");
  std::vector<float> nan = src.images;
  nan[70] = std::numeric_limits<float>::infinity();
  save_npy(f + "/images.npy", src.image_shape(), nan.data());
  train_error("images.npy");
  train_error("expected finite values");

  // gen's full params.json must agree with images.npy.
  gen_folder(d, "gen");
  save_npy(d.sub("gen/images.npy"), {4, 2, 32}, src.images.data());
  write_config(d, "g.json", tiny_config(d.sub("gen")));
  one_line_error(test::run_cli("train --config " + d.sub("g.json") + " --force --out " + d.sub("run")),
                 "images.npy' has shape [4, 2, 32] but '" + d.sub("gen/params.json") + "' describes [48, 2, 32]");
}

TEST_CASE("folder: supervised mode and the angle_range curriculum need angles.npy, and check it") {
  Dir d;
  const std::string folder = gen_folder(d, "gen");
  const Dataset on_disk = load_dataset(folder);
  nlohmann::json sup = tiny_config(folder), range = tiny_config(folder);
  sup["mode"] = "supervised";
  range["curriculum"] = "angle_range";
  const std::string sup_cfg = write_config(d, "sup.json", sup), range_cfg = write_config(d, "range.json", range);
  // With angles.npy they read it: the trainer's angles are the folder's.
  Trainer t(config_from_json(sup, "cfg"), d.sub("inproc"), Device::CPU);
  CHECK(t.train_data().angles == on_disk.angles);
  CHECK(test::run_cli("train --config " + range_cfg + " --force --out " + d.sub("run")).status == 0);

  std::vector<float> bad = on_disk.angles;
  save_npy(folder + "/angles.npy", {47}, bad.data());
  one_line_error(test::run_cli("train --config " + sup_cfg + " --force --out " + d.sub("run")),
                 "angles.npy' has shape [47] but '" + folder + "/images.npy' holds 48 pairs");
  bad[5] = 360.0f;
  save_npy(folder + "/angles.npy", {48}, bad.data());
  one_line_error(test::run_cli("train --config " + range_cfg + " --force --out " + d.sub("run")),
                 "holds 360 at index 5: angles must be degrees in [0, 360)");
  fs::remove(folder + "/angles.npy");
  one_line_error(test::run_cli("train --config " + sup_cfg + " --force --out " + d.sub("run")),
                 folder + " has no angles.npy: mode supervised trains on the true angles");
  one_line_error(test::run_cli("train --config " + range_cfg + " --force --out " + d.sub("run")),
                 folder + " has no angles.npy: curriculum angle_range ranks pairs by their true angles");
}

TEST_CASE("folder: eval --data scores the folder's pairs as the generated path scores the same pairs") {
  Dir d;
  const TrainConfig cfg = config_from_json(tiny_config(""), "cfg");
  REQUIRE(test::run_cli("train --config " + write_config(d, "c.json", tiny_config("")) + " --out " +
                        d.sub("run")).status == 0);
  const std::string ck = d.sub("run/checkpoint.safetensors");
  // The very pairs `eval` generates (evaluation_data), written as gen writes a folder.
  const Dataset unseen = evaluation_data(cfg, cfg.eval_pairs);
  save_dataset(d.sub("unseen"), unseen);
  const test::Run gen = test::run_cli("eval --checkpoint " + ck + " --out " + d.sub("e_gen"));
  const test::Run dir = test::run_cli("eval --checkpoint " + ck + " --data " + d.sub("unseen") +
                                      " --out " + d.sub("e_dir"));
  CAPTURE(gen.out);
  CAPTURE(dir.out);
  REQUIRE(gen.status == 0);
  REQUIRE(dir.status == 0);
  CHECK(test::has(dir.out, "on 40 pairs of " + d.sub("unseen")));
  auto eval_json = [&](const std::string& out) {
    const std::vector<char> b = read_file_bytes(out + "/eval.json");
    return nlohmann::json::parse(std::string(b.begin(), b.end()));
  };
  const nlohmann::json a = eval_json(d.sub("e_gen")), b = eval_json(d.sub("e_dir"));
  CHECK(a == b);  // every statistic, bit for bit
  // The table's last line (the accuracy row) is the same too.
  auto last_line = [](const std::string& s) {
    const size_t end = s.find_last_of('\n'), start = s.find_last_of('\n', end - 1);
    return s.substr(start + 1, end - start - 1);
  };
  CHECK(last_line(gen.out) == last_line(dir.out));

  // The pairs in another order, each with its own angle: the same statistics (they are
  // sums over pairs), the same count; pairing angles with the wrong images would not be.
  std::vector<int64_t> perm(size_t(unseen.count()));
  std::iota(perm.begin(), perm.end(), 0);
  std::reverse(perm.begin(), perm.end());
  Dataset shuffled = unseen;
  for (size_t k = 0; k < perm.size(); ++k) {
    std::copy(unseen.pair(perm[k]), unseen.pair(perm[k]) + unseen.sample_floats(),
              shuffled.images.begin() + std::ptrdiff_t(k) * unseen.sample_floats());
    shuffled.angles[k] = unseen.angles[size_t(perm[k])];
  }
  save_dataset(d.sub("reversed"), shuffled);
  REQUIRE(test::run_cli("eval --checkpoint " + ck + " --data " + d.sub("reversed") + " --out " +
                        d.sub("e_rev")).status == 0);
  const nlohmann::json c = eval_json(d.sub("e_rev"));
  for (const char* k : {"std_deg", "offset_deg", "mean_deg", "within_0_5", "within_1", "within_2", "within_3"}) {
    CAPTURE(k);
    CHECK(std::abs(c.at(k).get<double>() - a.at(k).get<double>()) < 1e-3);
  }
  CHECK(c.at("count") == a.at("count"));
  CHECK(c.at("mirrored") == a.at("mirrored"));

  // Without angles.npy there is nothing to score against; a folder for another model is refused.
  fs::remove(d.sub("unseen/angles.npy"));
  one_line_error(test::run_cli("eval --checkpoint " + ck + " --data " + d.sub("unseen")),
                 "eval: " + d.sub("unseen") + " has no angles.npy: accuracy needs the true angles");
  one_line_error(test::run_cli("eval --checkpoint " + ck + " --data " + d.sub("unseen") + " --pairs 5"),
                 "eval: --pairs counts generated pairs");
  gen_folder(d, "wide", " --size 64");
  one_line_error(test::run_cli("eval --checkpoint " + ck + " --data " + d.sub("wide")),
                 "eval: '" + d.sub("wide") + "/images.npy' has shape [48, 2, 64] but model difference1d wants");
}

// Centre of mass of a projection, a plain loop: Σ j·p_j / Σ p_j.
static double centroid(const float* p, int64_t n) {
  double s = 0, m = 0;
  for (int64_t j = 0; j < n; ++j) {
    s += p[j];
    m += double(j) * p[j];
  }
  return m / s;
}

TEST_CASE("folder: data.subpixel_centre centres generated and folder projections exactly at L/2") {
  const Dir d;
  nlohmann::json c = tiny_config("");
  c["data"]["subpixel_centre"] = true;
  const TrainConfig cfg = config_from_json(c, "cfg");
  CHECK(to_json(config_from_json(to_json(cfg), "round trip")) == to_json(cfg));
  const Dataset gen = evaluation_data(cfg, 20);
  double worst = 0;
  for (int64_t i = 0; i < 40; ++i) worst = std::max(worst, std::fabs(centroid(gen.images.data() + i * 32, 32) - 16.0));
  CHECK(worst < 0.03);  // the band-limited shift rings a little at a 32-sample particle's edges
  // Without it the whole-pixel roll leaves up to half a pixel (and more after projecting).
  const Dataset rolled = evaluation_data(config_from_json(tiny_config(""), "cfg"), 20);
  double off = 0;
  for (int64_t i = 0; i < 40; ++i) off = std::max(off, std::fabs(centroid(rolled.images.data() + i * 32, 32) - 16.0));
  CHECK(off > 0.05);
  // A folder's projections are centred on loading, as the generated ones are.
  const std::string folder = gen_folder(d, "g");
  const Dataset loaded = folder_data(cfg, folder, "");
  worst = 0;
  for (int64_t i = 0; i < 2 * loaded.count(); ++i)
    worst = std::max(worst, std::fabs(centroid(loaded.images.data() + i * 32, 32) - 16.0));
  CHECK(worst < 0.03);  // the band-limited shift rings a little at a 32-sample particle's edges
  // predict centres raw projections as training did: a projection and its copy rolled
  // by one sample (np.roll) are the same signal once centred, so they get the same angle.
  {
    Trainer t(cfg, d.sub("run_centre"), Device::CPU);
    t.run(false, stderr);
  }
  const Dataset raw = load_dataset(folder);
  std::vector<float> firsts(static_cast<size_t>(raw.count() * 32)), shifted(firsts.size());
  for (int64_t i = 0; i < raw.count(); ++i)
    for (int64_t j = 0; j < 32; ++j) {
      firsts[size_t(i * 32 + j)] = raw.pair(i)[j];
      shifted[size_t(i * 32 + (j + 1) % 32)] = raw.pair(i)[j];
    }
  save_npy(d.sub("raw.npy"), {raw.count(), 32}, firsts.data());
  save_npy(d.sub("rolled.npy"), {raw.count(), 32}, shifted.data());
  for (const char* name : {"raw", "rolled"})
    REQUIRE(test::run_cli("predict --checkpoint " + d.sub("run_centre") + "/checkpoint.safetensors --input " +
                          d.sub(std::string(name) + ".npy") + " --output " + d.sub(std::string(name) + "_angles.npy"))
                .status == 0);
  const NpyArray a1 = load_npy(d.sub("raw_angles.npy")), a2 = load_npy(d.sub("rolled_angles.npy"));
  REQUIRE(a1.data.size() == a2.data.size());
  for (size_t i = 0; i < a1.data.size(); ++i) CHECK(std::fabs(std::remainder(a1.data[i] - a2.data[i], 360.0)) < 0.01);
  // Only projections can be centred so.
  nlohmann::json bad = c;
  bad["model"] = "difference2d";
  bad["data"]["projection"] = false;
  CHECK_THROWS_WITH_AS(config_from_json(bad, "cfg"), doctest::Contains("subpixel_centre"), Error);
}

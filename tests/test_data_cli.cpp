// The data commands: stereograd gen and stereograd sinogram (train/cmd_gen.cpp,
// train/cmd_sinogram.cpp). Bad options must throw sg::Error (main turns that into a
// one-line message and exit code 1); good ones write their files and return 0.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "data/dataset_io.h"
#include "data/preprocess.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "train/commands.h"

using namespace sg;
namespace fs = std::filesystem;

namespace {

struct CliDir {
  fs::path path = fs::temp_directory_path() / ("sg_test_data_cli_" + std::to_string(::getpid()));
  CliDir() { fs::remove_all(path); }
  ~CliDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string sub(const std::string& name) const { return (path / name).string(); }
};

std::string error_of(int (*cmd)(const Args&), const Args& args) {
  try {
    cmd(args);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("cli gen: bad options give a clear error") {
  CliDir dir;
  const std::string out = dir.sub("bad");
  auto gen_error = [&](Args extra) {
    Args args = {"--out", out, "--count", "4"};
    args.insert(args.end(), extra.begin(), extra.end());
    CHECK_THROWS_AS(cmd_gen(args), Error);
    return error_of(cmd_gen, args);
  };
  CHECK(gen_error({"--shape", "hexagon"}).find("unknown shape 'hexagon'") != std::string::npos);
  CHECK(gen_error({"--size", "-64"}).find("size") != std::string::npos);
  CHECK(gen_error({"--count", "0"}).find("count must be positive") != std::string::npos);
  CHECK(gen_error({"--stereo-angle", "0"}).find("stereo angle") != std::string::npos);
  CHECK(gen_error({"--stereo-angle", "180"}).find("(0, 180)") != std::string::npos);
  CHECK(gen_error({"--stereo-angle", "-10"}).find("stereo angle") != std::string::npos);
  CHECK(gen_error({"--noise", "-0.5"}).find("noise") != std::string::npos);
  CHECK(gen_error({"--supersample", "0"}).find("supersample") != std::string::npos);
  CHECK(gen_error({"--shape", "polygon"}).find("--sides") != std::string::npos);
  CHECK(gen_error({"--shape", "polygon", "--sides", "2"}).find("3 to 360 sides") !=
        std::string::npos);
  CHECK(gen_error({"--sides", "5"}).find("polygon") != std::string::npos);
  CHECK(gen_error({"--seed", "-1"}).find("seed") != std::string::npos);
  CHECK(gen_error({"--size", "abc"}).find("expects an integer") != std::string::npos);
  CHECK(gen_error({"--bogus", "1"}).find("unknown option --bogus") != std::string::npos);
  CHECK(gen_error({"--preview", dir.sub("p.gif")}).find(".png or .pgm") != std::string::npos);
  CHECK(gen_error({"--normalise-size", "0.5"}).find("normalise_size") != std::string::npos);
  CHECK(gen_error({"--dose-max", "50"}).find("dose_max") != std::string::npos);
  CHECK(gen_error({"--supersample-max", "40"}).find("supersample_max") != std::string::npos);
  CHECK(gen_error({"--intensity-min", "0"}).find("intensity") != std::string::npos);
  CHECK_THROWS_AS(cmd_gen({"--count", "4"}), Error);  // --out is required
}

TEST_CASE("cli gen: the variety and size normalisation reach params.json and the images") {
  CliDir dir;
  const std::string out = dir.sub("varied");
  CHECK(cmd_gen({"--out", out, "--count", "12", "--radius-min", "0.12", "--radius-max", "0.45",
                 "--supersample-max", "4", "--dose", "10", "--dose-max", "100", "--shot-fraction",
                 "0.5", "--blur-max", "1", "--intensity-min", "0.8", "--intensity-max", "1.2",
                 "--normalise-size", "0.173"}) == 0);
  const Dataset ds = load_dataset(out);
  CHECK(ds.params.supersample_max == 4);
  CHECK(ds.params.dose_max == 100);
  CHECK(ds.params.shot_fraction == 0.5);
  CHECK(ds.params.blur_max == 1);
  CHECK(ds.params.intensity_max == 1.2);
  CHECK(ds.params.normalise_size == 0.173);
  // Noise and the gain change the mass but not the rms radius much.
  for (int64_t i = 0; i < ds.count(); ++i)
    CHECK(rms_radius(ds.pair(i), 64, 64) == doctest::Approx(0.173 * 64).epsilon(0.08));
}

TEST_CASE("cli gen: writes a loadable dataset and a preview") {
  CliDir dir;
  const std::string out = dir.sub("ds");
  CHECK(cmd_gen({"--out", out, "--shape", "polygon", "--sides", "5", "--count", "10", "--size",
                 "32", "--seed", "3", "--supersample", "2", "--noise", "0.2", "--preview",
                 dir.sub("grid.png")}) == 0);
  const Dataset ds = load_dataset(out);
  CHECK(ds.image_shape() == std::vector<int64_t>{10, 2, 32, 32});
  CHECK(ds.order() == 5);
  CHECK(ds.params.seed == 3);
  CHECK(fs::file_size(dir.sub("grid.png")) > 100);
  CHECK(cmd_gen({"--out", dir.sub("proj"), "--shape", "s", "--count", "3", "--projection",
                 "--stereo-angle", "5"}) == 0);
  CHECK(load_dataset(dir.sub("proj")).image_shape() == std::vector<int64_t>{3, 2, 64});
  CHECK(cmd_gen({"--help"}) == 0);
}

TEST_CASE("cli sinogram: validates and writes its pictures") {
  CliDir dir;
  CHECK_THROWS_AS(cmd_sinogram({"--shape", "circle"}), Error);
  CHECK_THROWS_AS(cmd_sinogram({"--step", "7"}), Error);
  CHECK_THROWS_AS(cmd_sinogram({"--step", "-1"}), Error);
  CHECK_THROWS_AS(cmd_sinogram({"--supersample", "0"}), Error);
  CHECK_THROWS_AS(cmd_sinogram({"--size", "-3"}), Error);
  CHECK_THROWS_AS(cmd_sinogram({"--radius", "40"}), Error);
  CHECK(cmd_sinogram({"--shape", "t", "--step", "4", "--size", "32", "--out", dir.sub("sino")}) ==
        0);
  for (const char* f : {"sinogram.png", "original.png", "reconstruction.png", "sinogram.npy",
                        "reconstruction.npy", "original.npy"})
    CHECK(fs::exists(dir.sub(std::string("sino/") + f)));
  CHECK(cmd_sinogram({"--help"}) == 0);
}

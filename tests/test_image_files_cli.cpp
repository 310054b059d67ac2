// The image formats through the CLI and dataset folders: a folder's images.tif or
// images.mrc, gen --format, predict on .tif / .mrc input, and a full disk during gen.
#include <doctest/doctest.h>
#include <png.h>
#include <tiffio.h>

#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "data/dataset_io.h"
#include "data/image_io.h"
#include "data/image_read.h"
#include "data/mrc_io.h"
#include "data/pairs.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"
#include "engine/random.h"
#include "tests/cli_run.h"
#include "tests/temp_dir.h"
#include "tests/image_files.h"

using namespace sg;
namespace fs = std::filesystem;
using test::TempDir;
using namespace sg::test;


TEST_CASE("image read: a dataset folder's images.tif or images.mrc is a stack of pairs") {
  TempDir dir("dsfmt");
  GenParams p;
  p.shape = "t";
  p.count = 3;
  p.size = 16;
  p.seed = 4;
  const Dataset ds = generate(p);
  p.projection = true;
  const Dataset proj = generate(p);
  for (const char* format : {"npy", "tif", "mrc"})
    for (const Dataset* d : {&ds, &proj}) {
      CAPTURE(std::string(format));
      const std::string out = dir.file(std::string("d_") + format + (d == &ds ? "" : "_proj"));
      save_dataset(out, *d, format);
      CHECK(fs::exists(out + "/images." + format));
      const Dataset back = load_dataset(out);
      CHECK(back.image_shape() == d->image_shape());
      CHECK(back.images == d->images);
      CHECK(back.angles == d->angles);
      // Written again in another format, the folder keeps one images file.
      save_dataset(out, *d, std::string(format) == "npy" ? "mrc" : "npy");
      CHECK_FALSE(fs::exists(out + "/images." + format));
      CHECK(load_dataset(out).images == d->images);
    }
  // Another renderer's folder: a minimal params.json and a TIFF of 2N pages.
  const std::string other = dir.file("other");
  fs::create_directories(other);
  write_raw(other + "/params.json", R"({"stereo_angle_deg": 10})");
  write_stack(other + "/images.tif", {6, 16, 16}, ds.images.data());
  const Dataset o = load_dataset_folder(other, GenParams{}, "");
  CHECK(o.image_shape() == std::vector<int64_t>{3, 2, 16, 16});
  CHECK(o.images == ds.images);
  // An odd page count, and two images files.
  write_stack(other + "/images.tif", {5, 16, 16}, ds.images.data());
  CHECK_THROWS_WITH_AS(load_dataset_folder(other, GenParams{}, ""),
                       doctest::Contains("images.tif' holds 5 pages"), Error);
  save_npy(other + "/images.npy", ds.image_shape(), ds.images.data());
  CHECK_THROWS_WITH_AS(load_dataset_folder(other, GenParams{}, ""), doctest::Contains("holds both"),
                       Error);
}

TEST_CASE("image read: gen --format mrc and tif write the same images as npy") {
  TempDir dir("genfmt");
  const std::string common = " --count 4 --size 16 --seed 9 --shape t";
  REQUIRE(test::run_cli("gen --out " + dir.file("n") + common).status == 0);
  const NpyArray npy = load_npy(dir.file("n/images.npy"));
  for (const char* format : {"mrc", "tif"}) {
    CAPTURE(std::string(format));
    const test::Run r = test::run_cli("gen --format " + std::string(format) + " --out " +
                                      dir.file(format) + common);
    CHECK(r.status == 0);
    const NpyArray a = read_stack(dir.file(std::string(format) + "/images." + format));
    CHECK(a.shape == std::vector<int64_t>{8, 16, 16});
    CHECK(a.data == npy.data);
    CHECK_FALSE(fs::exists(dir.file(std::string(format) + "/images.npy")));
  }
  const test::Run bad = test::run_cli("gen --format jpg --out " + dir.file("j") + common);
  CHECK(bad.status == 1);
  CHECK(test::has(bad.out, "--format 'jpg': use npy, tif or mrc"));
  CHECK_FALSE(fs::exists(dir.file("j")));
}

TEST_CASE("image read: predict reads .tif and .mrc input as it reads .npy") {
  TempDir dir("predfmt");
  const std::string d = dir.path.string();
  std::ofstream(d + "/tiny.json") << R"({"name": "tiny", "stages": [1.0], "epochs_per_stage": 1,
    "final_epochs": 1, "batch": 16, "eval_pairs": 16, "wrap": "symmetric",
    "data": {"count": 32, "size": 32}})";
  REQUIRE(test::run_cli("train --config " + d + "/tiny.json --out " + d + "/run").status == 0);
  const std::string ck = d + "/run/checkpoint.safetensors";
  std::vector<float> images(3 * 32 * 32, 0.0f);
  for (int n = 0; n < 3; ++n)
    for (int i = 6 + n; i < 26; ++i)
      for (int j = 9; j < 23 - 2 * n; ++j) images[size_t(n * 1024 + i * 32 + j)] = 1.0f;
  std::vector<float> reference;
  for (const char* name : {"x.npy", "x.tif", "x.mrc"}) {
    CAPTURE(std::string(name));
    write_stack(d + "/" + name, {3, 32, 32}, images.data());
    const test::Run r = test::run_cli("predict --checkpoint " + ck + " --input " + d + "/" + name +
                                      " --output " + d + "/a.npy");
    CHECK(r.status == 0);
    const NpyArray a = load_npy(d + "/a.npy");
    CHECK(a.shape == std::vector<int64_t>{3});
    if (reference.empty()) reference = a.data;
    CHECK(a.data == reference);
  }
  write_raw(d + "/bad.tif", "II*\0garbage");
  const test::Run b = test::run_cli("predict --checkpoint " + ck + " --input " + d +
                                    "/bad.tif --output " + d + "/b.npy");
  CHECK(b.status == 1);
  CHECK(test::has(b.out, "bad.tif"));
  CHECK_FALSE(fs::exists(d + "/b.npy"));
}

TEST_CASE("image read: a disk filling up during gen --format tif or mrc leaves no images file") {
  TempDir dir("genfull");
  for (const char* format : {"tif", "mrc"}) {
    CAPTURE(std::string(format));
    const std::string out = dir.file(format);
    // The simulated full disk (engine/io/atomic_file.h): writes fail past 3000 bytes,
    // inside the images file (8 pages of 16 x 16 float32).
    const std::string cmd = "STEREOGRAD_FAULT_WRITE_AFTER_BYTES=3000 " +
                            std::string(STEREOGRAD_BINARY) + " gen --count 4 --size 16 --format " +
                            format + " --out " + out + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string output;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) output.append(buf, n);
    const int status = pclose(p);
    CAPTURE(output);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(test::has(output, "images." + std::string(format)));
    CHECK(test::has(output, "No space left on device"));
    CHECK(fs::is_empty(out));  // neither the images file nor a temporary
  }
}

// The `stereograd` program end to end: commands listed, summaries, clear errors with
// non-zero exits for bad input.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/cli_run.h"
#include "train/args.h"
#include "tests/temp_dir.h"

using sg::test::has;
using sg::test::Run;
using sg::test::run_cli;

TEST_CASE("stereograd --help lists the commands") {
  Run r = run_cli("--help");
  CHECK(r.status == 0);
  for (const char* c : {"demo", "summary", "gen", "sinogram"}) CHECK(has(r.out, c));
}

TEST_CASE("stereograd summary difference shows figure 2.1 and 18,690 parameters") {
  Run r = run_cli("summary difference");
  CHECK(r.status == 0);
  CHECK(has(r.out, "(None, 62, 62, 16)"));
  CHECK(has(r.out, "(None, 6, 6, 16)"));
  CHECK(has(r.out, "(None, 576)"));
  CHECK(has(r.out, "(None, 2)"));
  CHECK(has(r.out, "Total params: 18,690"));
  Run r1 = run_cli("summary difference1d");
  CHECK(r1.status == 0);
  CHECK(has(r1.out, "(None, 64, 16)"));
  CHECK(has(r1.out, "(None, 128)"));
}

TEST_CASE("bad commands and options fail with a message and a non-zero exit") {
  Run a = run_cli("frobnicate");
  CHECK(a.status == 2);
  CHECK(has(a.out, "unknown command 'frobnicate'"));
  Run b = run_cli("summary --bogus 1");
  CHECK(b.status == 2);  // a usage error
  CHECK(has(b.out, "unknown option --bogus"));
  Run c = run_cli("summary unet7");
  CHECK(c.status == 1);
  CHECK(has(c.out, "unknown model 'unet7'"));
  Run d = run_cli("summary difference --size abc");
  CHECK(d.status == 2);
  CHECK(run_cli("train --out x").status == 2);  // --config is required
  const Run v = run_cli("--version");
  CHECK(v.status == 0);
  CHECK(has(v.out, "stereograd 0."));
  CHECK(has(d.out, "expects an integer"));
}

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "engine/io/npy.h"

TEST_CASE("train, eval and predict end to end, with clear errors for bad input") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("sg_cli_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string d = dir.string();
  {
    std::ofstream(d + "/tiny.json") << R"({"name": "tiny", "stages": [1.0], "epochs_per_stage": 1,
      "final_epochs": 1, "batch": 16, "eval_pairs": 40, "wrap": "symmetric",
      "data": {"count": 48, "size": 32}})";
    std::ofstream(d + "/typo.json") << R"({"epochs": 3})";
  }
  Run t = run_cli("train --config " + d + "/tiny.json --out " + d + "/run");
  CHECK(t.status == 0);
  CHECK(has(t.out, "epoch   2/2"));
  CHECK(has(t.out, "accuracy on 40 unseen pairs"));
  for (const char* f : {"checkpoint.safetensors", "metrics.jsonl", "eval.json", "loss.svg",
                        "predicted_vs_true.svg", "error_vs_true.svg", "curriculum.svg"})
    CHECK(fs::exists(dir / "run" / f));
  const std::string ck = d + "/run/checkpoint.safetensors";
  Run e = run_cli("eval --checkpoint " + ck + " --pairs 30");
  CHECK(e.status == 0);
  CHECK(has(e.out, "on 30 unseen pairs"));

  // predict: [N, 1, H, W] and [N, H, W] give the same angles, in [0, 90).
  std::vector<float> images(3 * 32 * 32, 0.0f);
  for (int n = 0; n < 3; ++n)
    for (int i = 8 + n; i < 24; ++i)
      for (int j = 10; j < 22 - n; ++j) images[size_t(n * 1024 + i * 32 + j)] = 1.0f;
  sg::save_npy(d + "/x4.npy", {3, 1, 32, 32}, images.data());
  sg::save_npy(d + "/x3.npy", {3, 32, 32}, images.data());
  CHECK(run_cli("predict --checkpoint " + ck + " --input " + d + "/x4.npy --output " + d + "/a4.npy").status == 0);
  CHECK(run_cli("predict --checkpoint " + ck + " --input " + d + "/x3.npy --output " + d + "/a3.npy").status == 0);
  sg::NpyArray a4 = sg::load_npy(d + "/a4.npy"), a3 = sg::load_npy(d + "/a3.npy");
  CHECK(a4.shape == std::vector<int64_t>{3});
  CHECK(a4.data == a3.data);
  for (float v : a4.data) CHECK((v >= 0.0f && v < 90.0f));

  // Bad input: a shape the model does not take, a missing file, a corrupt checkpoint,
  // an unknown config key.
  sg::save_npy(d + "/bad.npy", {3, 1, 16, 16}, images.data());
  Run b = run_cli("predict --checkpoint " + ck + " --input " + d + "/bad.npy --output " + d + "/o.npy");
  CHECK(b.status == 1);
  CHECK(has(b.out, "[3, 1, 16, 16]"));
  Run m = run_cli("predict --checkpoint " + ck + " --input " + d + "/missing.npy --output " + d + "/o.npy");
  CHECK(m.status == 1);
  CHECK(has(m.out, "missing.npy"));
  fs::copy_file(ck, d + "/cut.safetensors");
  fs::resize_file(d + "/cut.safetensors", fs::file_size(ck) - 100);
  Run c = run_cli("eval --checkpoint " + d + "/cut.safetensors");
  CHECK(c.status == 1);
  CHECK(has(c.out, "cut.safetensors"));
  Run u = run_cli("train --config " + d + "/typo.json --out " + d + "/run2");
  CHECK(u.status == 1);
  CHECK(has(u.out, "unknown key 'epochs'"));
  CHECK_FALSE(fs::exists(dir / "o.npy"));
  fs::remove_all(dir);
}

TEST_CASE("train refuses a folder that holds a run unless told to resume or start over") {
  namespace fs = std::filesystem;
  const sg::test::TempDir tmp("train_refuse");
  const std::string d = tmp.path.string();
  std::ofstream(d + "/c.json") << R"({"stages": [1.0], "epochs_per_stage": 1, "final_epochs": 0,
    "batch": 16, "eval_pairs": 10, "wrap": "symmetric", "data": {"count": 16, "size": 32}})";
  REQUIRE(run_cli("train --config " + d + "/c.json --out " + d + "/run").status == 0);
  const auto before = fs::last_write_time(d + "/run/checkpoint.safetensors");
  const Run again = run_cli("train --config " + d + "/c.json --out " + d + "/run");
  sg::test::one_line_error(again, "already holds a run");
  CHECK(fs::last_write_time(d + "/run/checkpoint.safetensors") == before);  // untouched
  sg::test::one_line_error(run_cli("train --config " + d + "/c.json --out " + d + "/run --resume --force"),
                           "contradict");
  CHECK(run_cli("train --config " + d + "/c.json --out " + d + "/run --force").status == 0);
}

TEST_CASE("summary: long layer names keep their own column; totals have thousands separators") {
  const Run r = run_cli("summary unet");
  REQUIRE(r.status == 0);
  // Every row's name-and-type cell ends before the shape column: at least one space
  // between "(Conv2DTranspose)" and "(None, ...".
  CHECK(has(r.out, "(Conv2DTranspose) "));
  CHECK_FALSE(has(r.out, "(Conv2DTranspose)("));
  CHECK(has(r.out, "Total params (encoder + decoder): 86,007"));
  CHECK(has(run_cli("summary difference").out, "Total params: 18,690"));
}

TEST_CASE("args: the command line that repeats a run names given options, flags without a value, and leaves out the skipped") {
  sg::ArgParser p("train", "test");
  p.option("config", "FILE", "", "", true).option("out", "DIR", "", "runs/default").option("seed", "N", "", "1")
      .flag("resume", "").flag("force", "").flag("quiet", "");
  std::ostringstream help;
  REQUIRE(p.parse({"--config", "c.json", "--force", "--quiet", "--seed", "3"}, help));
  CHECK(p.command_line({"out"}, {"resume", "force"}) == " --config c.json --out runs/default --seed 3 --quiet");
  CHECK(p.command_line({}, {}) == " --config c.json --seed 3 --force --quiet");
}

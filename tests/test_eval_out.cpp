// eval's output folder (its --out, by default the checkpoint's): created when missing,
// and the table printed even when nothing can be written there.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/cli_run.h"
#include "tests/temp_dir.h"

using sg::test::has;
using sg::test::Run;
using sg::test::run_cli;

TEST_CASE("eval --out: the default, a folder made on the way, and a path that cannot be one") {
  namespace fs = std::filesystem;
  const sg::test::TempDir tmp("eval_out");
  const std::string d = tmp.path.string();
  std::ofstream(d + "/c.json") << R"({"stages": [1.0], "epochs_per_stage": 1, "final_epochs": 0,
    "batch": 16, "eval_pairs": 20, "data": {"count": 16, "size": 32}})";
  REQUIRE(run_cli("train --config " + d + "/c.json --out " + d + "/run").status == 0);
  const std::string ck = d + "/run/checkpoint.safetensors";
  fs::remove(d + "/run/eval.json");

  // No --out: the checkpoint's folder, as the help says.
  const Run help = run_cli("eval --help");
  CHECK(has(help.out, "default: the checkpoint's folder"));
  CHECK(run_cli("eval --checkpoint " + ck + " --pairs 20").status == 0);
  CHECK(fs::exists(d + "/run/eval.json"));
  CHECK(fs::exists(d + "/run/calibration.json"));

  // A folder two levels down that does not exist yet.
  const Run made = run_cli("eval --checkpoint " + ck + " --pairs 20 --out " + d + "/new/deeper");
  CAPTURE(made.out);
  CHECK(made.status == 0);
  for (const char* f : {"eval.json", "calibration.json", "loss.svg", "predicted_vs_true.svg", "error_vs_true.svg"})
    CHECK(fs::exists(d + "/new/deeper/" + f));

  // Under a regular file no folder can be made: the table still comes, then one line
  // naming the folder, and the exit status says it failed.
  std::ofstream(d + "/file") << "x";
  const Run bad = run_cli("eval --checkpoint " + ck + " --pairs 20 --out " + d + "/file/sub");
  CAPTURE(bad.out);
  CHECK(bad.status == 1);
  CHECK(has(bad.out, "% of |θp − θt| within"));
  CHECK(has(bad.out, "accuracy of "));
  CHECK(has(bad.out, "eval: the results above were not all written: cannot create output folder '" + d + "/file/sub'"));
  CHECK_FALSE(fs::exists(d + "/file/sub"));
}

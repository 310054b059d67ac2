// `stereograd demo` says what it does: one stage (no curriculum, so no "stage 1/2" of a
// second stage that never comes), the epochs it runs, and what the accuracy is measured on.
#include <doctest/doctest.h>

#include "tests/cli_run.h"
#include "tests/temp_dir.h"

using sg::test::has;

TEST_CASE("demo: its progress lines count the one stage it has, and the table says what it scored") {
  const sg::test::TempDir tmp("demo");
  const sg::test::Run r = sg::test::run_cli("demo --pairs 64 --epochs 2 --out " + tmp.path.string());
  CAPTURE(r.out);
  REQUIRE(r.status == 0);
  CHECK(has(r.out, "cheat-training on 64 squares"));
  CHECK(has(r.out, "2 epochs"));
  CHECK(has(r.out, "stage 1/1  epoch   1/2"));
  CHECK(has(r.out, "stage 1/1  epoch   2/2"));
  CHECK_FALSE(has(r.out, "stage 1/2"));
  CHECK(has(r.out, "accuracy on 256 unseen squares"));
}

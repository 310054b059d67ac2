// `eval --grid` (train/eval_grid.h): every band × rendering × dose cell is there, the
// closed form reads the generated squares of every band, and the three files are
// written; bad grid options are one-line errors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <tuple>

#include <nlohmann/json.hpp>

#include "tests/cli_run.h"
#include "tests/temp_dir.h"
#include "train/eval_grid.h"

using namespace sg;

TEST_CASE("eval grid: one cell per band, rendering and dose, the closed form reads every band") {
  TrainConfig c;  // squares of the report's preprocessing
  GridOptions o;
  o.bands = {0.12, 0.25, 0.45};
  o.dose = {0, 10};
  o.pairs = 60;
  const std::vector<GridCell> cells = evaluate_grid(nullptr, c, o, Device::CPU);
  REQUIRE(cells.size() == 2 * 2 * 2);
  std::set<std::tuple<double, int, double>> seen;
  for (const GridCell& g : cells) {
    seen.insert({g.radius_min, g.supersample, g.dose});
    CHECK_FALSE(g.has_model);
    REQUIRE(g.has_moments);
    CHECK(g.moments.count + g.flagged == 60);
    // Squares of circumradius >= 7.7 px: the closed form puts (nearly) all within 2°.
    CHECK(g.moments.within[2] >= 95.0);
  }
  CHECK(seen.size() == cells.size());
  CHECK(grid_markdown(cells, 64).find("0.25–0.45 (16–29 px) | supersample 4, dose 10") != std::string::npos);
  o.bands = {0.3, 0.2};
  CHECK_THROWS_AS(evaluate_grid(nullptr, c, o, Device::CPU), Error);
  o.bands = {0.2, 0.5};
  CHECK_THROWS_AS(evaluate_grid(nullptr, c, o, Device::CPU), Error);
}

TEST_CASE("eval --grid writes grid.md, grid.json and grid.svg beside the checkpoint") {
  const test::TempDir tmp("eval_grid");
  const std::string d = tmp.path.string();
  std::ofstream(d + "/c.json") << R"({"stages": [1.0], "epochs_per_stage": 1, "final_epochs": 0, "batch": 16,
    "eval_pairs": 10, "wrap": "symmetric", "data": {"count": 32, "size": 64}})";
  REQUIRE(test::run_cli("train --config " + d + "/c.json --out " + d + "/run").status == 0);
  const std::string ck = d + "/run/checkpoint.safetensors";
  const test::Run r = test::run_cli("eval --checkpoint " + ck + " --grid --grid-pairs 20 --grid-bands 0.2,0.3,0.4 --out " +
                                    d + "/g");
  INFO(r.out);
  REQUIRE(r.status == 0);
  const nlohmann::json j = nlohmann::json::parse(std::ifstream(d + "/g/grid.json"));
  REQUIRE(j.at("cells").size() == 2 * 2 * 3);
  for (const auto& cell : j.at("cells")) {
    CHECK(cell.contains("model"));
    CHECK(cell.contains("moments"));
  }
  std::ifstream svg(d + "/g/grid.svg");
  const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  CHECK(text.rfind("<svg", 0) == 0);
  CHECK(text.find("</svg>") != std::string::npos);
  size_t rects = 0;
  for (size_t at = text.find("<rect"); at != std::string::npos; at = text.find("<rect", at + 1)) ++rects;
  CHECK(rects == 1 + 2 * 2 * 2 * 3);  // the background, then model and closed form per cell
  CHECK(std::filesystem::exists(d + "/g/grid.md"));
  test::one_line_error(test::run_cli("eval --checkpoint " + ck + " --grid --grid-bands 0.3,0.2 --out " + d + "/x"),
                       "band edges");
  test::one_line_error(test::run_cli("eval --checkpoint " + ck + " --grid --grid-pairs 3 --out " + d + "/x"),
                       "pairs per cell");
  test::one_line_error(test::run_cli("eval --checkpoint " + ck + " --grid-pairs 30"), "go with --grid");
  CHECK_FALSE(std::filesystem::exists(d + "/x/grid.json"));
}

// The fuzz targets' inputs replayed in every test run (and under the sanitizers in CI):
// each file of the seed corpus (tests/fuzz/corpus/<target>/) and of the crashes fuzzing
// found (tests/fuzz/regressions/<target>/) goes through the same feed_<target> as the
// libFuzzer target, which lets only sg::Error pass.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "data/pairs.h"
#include "engine/error.h"
#include "tests/fuzz/feed.h"

namespace fs = std::filesystem;

namespace {

using Feed = void (*)(const uint8_t*, size_t);
const std::map<std::string, Feed> kTargets = {{"safetensors", sg::fuzz::feed_safetensors},
                                              {"npy", sg::fuzz::feed_npy},
                                              {"config", sg::fuzz::feed_config},
                                              {"args", sg::fuzz::feed_args},
                                              {"dataset", sg::fuzz::feed_dataset},
                                              {"tiff", sg::fuzz::feed_tiff},
                                              {"png", sg::fuzz::feed_png},
                                              {"mrc", sg::fuzz::feed_mrc}};

std::vector<uint8_t> bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Feeds every file under tests/fuzz/<kind>/<target>/; returns how many per target. Every
// folder there must name a target (files under another name would never be replayed),
// and every file must have been fed: the count equals the files found recursively.
std::map<std::string, int> replay(const std::string& kind) {
  const fs::path root = fs::path(STEREOGRAD_SOURCE_DIR) / "tests" / "fuzz" / kind;
  REQUIRE(fs::is_directory(root));
  std::map<std::string, int> fed;
  int total = 0;
  for (const auto& dir : fs::directory_iterator(root)) {
    const std::string target = dir.path().filename().string();
    CAPTURE(target);
    const auto it = kTargets.find(target);
    REQUIRE_MESSAGE(it != kTargets.end(), "tests/fuzz/", kind, "/", target, " names no fuzz target");
    for (const auto& e : fs::directory_iterator(dir.path())) {
      if (!e.is_regular_file()) continue;  // counted below: a nested file fails the test
      CAPTURE(e.path().string());
      const std::vector<uint8_t> b = bytes_of(e.path());
      CHECK_NOTHROW(it->second(b.data(), b.size()));
      ++fed[target];
      ++total;
    }
  }
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) files += e.is_regular_file();
  CHECK(total == files);  // nothing nested deeper, nothing skipped
  return fed;
}

}  // namespace

TEST_CASE("fuzz inputs: the seed corpus of every target goes through its parser") {
  const std::map<std::string, int> fed = replay("corpus");
  for (const auto& [target, feed] : kTargets) {  // no target is fed nothing
    CAPTURE(target);
    CHECK(fed.count(target) == 1);
  }
}

TEST_CASE("fuzz inputs: every input fuzzing found a crash with now ends in sg::Error or parses") {
  const std::map<std::string, int> fed = replay("regressions");
  CHECK(fed.count("config") == 1);  // the folder is found and its files are fed
}

TEST_CASE("fuzz inputs: params.json with a float too large for an integer field is an error") {
  // Was undefined behaviour (nlohmann's get<int>() of 1e300), reported by UBSan.
  const fs::path p = fs::path(STEREOGRAD_SOURCE_DIR) / "tests/fuzz/regressions/config/params_sides_1e300.json";
  std::ifstream in(p);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  CHECK_THROWS_WITH_AS(sg::params_from_text(text, "params.json"),
                       doctest::Contains("'sides' must be an integer that fits, got 1e+300"), sg::Error);
}

// A fresh directory per test case, removed at the end: named by the test's tag, the
// process and a counter, since CTest runs cases of one binary in parallel processes.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sg::test {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag = "tmp") {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("sg_test_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path))
      names.push_back(e.path().filename().string());
    return names;
  }
};

}  // namespace sg::test

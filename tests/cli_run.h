// Test helpers shared by the tests that drive the real CLI binary or the config loader.
#pragma once
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "train/config.h"

namespace sg::test {

struct Run {
  int status;       // exit code, -1 if killed by a signal
  std::string out;  // stdout and stderr together
};

// Runs a shell command line and collects its stdout and stderr.
inline Run run_shell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// Runs `stereograd <args>` through the shell and collects its output.
inline Run run_cli(const std::string& args) {
  return run_shell(std::string(STEREOGRAD_BINARY) + " " + args);
}

inline bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// The CLI failed with exactly one line that contains `part`.
inline void one_line_error(const Run& r, const std::string& part) {
  CAPTURE(r.out);
  CHECK(r.status != 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 1);
  CHECK(has(r.out, part));
}

// The error a config JSON text gets from the loader, or "no error".
inline std::string config_error_of(const char* json) {
  try {
    config_from_json(nlohmann::json::parse(json), "cfg");
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::string("no error");
}

}  // namespace sg::test

// The `stereograd` program end to end: commands listed, summaries, clear errors with
// non-zero exits for bad input.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace {
struct Run {
  int status;
  std::string out;  // stdout and stderr together
};

Run run(const std::string& args) {
  std::string cmd = std::string(STEREOGRAD_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("stereograd --help lists the commands") {
  Run r = run("--help");
  CHECK(r.status == 0);
  for (const char* c : {"demo", "summary", "gen", "sinogram"}) CHECK(has(r.out, c));
}

TEST_CASE("stereograd summary difference shows figure 2.1 and 18,690 parameters") {
  Run r = run("summary difference");
  CHECK(r.status == 0);
  CHECK(has(r.out, "(None, 62, 62, 16)"));
  CHECK(has(r.out, "(None, 6, 6, 16)"));
  CHECK(has(r.out, "(None, 576)"));
  CHECK(has(r.out, "(None, 2)"));
  CHECK(has(r.out, "Total params: 18,690"));
  Run r1 = run("summary difference1d");
  CHECK(r1.status == 0);
  CHECK(has(r1.out, "(None, 64, 16)"));
  CHECK(has(r1.out, "(None, 128)"));
}

TEST_CASE("bad commands and options fail with a message and a non-zero exit") {
  Run a = run("frobnicate");
  CHECK(a.status == 2);
  CHECK(has(a.out, "unknown command 'frobnicate'"));
  Run b = run("summary --bogus 1");
  CHECK(b.status == 1);
  CHECK(has(b.out, "unknown option --bogus"));
  Run c = run("summary unet7");
  CHECK(c.status == 1);
  CHECK(has(c.out, "unknown model 'unet7'"));
  Run d = run("summary difference --size abc");
  CHECK(d.status == 1);
  CHECK(has(d.out, "expects an integer"));
}

// Errors that explain themselves: library code throws sg::Error with a message that
// names the problem; only the CLI turns it into a one-line message and an exit code.
#pragma once
#include <cstdio>
#include <exception>
#include <sstream>
#include <stdexcept>
#include <string>

namespace sg {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append(os, rest...);
}
}  // namespace detail

// Builds a message from any streamable pieces: fail("conv2d: expected 4-D input, got ", s).
template <typename... Args>
[[noreturn]] void fail(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  throw Error(os.str());
}

// `s` on one line: control bytes (a newline in a file name or in a corrupt header echoed
// back) are written as \n, \t or \xNN, so a one-line error message stays one line.
inline std::string one_line(const std::string& s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (u < 0x20 || u == 0x7f) out += {'\\', 'x', kHex[u >> 4], kHex[u & 15]};
    else out += c;
  }
  return out;
}

// For destructors, which must not throw (a throw during unwinding ends the process):
// runs f and writes what it throws to stderr as one line, prefixed by `where`.
template <typename F>
void log_errors(const char* where, F&& f) noexcept {
  try {
    f();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stereograd: %s: %s\n", where, one_line(e.what()).c_str());
  }
}

}  // namespace sg

// Throws sg::Error naming the failed condition and the caller's explanation.
#define SG_CHECK(cond, ...)                                                  \
  do {                                                                       \
    if (!(cond)) ::sg::fail(__VA_ARGS__);                                    \
  } while (0)

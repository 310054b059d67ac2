// Errors that explain themselves: library code throws sg::Error with a message that
// names the problem; only the CLI turns it into a one-line message and an exit code.
#pragma once
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

}  // namespace sg

// Throws sg::Error naming the failed condition and the caller's explanation.
#define SG_CHECK(cond, ...)                                                  \
  do {                                                                       \
    if (!(cond)) ::sg::fail(__VA_ARGS__);                                    \
  } while (0)

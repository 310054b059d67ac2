#include "kernels/cpu/blocking.h"

#include <atomic>
#include <cstdlib>

#include "engine/error.h"

namespace sg::cpu {

namespace {

constexpr Blocking kBuildTarget =
#if defined(__AVX512F__)
    Blocking::Wide;
#else
    Blocking::Narrow;
#endif

Blocking parse(const std::string& value, const char* what) {
  if (value == "wide") return Blocking::Wide;
  SG_CHECK(value == "narrow", what, " must be wide or narrow, got '", value, "'");
  return Blocking::Narrow;
}

// STEREOGRAD_BLOCKING, unset or empty: the build target's.
std::atomic<Blocking>& setting() {
  static std::atomic<Blocking> b{[] {
    const char* v = std::getenv("STEREOGRAD_BLOCKING");
    return v && *v ? parse(v, "STEREOGRAD_BLOCKING") : kBuildTarget;
  }()};
  return b;
}

}  // namespace

Blocking blocking() { return setting().load(std::memory_order_relaxed); }
void set_blocking(Blocking b) { setting().store(b, std::memory_order_relaxed); }
Blocking parse_blocking(const std::string& value) { return parse(value, "option blocking"); }
const char* blocking_name(Blocking b) { return b == Blocking::Wide ? "wide" : "narrow"; }

}  // namespace sg::cpu

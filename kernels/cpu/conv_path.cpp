#include "kernels/cpu/conv_path.h"

#include <atomic>
#include <cstdlib>

#include "engine/error.h"

namespace sg::cpu {

namespace {

constexpr ConvPath kBuildTarget =
#if defined(__AVX512F__)
    ConvPath::Direct;
#else
    ConvPath::Gemm;
#endif

ConvPath parse(const std::string& value, const char* what) {
  if (value == "direct") return ConvPath::Direct;
  SG_CHECK(value == "gemm", what, " must be direct or gemm, got '", value, "'");
  return ConvPath::Gemm;
}

// STEREOGRAD_CONV_PATH, unset or empty: the build target's.
std::atomic<ConvPath>& setting() {
  static std::atomic<ConvPath> p{[] {
    const char* v = std::getenv("STEREOGRAD_CONV_PATH");
    return v && *v ? parse(v, "STEREOGRAD_CONV_PATH") : kBuildTarget;
  }()};
  return p;
}

}  // namespace

ConvPath conv_path() { return setting().load(std::memory_order_relaxed); }
void set_conv_path(ConvPath p) { setting().store(p, std::memory_order_relaxed); }
ConvPath parse_conv_path(const std::string& value) { return parse(value, "option conv_path"); }
const char* conv_path_name(ConvPath p) { return p == ConvPath::Direct ? "direct" : "gemm"; }

}  // namespace sg::cpu

// The register block of conv_winograd.cpp's GEMMs, which keep many 16-float accumulators
// in registers: Wide where a v16
// (vec16.h) is one of AVX-512's 32 zmm registers, Narrow where it is two of AVX2's 16 ymm.
// A block sized for one spills on the other (8 × 3 accumulators are 48 ymm). The default
// is the build target's register file (Release builds with -march=native: this CPU's);
// STEREOGRAD_BLOCKING or the CPU backend's option `blocking` (wide | narrow) sets it for
// the whole process. Both
// are plain vector code that runs on any CPU, only their speed differs, and their sums run
// in one order: results are bit-identical, and the op tests run both wherever they run.
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

namespace sg::cpu {

enum class Blocking { Wide, Narrow };
Blocking blocking();
void set_blocking(Blocking b);
Blocking parse_blocking(const std::string& value);  // wide | narrow, else throws
const char* blocking_name(Blocking b);

// Calls f(std::integral_constant<int, a>{}, std::integral_constant<int, b>{}) for a block
// of a ∈ [1, 4] rows by b ∈ [1, 6] columns known only at run time (a register block's rest
// at the edge of a matrix), so that f's loops over a and b have constant bounds and its
// accumulators stay in registers. a and b are clamped into those ranges.
template <int A, class F>
void with_block_columns(int64_t b, F& f) {
  using std::integral_constant;
  switch (b) {
    case 1: return f(integral_constant<int, A>{}, integral_constant<int, 1>{});
    case 2: return f(integral_constant<int, A>{}, integral_constant<int, 2>{});
    case 3: return f(integral_constant<int, A>{}, integral_constant<int, 3>{});
    case 4: return f(integral_constant<int, A>{}, integral_constant<int, 4>{});
    case 5: return f(integral_constant<int, A>{}, integral_constant<int, 5>{});
    default: return f(integral_constant<int, A>{}, integral_constant<int, 6>{});
  }
}
template <class F>
void with_block(int64_t a, int64_t b, F&& f) {
  switch (a) {
    case 1: return with_block_columns<1>(b, f);
    case 2: return with_block_columns<2>(b, f);
    case 3: return with_block_columns<3>(b, f);
    default: return with_block_columns<4>(b, f);
  }
}

}  // namespace sg::cpu

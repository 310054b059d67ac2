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
#include <string>

namespace sg::cpu {

enum class Blocking { Wide, Narrow };
Blocking blocking();
void set_blocking(Blocking b);
Blocking parse_blocking(const std::string& value);  // wide | narrow, else throws
const char* blocking_name(Blocking b);

}  // namespace sg::cpu

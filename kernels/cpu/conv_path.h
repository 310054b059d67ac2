// Which loops run the CPU convolution's passes that neither conv_few_taps.h (C·R·S ≤ 9)
// nor the Winograd path (conv_winograd.h) takes:
//   direct   the wide-grid kernels: conv_filter_direct.h (weight gradient) and
//            conv_forward_direct.h (forward, and the input gradient as the transposed conv)
//   gemm     im2col + one Eigen GEMM per sample (conv2d.cpp)
// For the whole process: the CPU backend's option `conv_path`, default from
// STEREOGRAD_CONV_PATH, else direct where the build targets AVX-512 (measured faster on a
// Xeon, README "Speed") and gemm otherwise (Eigen's GEMM reached 55–72 % of peak on a
// Zen 3, where the direct loops have not been measured). Both are plain vector code that
// runs on any CPU; the op tests run both on whatever CPU runs them.
#pragma once
#include <string>

namespace sg::cpu {

enum class ConvPath { Direct, Gemm };
ConvPath conv_path();
void set_conv_path(ConvPath p);
ConvPath parse_conv_path(const std::string& value);  // direct | gemm, else throws
const char* conv_path_name(ConvPath p);

}  // namespace sg::cpu

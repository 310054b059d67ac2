// The loop of the element-wise CPU kernels (fill.cpp ... relu.cpp, one file per op).
// Each element is independent, so a static OpenMP split gives the same bits for any
// thread count; small tensors stay on one thread (the `if` clause).
#pragma once
#include <cstdint>

namespace sg::cpu {
constexpr int64_t kParallelMin = 1 << 15;
}

#define SG_PARALLEL_FOR \
  _Pragma("omp parallel for schedule(static) if (n >= ::sg::cpu::kParallelMin)")

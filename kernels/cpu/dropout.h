// Dropout's mask on the CPU (engine/random.h's draw), for the dropout kernel (dropout.cpp)
// and for the fused block that applies it to its output (conv_relu_pool_dropout.cpp).
#pragma once
#include <cstdint>

#include "engine/backend.h"

namespace sg::cpu {

// The draw of one call, prepared once: the stream's key, the threshold of p, 1/(1 − p).
struct DropoutDraw {
  uint64_t key = 0;
  uint32_t threshold = 0;
  float keep = 0.0f;
};
DropoutDraw dropout_draw(const DropoutMask& m);

// y[i] = x[i] · m_{first + i} for i in [0, n): m = 0 where random_below(key, first + i) (the
// value dropped), else keep; and where `at` is given, at[i] = −1 where the value is dropped
// (the fused block's window offsets: no gradient flows there). x and y may be the same
// array. One thread.
void dropout_range(const DropoutDraw& d, int64_t first, int64_t n, const float* x, float* y,
                   float* at = nullptr);

}  // namespace sg::cpu

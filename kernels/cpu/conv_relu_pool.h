// The fused conv block on the CPU (conv_relu_pool.cpp), with dropout's mask folded in where
// m is not null (Op::ConvReluPoolDropout, conv_relu_pool_dropout.cpp): the Backend members'
// arguments (engine/backend.h), one sample at a time.
#pragma once
#include <cstdint>

#include "engine/backend.h"
#include "engine/geometry.h"

namespace sg::cpu {

// y = maxpool(relu(conv(x) + b)) (· m), at = each window's first maximum (-1: cut).
void conv_relu_pool_forward(const ConvGeom& g, int64_t ph, int64_t pw, const float* x,
                            const float* w, const float* b, const DropoutMask* m, float* y,
                            float* at);
// dz = dy (· m) at `at`; dx += conv backward-data(dz), dw += Σ dz ⋆ x, db += Σ dz.
void conv_relu_pool_backward(const ConvGeom& g, int64_t ph, int64_t pw, const float* x,
                             const float* w, const float* at, const DropoutMask* m,
                             const float* dy, float* dx, float* dw, float* db);

}  // namespace sg::cpu

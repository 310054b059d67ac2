// CPU convolution (Eigen + OpenMP): the same contract as ref::conv2d_* in float.
// Forward and backward-data are parallel over the batch; backward-filter reduces per-
// sample contributions in a fixed order, so results are bit-identical for any thread
// count. No allocation in the hot loop beyond one workspace per call.
#pragma once
#include "engine/geometry.h"

namespace sg::cpu {

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* b,
                    float* y);
void conv2d_backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx);
void conv2d_backward_filter(const ConvGeom& g, const float* x, const float* dy, float* dw,
                            float* db);

}  // namespace sg::cpu

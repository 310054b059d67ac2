// CPU max pooling, same contract as ref::maxpool2d_* in float; parallel over planes.
#pragma once
#include "engine/geometry.h"

namespace sg::cpu {

void maxpool2d_forward(const PoolGeom& g, const float* x, float* y);
void maxpool2d_backward(const PoolGeom& g, const float* x, const float* y, const float* dy,
                        float* dx);

}  // namespace sg::cpu

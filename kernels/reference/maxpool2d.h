// Reference max pooling (window = stride = ph×pw, floor), plain loops in double.
#pragma once
#include "engine/geometry.h"

namespace sg::ref {

// y[n,c,i,j] = max_{a<ph,b<pw} x[n,c,i·ph+a,j·pw+b]
void maxpool2d_forward(const PoolGeom& g, const double* x, double* y);
// dx at the first (row-major) maximum of each window += dy[n,c,i,j]
void maxpool2d_backward(const PoolGeom& g, const double* x, const double* y, const double* dy,
                        double* dx);

}  // namespace sg::ref

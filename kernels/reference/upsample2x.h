// The reference upsample2x: nearest-neighbour ×2 up-sampling over planes of H×W; a plain
// loop in double precision, what every backend must compute (engine/backend.h states the
// contract).
#pragma once
#include <cstdint>

namespace sg::ref {

void upsample2x_forward(int64_t planes, int64_t H, int64_t W, const double* x, double* y);

}  // namespace sg::ref

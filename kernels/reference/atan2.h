// The reference atan2: the angle head, y[i] = atan2(sc[2i], sc[2i+1]); a plain loop in
// double precision, what every backend must compute (engine/backend.h states the
// contract).
#pragma once
#include <cstdint>

namespace sg::ref {

void atan2_forward(int64_t n, const double* sc, double* y);

}  // namespace sg::ref

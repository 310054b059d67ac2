// The reference relu: y = max(x, 0); a plain loop in double precision, what every backend
// must compute (engine/backend.h states the contract).
#pragma once
#include <cstdint>

namespace sg::ref {

void relu_forward(int64_t n, const double* x, double* y);

}  // namespace sg::ref

// The reference mse: mean (a-b)², 0 when empty; a plain loop in double precision, what
// every backend must compute (engine/backend.h states the contract).
#pragma once
#include <cstdint>

namespace sg::ref {

double mse(int64_t n, const double* a, const double* b);

}  // namespace sg::ref

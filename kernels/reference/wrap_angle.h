// The reference wrap_angle: an angle difference into one period P, one-sided or symmetric;
// a plain loop in double precision, what every backend must compute (engine/backend.h
// states the contract).
#pragma once
#include <cstdint>

namespace sg::ref {

void wrap_angle(int64_t n, double period, bool symmetric, const double* x, double* y);

}  // namespace sg::ref

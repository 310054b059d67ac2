// Reference of the fused stereo loss (Backend::angle_loss_forward, engine/backend.h), plain
// loops in double precision: atan2 of both images' (S, C) rows, the wrapped difference,
// and the mean square error against the target t.
#pragma once
#include <cstdint>

#include "engine/backend.h"

namespace sg::ref {

// w = wrap(d) into one period P (AngleWrap's three wraps, ties of the round to even).
double wrap_difference(double d, double period, AngleWrap wrap, double target);
// (1/n) Σ (wrap(φ2 − φ1) − t)²
double angle_loss_forward(int64_t n, double period, AngleWrap wrap, double target, const double* sc1,
                          const double* sc2);
// Accumulates the gradients of g·loss into dsc1, dsc2 (either may be null).
void angle_loss_backward(int64_t n, double period, AngleWrap wrap, double target, const double* sc1,
                         const double* sc2, double g, double* dsc1, double* dsc2);

}  // namespace sg::ref

// The reference adam: Keras's Adam, one step on n values (t from 1); a plain loop in
// double precision, what every backend must compute (engine/backend.h states the
// contract).
#pragma once
#include <cstdint>

#include "engine/backend.h"

namespace sg::ref {

void adam_update(int64_t n, const AdamParams& a, const double* g, double* p, double* m,
                 double* v);

}  // namespace sg::ref

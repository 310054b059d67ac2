// The reference concat_channels: y[n] = [a[n], b[n]] along the channels; a plain loop in
// double precision, what every backend must compute (engine/backend.h states the
// contract).
#pragma once
#include <cstdint>

namespace sg::ref {

void concat_channels_forward(int64_t N, int64_t Ca, int64_t Cb, int64_t S, const double* a,
                             const double* b, double* y);

}  // namespace sg::ref

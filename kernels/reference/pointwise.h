// Reference implementations of the small ops, plain loops in double precision: what
// each backend must compute (engine/backend.h states the contracts). Conv and pooling
// have their own files (conv.h, maxpool.h).
#pragma once
#include <cstdint>

#include "engine/backend.h"

namespace sg::ref {

void relu_forward(int64_t n, const double* x, double* y);
void atan2_forward(int64_t n, const double* sc, double* y);  // y[i] = atan2(sc[2i], sc[2i+1])
void wrap_angle(int64_t n, double period, bool symmetric, const double* x, double* y);
double mse(int64_t n, const double* a, const double* b);
// y[N,out] = x[N,in] · w[out,in]ᵀ + b[out]  (b may be null)
void linear_forward(int64_t N, int64_t in, int64_t out, const double* x, const double* w,
                    const double* b, double* y);
void upsample2x_forward(int64_t planes, int64_t H, int64_t W, const double* x, double* y);
void concat_channels_forward(int64_t N, int64_t Ca, int64_t Cb, int64_t S, const double* a,
                             const double* b, double* y);
// Keras's Adam, one step on n values (t from 1).
void adam_update(int64_t n, const AdamParams& a, const double* g, double* p, double* m,
                 double* v);

}  // namespace sg::ref

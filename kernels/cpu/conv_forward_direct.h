// A convolution's forward and input gradient without unfolding the input (the direct path
// beside conv2d.cpp's im2col + Eigen GEMM, for the passes that neither conv_few_taps.h nor
// the Winograd path takes; conv_path.h's option direct). On the wide grid of
// conv_filter_direct.h, output pixel p′ = oy·Wp + ox (ox ∈ [0, Wp)) reads tap q = (c,r,s)
// of the zero-bordered sample at p′ + (c·Hp + r)·Wp + s, so
//   forward          y_wide[k, p′] = b[k] + Σ_q w[k, q]·x[p′ + off_q]
//   backward data    the same with dy padded by R−1−p as input and the flipped filter with
//                    its channels swapped, w′[c, (k,r,s)] = w[k, c, R−1−r, S−1−s], read in
//                    place (a broadcast from any address costs the same)
// 16 pixels are one unaligned load per tap; a register block of KB output channels × PB
// vectors of pixels does PB loads and KB broadcasts per KB·PB FMAs (kernels/cpu/blocking.h:
// 4 × 6 for AVX-512, 2 × 2 for AVX2). The columns ox ≥ OW are computed and dropped when
// the wide rows are copied out. Each output is b + Σ_q in q's order whatever the block, so
// both blocks give the same bits; one sample at a time, like conv_sample.h.
#pragma once
#include "engine/geometry.h"
#include "kernels/cpu/plane_layout.h"

namespace sg::cpu {

// Whether the direct path takes the pass: conv_path() is direct, more than 9 taps, not a
// 1×1 kernel without padding (its input already is the GEMM's matrix), and for the input
// gradient padding ≤ R−1, S−1 (the transposed conv's own padding is R−1−p).
bool direct_forward_takes(const ConvGeom& g);
bool direct_backward_data_takes(const ConvGeom& g);

// y_n[K, OH, OW] = conv(x_n) + b (b may be null).
void direct_forward(const ConvGeom& g, const float* w, const float* b, const float* xn,
                    float* yn);
// dx_n[C, H, W] += conv2dᵀ(dy_n), dy_n laid out as dyl.
void direct_backward_data(const ConvGeom& g, const float* w, const float* dyn, PlaneLayout dyl,
                          float* dxn);

}  // namespace sg::cpu

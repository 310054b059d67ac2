// One sample of the CPU convolution (kernels/cpu/conv2d.cpp). The whole-batch entry points
// of conv2d.h and the fused conv block (conv_relu_pool.cpp) are loops over these, so both
// run the same GEMMs in the same order and give the same bits.
#pragma once
#include <cstdint>
#include <functional>

#include "engine/geometry.h"

namespace sg::cpu {

// Backward-filter sums over the batch in this many chunks, fixed so that dW has the same
// bits for any thread count.
constexpr int64_t kFilterChunks = 16;

// Per-thread scratch, 64-byte aligned, grown on demand and kept between calls, one buffer
// per use: the callers of these functions (the fused block) have their own.
enum WorkspaceSlot : int {
  kColSlot,        // im2col matrix, or backward data's dcol
  kPaddedSlot,     // the zero-bordered input (padded_sample)
  kWideDySlot,     // backward data: dy in rows of Wp
  kPaddedDxSlot,   // backward data: dx with its border
  kBlockSlot,      // the fused conv block's z and dz (conv_relu_pool.cpp)
  kWinogradInputSlot,   // conv_winograd.cpp: the zero-bordered input planes
  kWinogradFilterSlot,  //   the transformed filters U
  kWinogradVSlot,       //   the transformed input tiles V
  kWinogradMSlot,       //   one block of the products M before the output transform
  kWorkspaceSlots
};
float* workspace(int slot, int64_t n);

// One sample x_n (C×H×W) with its zero border: C planes of Hp×Wp floats, Hp = H + 2·ph,
// Wp = W + 2·pw, then 16 zero floats, so that a load of 16 from any pixel of it stays in
// the buffer. Tap (c, r, s) of output pixel (oy, ox) is at (c·Hp + oy + r)·Wp + ox + s.
struct PaddedSample {
  const float* x;
  int64_t Hp, Wp;
};
PaddedSample padded_sample(const ConvGeom& g, const float* xn);

// y_n[K,P] = W[K,CRS]·col(x_n)[CRS,P] + b   (P = OH·OW; b may be null). U: null, or
// conv_winograd.h's transformed filters of w for the pass (winograd_*_filters, once per
// call), and then that path runs instead.
void conv_sample_forward(const ConvGeom& g, const float* w, const float* U, const float* b,
                         const float* xn, float* yn);
// dx_n += col2im(Wᵀ·dy_n)
void conv_sample_backward_data(const ConvGeom& g, const float* w, const float* U,
                               const float* dyn, float* dxn);
// dw_part[K,CRS] += dy_n·col(x_n)ᵀ,  db_part[k] += Σ_p dy_n[k,p]   (either may be null)
void conv_sample_backward_filter(const ConvGeom& g, const float* xn, const float* dyn,
                                 float* dw_part, float* db_part);

// The fixed-order batch reduction: splits [0, N) into min(N, kFilterChunks) chunks, calls
// chunk(n0, n1, dw_part, db_part) for each in parallel with zeroed partials (null where
// dw or db is null), then adds the partials into dw and db in chunk order.
void reduce_filter_chunks(const ConvGeom& g, float* dw, float* db,
                          const std::function<void(int64_t, int64_t, float*, float*)>& chunk);

}  // namespace sg::cpu

// One sample of the CPU convolution (kernels/cpu/conv2d.cpp). The whole-batch entry points
// of conv2d.h and the fused conv block (conv_relu_pool.cpp) are loops over these, so both
// run the same GEMMs in the same order and give the same bits.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "engine/geometry.h"
#include "kernels/cpu/conv_filter_direct.h"
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/plane_layout.h"

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
  kWinogradFilterSlot,  // conv_winograd.cpp: the transformed filters U
  kWinogradVSlot,       //   the transformed input tiles V
  kWinogradMSlot,       //   one block of the products M before the output transform
  kFilterSumSlot,       // conv_filter_direct.h: a chunk's 16-lane accumulators
  kFilterDySlot,        //   a group's dy in rows of Wp
  kFilterXSlot,         //   a group's zero-bordered samples
  kDirectOutSlot,       // conv_forward_direct.h: the output's wide rows
  kPolyphaseSlot,       // conv_few_taps.h: the input's even and odd columns
  kFewTapsSumSlot,      //   the weight gradient's 16-lane accumulators
  kBiasSumSlot,         // BiasSum's 16-lane accumulators
  kNarrowSlot,          // narrow_rows: the rows to add, made contiguous
  kDenseDySlot,         // conv_sample_backward_data: dy made dense for the GEMM
  kMaskedDySlot,        // conv_relu_pool_dropout: a sample's dy · mask
  kWinogradGradSlot,    // conv_winograd.h's weight gradient: the input made channels-last,
                        //   and a row of tiles' transformed input V and dy D
  kWinogradSumSlot,     //   its sums S [16][K][C]
  kWinogradDySlot,      //   the fused block's dy for it
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
// The same into dst (C·Hp·Wp + 16 floats) instead of the thread's kPaddedSlot.
PaddedSample padded_sample(const ConvGeom& g, const float* xn, float* dst);
// The same from x_n laid out as xl.
PaddedSample padded_sample(const ConvGeom& g, const float* xn, PlaneLayout xl);

// Tap q = (c, r, s)'s offset (c·Hp + r)·Wp + s in C zero-bordered planes of Hp × Wp, in q's
// order: from an output pixel's position in the first plane (row-major, rows of Wp) to
// the input value tap q multiplies.
std::vector<int64_t> tap_offsets(int64_t C, int64_t R, int64_t S, int64_t Hp, int64_t Wp);

// y_n[K,P] = W[K,CRS]·col(x_n)[CRS,P] + b   (P = OH·OW; b may be null). U: null, or
// conv_winograd.h's transformed filters of w for the pass (winograd_*_filters, once per
// call), and then that path runs instead.
void conv_sample_forward(const ConvGeom& g, const float* w, const float* U, const float* b,
                         const float* xn, float* yn);
// dx_n += col2im(Wᵀ·dy_n), dy_n dense [K, OH, OW] or laid out as dyl.
void conv_sample_backward_data(const ConvGeom& g, const float* w, const float* U,
                               const float* dyn, float* dxn);
void conv_sample_backward_data(const ConvGeom& g, const float* w, const float* U,
                               const float* dyn, PlaneLayout dyl, float* dxn);
// dst[i, 0, Wp) = src[i, 0, OW) and zeros after, for rows i < rows: dy in the "wide"
// layout of rows as long as the input's, where tap (c, r, s) of every pixel is one offset.
void widen_rows(const float* src, int64_t rows, int64_t OW, int64_t Wp, float* dst);
// Its inverse: dst[i, 0, OW) = (or += with `accumulate`) src[i, 0, OW), src's rows Wp apart.
void narrow_rows(const float* src, int64_t rows, int64_t OW, int64_t Wp, bool accumulate,
                 float* dst);

// The bias gradient of a chunk of samples, db_part[k] += Σ_n Σ_p dy_n[k,p] (db_part may be
// null: nothing to do): per channel one 16-lane accumulator that adds each output row's
// sum of its blocks of 16 (the last one partial, the blocks in order), rows in order,
// sample after sample; the lanes are added once, in finish(). Fed whole planes or a band
// of rows at a time, it gives the same bits.
class BiasSum {
 public:
  BiasSum(int64_t K, int64_t OW, float* db_part);
  // The next `rows` output rows of every channel: row r of channel k at dy + k·k_stride + r·OW
  // (+ r·row_stride).
  void rows(const float* dy, int64_t k_stride, int64_t rows);
  void rows(const float* dy, int64_t k_stride, int64_t rows, int64_t row_stride);
  void finish();

 private:
  int64_t K_, OW_;
  float* db_;
  float* acc_ = nullptr;  // [K][16], in the calling thread's workspace
};

// The weight and bias gradients of one chunk of samples (reduce_filter_chunks): add(x_n,
// dy_n) for each sample in order, then finish():
//   dw_part[K,CRS] += Σ_n dy_n·col(x_n)ᵀ,  db_part[k] += Σ_n Σ_p dy_n[k,p]
// (either may be null). Per sample: conv_winograd.h's sums where the Winograd mode takes
// the pass (winograd_backward_filter_takes), else conv_few_taps.h's loops (CRS ≤ 9), im2col
// + Eigen GEMM, or with the option conv_path = direct (conv_path.h), conv_filter_direct.h's.
class FilterSum {
 public:
  FilterSum(const ConvGeom& g, float* dw_part, float* db_part);
  void add(const float* xn, const float* dyn);
  void finish();
  // On the Winograd and direct paths: where the next sample's dy may be written, laid out
  // as wide_layout() (on the direct path its wide rows; columns OW… of each row 0), to be
  // taken by add_wide(x_n) without a copy. Null on the other paths: use add().
  float* wide_dy();
  PlaneLayout wide_layout() const;
  void add_wide(const float* xn);

 private:
  const ConvGeom& g_;
  float* dw_;
  BiasSum bias_;
  std::optional<DirectFilterSum> direct_;
  std::optional<WinogradFilterSum> winograd_;
};

// The fixed-order batch reduction: splits [0, N) into min(N, kFilterChunks) chunks, calls
// chunk(n0, n1, dw_part, db_part) for each in parallel with zeroed partials (null where
// dw or db is null), then adds the partials into dw and db in chunk order.
void reduce_filter_chunks(const ConvGeom& g, float* dw, float* db,
                          const std::function<void(int64_t, int64_t, float*, float*)>& chunk);

}  // namespace sg::cpu

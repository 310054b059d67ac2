// Convolutions with few taps: Q = C·R·S ≤ 9, the first layer of each CNN (one input
// channel, 3×3 or 1×3). Eigen's GEMM is at its worst when the inner dimension is 3 or 9
// (each packed panel is used for a handful of FMAs), and unfolding the input (im2col)
// costs as much as the arithmetic, so these two passes of conv2d.cpp are register-blocked
// loops over blocks of 16 output pixels of a row that read the input directly:
//   forward          y[k,p]  = b[k] + Σ_q w[k,q]·x[c, oy+r−ph, ox+s−pw]     (q = (c,r,s))
//   backward filter  dw[k,q] += Σ_p dy[k,p]·x[c, oy+r−ph, ox+s−pw]          (p = (oy,ox))
// One sample (C×H×W in, K×OH×OW out), like the callers, so results do not depend on the
// thread count; a padded conv reads conv_sample.h's zero-bordered copy of the sample.
#pragma once
#include <cstdint>

#include "engine/geometry.h"

namespace sg::cpu {

constexpr int64_t kMaxFewTaps = 9;

// A sample as these loops read it (conv_sample.h's zero-bordered copy when padded, rows of
// Wp floats) and the offset of each tap (c, r, s) from an output pixel's position in it.
struct FewTapsInput {
  const float* x;
  int64_t Wp;
  int64_t off[kMaxFewTaps];
};

void few_taps_forward(const ConvGeom& g, const float* w, const float* b, const float* xn,
                      float* yn);
void few_taps_backward_filter(const ConvGeom& g, const float* xn, const float* dyn, float* dw);

// That weight gradient fed a band of output rows at a time (few_taps_backward_filter is
// one band of all OH rows): per weight a 16-lane accumulator that adds, for each output
// row in order, its blocks of 16 pixels; finish() adds the lanes into dw [K, C·R·S].
class FewTapsFilterSum {
 public:
  FewTapsFilterSum(const ConvGeom& g, const float* xn);
  // Output rows [oy0, oy1) of every channel k: row oy at dz + k·k_stride + (oy − oy0)·OW.
  void rows(const float* dz, int64_t k_stride, int64_t oy0, int64_t oy1);
  void finish(float* dw);

 private:
  const ConvGeom& g_;
  FewTapsInput in_;
  float* acc_;  // [K rounded up to even][C·R·S][16]
};

// The fused conv block's forward (conv_relu_pool.cpp) for one input channel, 3×3 taps and
// 2×2 windows (the Difference Model's first conv) at ≥ 16 windows a row, with the option
// conv_path = direct (conv_path.h): y = max over the window of relu(conv(x) + b), at = the
// offset of its first maximum (−1 where y = 0), without writing the conv's output. (Where
// it takes the forward, the block's backward without an input gradient feeds
// FewTapsFilterSum a band of rows at a time.) The
// input's even and odd columns are copied apart first; then 16 windows' left and right
// values are plain vector loads of them, and a window's four conv values stay in
// registers from the multiply-adds to the max. The same operations in the same order as
// few_taps_forward and the pooling after it: the same bits.
bool few_taps_pool_takes(const ConvGeom& g, int64_t ph, int64_t pw);
void few_taps_conv_relu_pool(const ConvGeom& g, const float* w, const float* b,
                             const float* xn, float* yn, float* atn);

}  // namespace sg::cpu

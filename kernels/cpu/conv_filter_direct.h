// The weight gradient of a convolution without unfolding the input (the direct path beside
// conv2d.cpp's im2col + Eigen GEMM, for C·R·S above conv_few_taps.h's tap count):
//   dw[k,q] += Σ_n Σ_p dy_n[k,p]·x_n[c, oy+r−ph, ox+s−pw]      (q = (c,r,s), p = (oy,ox))
// On the "wide" output grid p' = oy·Wp + ox, ox ∈ [0, Wp) (Wp the input's padded width,
// dy taken as 0 at ox ≥ OW), tap q of pixel p' is x at p' + (c·Hp + r)·Wp + s: one
// contiguous run per tap, so 16 pixels are one unaligned vector load of x and one of dy.
// Register blocks of KB channels × QB taps of 16-lane accumulators (kernels/cpu/blocking.h:
// 4 × 6 for AVX-512's 32 registers, 2 × 2 for AVX2's 16) sum a whole chunk of samples;
// the 16 lanes are added once per chunk, in a fixed tree. Each lane's sum runs over the
// pixels in the same order whatever the block, so both blocks give the same bits, and the
// chunks (conv_sample.h) keep them independent of the thread count. Samples are swept in
// groups (as many as make a sweep of at least 48 blocks), the accumulators kept in registers
// from one sample to the next: the same sums in the same order, whatever the group.
// Taken where conv_path.h's option is direct.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/geometry.h"
#include "kernels/cpu/plane_layout.h"

namespace sg::cpu {

// The chunk's sums: add() once per sample in order, then finish() adds them into dw_part
// [K, C·R·S]. Holds one 16-lane accumulator per weight in the calling thread's workspace.
// x_n must stay valid until the group it joins is swept (at finish() at the latest): the
// callers pass the batch's own tensor.
class DirectFilterSum {
 public:
  DirectFilterSum(const ConvGeom& g, float* dw_part);
  void add(const float* xn, const float* dyn);
  void finish();
  // add() without the copy: the caller writes dy_n's rows into next_dy() in layout()
  // (columns OW… of each row 0; the rest is done here), then calls add_wide(x_n).
  float* next_dy() const { return dy_ + pending_ * dy_size_; }
  PlaneLayout layout() const { return {blocks_ * 16, Wp_}; }
  void add_wide(const float* xn);

 private:
  static constexpr int64_t kMaxGroup = 8;
  void sweep_group();

  const ConvGeom& g_;
  float* dw_;
  float* acc_;  // [K·CRS rounded up to 16][16]
  int64_t Wp_, Hp_, span_, blocks_;  // span: pixels p' in [0, span); blocks of 16 over it
  std::vector<int64_t> off_;         // tap q's offset in the sample (the same for every one)
  bool first_ = true;                // no group swept yet
  int64_t group_ = 1, pending_ = 0;  // samples per group; added and not yet swept
  int64_t dy_size_ = 0, x_size_ = 0;  // one sample's wide dy; its zero-bordered copy
  float* dy_ = nullptr;               // [group][dy_size], the wide dy of the pending samples
  float* xp_ = nullptr;               // [group][x_size] where padded, else null (x read in place)
  const float* group_dy_[kMaxGroup] = {};
  const float* group_x_[kMaxGroup] = {};
};

}  // namespace sg::cpu

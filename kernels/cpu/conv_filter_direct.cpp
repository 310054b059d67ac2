// The direct weight gradient (conv_filter_direct.h).
#include "kernels/cpu/conv_filter_direct.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/blocking.h"
#include "kernels/cpu/conv_sample.h"
#include "kernels/cpu/vec16.h"

namespace sg::cpu {

namespace {

using namespace vec;

// A group of samples' sweep of a register block: the KB × QB accumulators of channels k0…
// and taps q0… over every 16-pixel block of each sample's wide grid, sample after sample.
// The accumulators stay in registers across the group (a short grid, such as a 12×12
// output's 11 blocks, would otherwise spend a third of its time loading and storing them).
struct Sweep {
  const float* const* dy;  // per sample: [K][blocks·16], the wide layout, 0 at ox ≥ OW and past span
  int64_t dy_stride;       // blocks·16
  const float* const* x;   // per sample: the sample (zero-bordered if padded)
  int64_t samples;
  const int64_t* off;      // [CRS]: tap q's offset in x
  int64_t whole;           // blocks of 16 pixels wholly inside the span
  int64_t tail;            // pixels in the last, partial block (0: none)
  float* acc;              // [K·CRS][16]
  int64_t CRS;
  bool first;              // the chunk's first group: the accumulators start at 0
};

template <int KB, int QB>
void sweep(const Sweep& s, int64_t k0, int64_t q0) {
  v16 acc[KB][QB];
#pragma GCC unroll 8
  for (int k = 0; k < KB; ++k)
#pragma GCC unroll 8
    for (int q = 0; q < QB; ++q)
      acc[k][q] = s.first ? v16{} : load(s.acc + ((k0 + k) * s.CRS + q0 + q) * L);
  for (int64_t n = 0; n < s.samples; ++n) {
    const float* dy = s.dy[n] + k0 * s.dy_stride;
    const float* x[QB];
#pragma GCC unroll 8
    for (int q = 0; q < QB; ++q) x[q] = s.x[n] + s.off[q0 + q];
    // acc[k][q] += dy[k, p'…p'+15] · x[p' + off_q …]: KB + QB loads per KB·QB FMAs.
    auto step = [&](int64_t i, auto load_x) {
      v16 d[KB];
#pragma GCC unroll 8
      for (int k = 0; k < KB; ++k) d[k] = load(dy + k * s.dy_stride + i);
#pragma GCC unroll 8
      for (int q = 0; q < QB; ++q) {
        v16 xv = load_x(x[q] + i);
        keep_in_register(xv);
#pragma GCC unroll 8
        for (int k = 0; k < KB; ++k) acc[k][q] += d[k] * xv;
      }
    };
    const int64_t end = s.whole * L;
    for (int64_t i = 0; i < end; i += L) step(i, [](const float* p) { return load(p); });
    // The last block's lanes past the span read nothing (their dy is 0).
    if (s.tail) step(end, [&](const float* p) { return load_first(p, s.tail); });
  }
#pragma GCC unroll 8
  for (int k = 0; k < KB; ++k)
#pragma GCC unroll 8
    for (int q = 0; q < QB; ++q) store(s.acc + ((k0 + k) * s.CRS + q0 + q) * L, acc[k][q]);
}

}  // namespace

DirectFilterSum::DirectFilterSum(const ConvGeom& g, float* dw_part) : g_(g), dw_(dw_part) {
  Hp_ = g.H + 2 * g.pad_h;
  Wp_ = g.W + 2 * g.pad_w;
  span_ = (g.OH() - 1) * Wp_ + g.OW();
  blocks_ = (span_ + L - 1) / L;
  off_ = tap_offsets(g.C, g.R, g.S, Hp_, Wp_);
  const int64_t KQ = g.K * g.C * g.R * g.S;
  acc_ = workspace(kFilterSumSlot, round_up(KQ) * L);
  // Enough samples per group for about kGroupBlocks blocks of 16 pixels per sweep.
  constexpr int64_t kGroupBlocks = 48;
  group_ = std::clamp<int64_t>((kGroupBlocks + blocks_ - 1) / blocks_, 1, kMaxGroup);
  dy_size_ = g.K * blocks_ * L + Wp_;
  dy_ = workspace(kFilterDySlot, group_ * dy_size_);
  x_size_ = Hp_ * Wp_ * g.C + L;
  if (g.pad_h || g.pad_w) xp_ = workspace(kFilterXSlot, group_ * x_size_);
}

void DirectFilterSum::add(const float* xn, const float* dyn) {
  // Channel k's wide rows. The last row's zero columns may run past the block end (stride
  // ≥ span only): into the next channel's rows, written after, or for the last channel
  // into Wp spare floats.
  for (int64_t k = 0; k < g_.K; ++k)
    widen_rows(dyn + k * g_.OH() * g_.OW(), g_.OH(), g_.OW(), Wp_, next_dy() + k * blocks_ * L);
  add_wide(xn);
}

void DirectFilterSum::add_wide(const float* xn) {
  const int64_t stride = blocks_ * L;
  float* dy = next_dy();
  for (int64_t k = 0; k < g_.K; ++k)  // zeros from the span to the block end
    std::fill(dy + k * stride + span_, dy + (k + 1) * stride, 0.0f);
  group_dy_[pending_] = dy;
  group_x_[pending_] = xp_ ? padded_sample(g_, xn, xp_ + pending_ * x_size_).x : xn;
  if (++pending_ == group_) sweep_group();
}

// Every register block over the pending samples.
void DirectFilterSum::sweep_group() {
  if (pending_ == 0) return;
  const int64_t CRS = g_.C * g_.R * g_.S;
  const Sweep sw{group_dy_, blocks_ * L, group_x_, pending_, off_.data(),
                 span_ / L,  span_ % L,   acc_,     CRS,      first_};
  const bool wide = blocking() == Blocking::Wide;
  const int64_t KB = wide ? 4 : 2, QB = wide ? 6 : 2;
  for (int64_t k0 = 0; k0 < g_.K; k0 += KB)
    for (int64_t q0 = 0; q0 < CRS; q0 += QB)
      with_block(std::min(KB, g_.K - k0), std::min(QB, CRS - q0),
                 [&](auto kb, auto qb) { sweep<kb, qb>(sw, k0, q0); });
  first_ = false;
  pending_ = 0;
}

void DirectFilterSum::finish() {
  sweep_group();
  if (!first_) add_lane_sums(acc_, g_.K * g_.C * g_.R * g_.S, dw_);
}

}  // namespace sg::cpu

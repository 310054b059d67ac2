// The direct forward and input gradient (conv_forward_direct.h).
#include "kernels/cpu/conv_forward_direct.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/blocking.h"
#include "kernels/cpu/conv_few_taps.h"
#include "kernels/cpu/conv_path.h"
#include "kernels/cpu/conv_sample.h"
#include "kernels/cpu/vec16.h"

namespace sg::cpu {

namespace {

using namespace vec;

// One sample's conv on the wide grid: y[k, p′] = b[k] + Σ_q w[k·wk + woff[q]]·x[p′ + xoff[q]].
struct Plan {
  const float* x;        // zero-bordered, with 16 spare floats (padded_sample)
  const int64_t* xoff;   // [Q]
  const float* w;
  int64_t wk;            // output channel k's weights start at w + k·wk …
  const int64_t* woff;   // … and tap q's is woff[q] further
  int64_t Q;
  const float* b;        // [K] or null
  float* y;              // [K][vectors·16]
  int64_t y_stride;
};

// KB output channels × PB vectors of 16 pixels from vector v0: every tap's PB input
// vectors are loaded once (kept in registers) and each broadcast weight serves PB FMAs.
template <int KB, int PB>
void sweep(const Plan& p, int64_t k0, int64_t v0) {
  v16 acc[KB][PB];
#pragma GCC unroll 8
  for (int k = 0; k < KB; ++k) {
    const v16 init = splat(p.b ? p.b[k0 + k] : 0.0f);
#pragma GCC unroll 8
    for (int v = 0; v < PB; ++v) acc[k][v] = init;
  }
  const float* x = p.x + v0 * L;
  const float* w = p.w + k0 * p.wk;
  for (int64_t q = 0; q < p.Q; ++q) {
    const float* xq = x + p.xoff[q];
    v16 xv[PB];
#pragma GCC unroll 8
    for (int v = 0; v < PB; ++v) {
      xv[v] = load(xq + v * L);
      keep_in_register(xv[v]);
    }
    const float* wq = w + p.woff[q];
#pragma GCC unroll 8
    for (int k = 0; k < KB; ++k) {
      const v16 wv = splat(wq[k * p.wk]);
#pragma GCC unroll 8
      for (int v = 0; v < PB; ++v) acc[k][v] += wv * xv[v];
    }
  }
#pragma GCC unroll 8
  for (int k = 0; k < KB; ++k)
#pragma GCC unroll 8
    for (int v = 0; v < PB; ++v) store(p.y + (k0 + k) * p.y_stride + (v0 + v) * L, acc[k][v]);
}

void run(const Plan& p, int64_t K, int64_t vectors) {
  const bool wide = blocking() == Blocking::Wide;
  const int64_t KB = wide ? 4 : 2, PB_max = wide ? 6 : 2;
  // The vectors in blocks of nearly equal size (14: 5, 5, 4 rather than 6, 6, 2): a narrow
  // last block does as many loads per FMA as a wide one does at twice the FMAs.
  const int64_t blocks = (vectors + PB_max - 1) / PB_max, PB = (vectors + blocks - 1) / blocks;
  for (int64_t k0 = 0; k0 < K; k0 += KB)
    for (int64_t v0 = 0; v0 < vectors; v0 += PB)
      with_block(std::min(KB, K - k0), std::min(PB, vectors - v0),
                 [&](auto kb, auto pb) { sweep<kb, pb>(p, k0, v0); });
}

// The wide grid of a conv whose zero-bordered input is in: pixels [0, span) in `vectors`
// blocks of 16, and the output's rows of the padded width.
struct Grid {
  int64_t span, vectors, stride;
};
Grid wide_grid(const PaddedSample& in, int64_t OH, int64_t OW) {
  const int64_t span = (OH - 1) * in.Wp + OW, vectors = (span + L - 1) / L;
  return {span, vectors, vectors * L};
}

bool unfolds(const ConvGeom& g) {
  return conv_path() == ConvPath::Direct && !(g.R == 1 && g.S == 1 && g.pad_h == 0 && g.pad_w == 0);
}

}  // namespace

bool direct_forward_takes(const ConvGeom& g) {
  return unfolds(g) && g.C * g.R * g.S > kMaxFewTaps;
}
bool direct_backward_data_takes(const ConvGeom& g) {
  return unfolds(g) && g.pad_h <= g.R - 1 && g.pad_w <= g.S - 1;
}

void direct_forward(const ConvGeom& g, const float* w, const float* b, const float* xn,
                    float* yn) {
  const PaddedSample in = padded_sample(g, xn);
  const int64_t OH = g.OH(), OW = g.OW(), Q = g.C * g.R * g.S;
  const Grid grid = wide_grid(in, OH, OW);
  const std::vector<int64_t> xoff = tap_offsets(g.C, g.R, g.S, in.Hp, in.Wp);
  std::vector<int64_t> woff(static_cast<size_t>(Q));
  for (int64_t q = 0; q < Q; ++q) woff[size_t(q)] = q;
  float* y = workspace(kDirectOutSlot, g.K * grid.stride);
  run({in.x, xoff.data(), w, Q, woff.data(), Q, b, y, grid.stride}, g.K, grid.vectors);
  for (int64_t k = 0; k < g.K; ++k)
    narrow_rows(y + k * grid.stride, OH, OW, in.Wp, false, yn + k * OH * OW);
}

// The transposed conv t: K input channels of OH × OW, padding R−1−p, C output channels of
// H × W; output channel c's weight for tap (k, r, s) is w[k, c, R−1−r, S−1−s].
void direct_backward_data(const ConvGeom& g, const float* w, const float* dyn, PlaneLayout dyl,
                          float* dxn) {
  ConvGeom t;
  t.N = 1, t.C = g.K, t.H = g.OH(), t.W = g.OW(), t.K = g.C, t.R = g.R, t.S = g.S;
  t.pad_h = g.R - 1 - g.pad_h, t.pad_w = g.S - 1 - g.pad_w;
  const PaddedSample in = padded_sample(t, dyn, dyl);
  const int64_t Q = g.K * g.R * g.S;
  const Grid grid = wide_grid(in, g.H, g.W);
  const std::vector<int64_t> xoff = tap_offsets(g.K, g.R, g.S, in.Hp, in.Wp);
  std::vector<int64_t> woff;
  woff.reserve(size_t(Q));
  for (int64_t k = 0; k < g.K; ++k)
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t s = 0; s < g.S; ++s)
        woff.push_back((k * g.C * g.R + g.R - 1 - r) * g.S + g.S - 1 - s);
  float* y = workspace(kDirectOutSlot, g.C * grid.stride);
  run({in.x, xoff.data(), w, g.R * g.S, woff.data(), Q, nullptr, y, grid.stride}, g.C,
      grid.vectors);
  for (int64_t c = 0; c < g.C; ++c)
    narrow_rows(y + c * grid.stride, g.H, g.W, in.Wp, true, dxn + c * g.H * g.W);
}

}  // namespace sg::cpu

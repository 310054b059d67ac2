// Direct loops for convolutions with Q ≤ 9 taps (conv_few_taps.h), on vectors of 16 lanes
// along an output row; Q is a template parameter so the Q input vectors of a block
// (forward) or the accumulators (backward) stay in registers. Every load stays inside the
// row it reads (input rows are Wp ≥ OW + S − 1 wide), and no pixel enters a sum twice.
#include "kernels/cpu/conv_few_taps.h"

#include <algorithm>

#include "engine/error.h"
#include "kernels/cpu/conv_path.h"
#include "kernels/cpu/conv_sample.h"
#include "kernels/cpu/vec16.h"

namespace sg::cpu {

namespace {

using namespace vec;

using Input = FewTapsInput;

// Without padding the sample itself: no block reads past its row (see Block), so these
// loops need neither the border nor the spare floats of the copy.
Input padded_input(const ConvGeom& g, const float* xn) {
  const PaddedSample p =
      g.pad_h || g.pad_w ? padded_sample(g, xn) : PaddedSample{xn, g.H, g.W};
  Input in{p.x, p.Wp, {}};
  const std::vector<int64_t> off = tap_offsets(g.C, g.R, g.S, p.Hp, p.Wp);
  std::copy(off.begin(), off.end(), in.off);
  return in;
}

// A row of OW ≥ 16 pixels ends with a block that overlaps the one before it (at OW − 16):
// the forward recomputes and rewrites identical values there; the backward masks the
// overlap's dy lanes to 0 so that no pixel counts twice. A row shorter than 16 is one
// block of n < 16 lanes loaded and stored as such (slower, but only for tiny inputs).
enum class Block { Full, Overlap, Short };

template <Block B>
[[gnu::always_inline]] inline v16 load_block(const float* p, int64_t n) {
  return B == Block::Short ? load_first(p, n) : load(p);
}

// Per block of pixels of row oy from column ox: load the Q input vectors once, then for
// every k one multiply-add per tap: Q·K FMAs per Q vector loads.
template <int64_t Q, Block B>
[[gnu::always_inline]] inline void forward_block(const Input& in, int64_t K, int64_t P,
                                                 const float* w, const float* b, int64_t oy,
                                                 int64_t OW, int64_t ox, int64_t n, float* y) {
  const float* src = in.x + oy * in.Wp + ox;
  v16 c[Q];
  for (int64_t q = 0; q < Q; ++q) c[q] = load_block<B>(src + in.off[q], n);
  for (int64_t k = 0; k < K; ++k) {
    v16 acc = splat(b ? b[k] : 0.0f);
    for (int64_t q = 0; q < Q; ++q) acc += splat(w[k * Q + q]) * c[q];
    float* dst = y + k * P + oy * OW + ox;
    if (B == Block::Short)
      store_first(dst, acc, n);
    else
      store(dst, acc);
  }
}

// Two blocks of 16 of a row (at ox0 and ox1) at once: each broadcast weight serves two
// FMAs, 2·Q input vectors in registers. The same operations per pixel as forward_block.
template <int64_t Q>
[[gnu::always_inline]] inline void forward_pair(const Input& in, int64_t K, int64_t P,
                                                const float* w, const float* b, int64_t oy,
                                                int64_t OW, int64_t ox0, int64_t ox1, float* y) {
  const float* src = in.x + oy * in.Wp;
  v16 c0[Q], c1[Q];
  for (int64_t q = 0; q < Q; ++q) {
    c0[q] = load(src + ox0 + in.off[q]);
    c1[q] = load(src + ox1 + in.off[q]);
  }
  for (int64_t k = 0; k < K; ++k) {
    v16 acc0 = splat(b ? b[k] : 0.0f), acc1 = acc0;
    for (int64_t q = 0; q < Q; ++q) {
      const v16 wq = splat(w[k * Q + q]);
      acc0 += wq * c0[q];
      acc1 += wq * c1[q];
    }
    store(y + k * P + oy * OW + ox0, acc0);
    store(y + k * P + oy * OW + ox1, acc1);
  }
}

template <int64_t Q>
void forward_q(const ConvGeom& g, const Input& in, const float* w, const float* b, float* y) {
  const int64_t OH = g.OH(), OW = g.OW(), P = OH * OW;
  if (OW < L) {
    for (int64_t oy = 0; oy < OH; ++oy)
      forward_block<Q, Block::Short>(in, g.K, P, w, b, oy, OW, 0, OW, y);
    return;
  }
  // The blocks of a row: whole ones from 0, and one ending at OW if 16 does not divide it.
  const int64_t whole = OW / L, blocks = whole + (OW % L ? 1 : 0);
  auto start = [&](int64_t i) { return i < whole ? i * L : OW - L; };
  for (int64_t oy = 0; oy < OH; ++oy) {
    int64_t i = 0;
    for (; i + 1 < blocks; i += 2) forward_pair<Q>(in, g.K, P, w, b, oy, OW, start(i), start(i + 1), y);
    if (i < blocks) forward_block<Q, Block::Full>(in, g.K, P, w, b, oy, OW, start(i), L, y);
  }
}

// Two output channels at a time, their rows r0 and r1 of dz: 2·Q lane-wise accumulators,
// 2 + Q vector loads per 2·Q FMAs.
template <int64_t Q, Block B>
[[gnu::always_inline]] inline void filter_block(const Input& in, const float* r0,
                                                const float* r1, int64_t oy, int64_t ox,
                                                int64_t n, v16 (&acc)[2][Q]) {
  const float* src = in.x + oy * in.Wp + ox;
  v16 a = load_block<B>(r0 + ox, n), b = load_block<B>(r1 + ox, n);
  if (B == Block::Overlap) a = last_lanes(a, n), b = last_lanes(b, n);  // the n new pixels
  for (int64_t q = 0; q < Q; ++q) {
    v16 c = load_block<B>(src + in.off[q], n);
    keep_in_register(c);
    acc[0][q] += a * c;
    acc[1][q] += b * c;
  }
}

// Rows [oy0, oy1) into the accumulators accs [K rounded up to even][Q][16]: per pair of
// channels, row by row, each row's full blocks then its last, overlapping one.
template <int64_t Q>
void filter_rows_q(const ConvGeom& g, const Input& in, const float* dz, int64_t k_stride,
                   int64_t oy0, int64_t oy1, float* accs) {
  const int64_t OW = g.OW(), K = g.K;
  const int64_t full = OW / L * L, rest = OW - full;
  for (int64_t k0 = 0; k0 < K; k0 += 2) {
    const float* d0 = dz + k0 * k_stride;
    const float* d1 = dz + (k0 + (K - k0 < 2 ? 0 : 1)) * k_stride;  // d0 again for a last odd k
    float* a = accs + k0 * Q * L;
    v16 acc[2][Q];
    for (int j = 0; j < 2; ++j)
      for (int64_t q = 0; q < Q; ++q) acc[j][q] = load(a + (j * Q + q) * L);
    for (int64_t oy = oy0; oy < oy1; ++oy) {
      const float* r0 = d0 + (oy - oy0) * OW;
      const float* r1 = d1 + (oy - oy0) * OW;
      if (OW < L) {
        filter_block<Q, Block::Short>(in, r0, r1, oy, 0, OW, acc);
        continue;
      }
      for (int64_t ox = 0; ox < full; ox += L)
        filter_block<Q, Block::Full>(in, r0, r1, oy, ox, L, acc);
      if (rest) filter_block<Q, Block::Overlap>(in, r0, r1, oy, OW - L, rest, acc);
    }
    for (int j = 0; j < 2; ++j)
      for (int64_t q = 0; q < Q; ++q) store(a + (j * Q + q) * L, acc[j][q]);
  }
}

template <int64_t... Qs>
struct Table {
  using Fwd = void (*)(const ConvGeom&, const Input&, const float*, const float*, float*);
  using Filter = void (*)(const ConvGeom&, const Input&, const float*, int64_t, int64_t, int64_t,
                          float*);
  static constexpr Fwd fwd[] = {nullptr, forward_q<Qs>...};
  static constexpr Filter filter[] = {nullptr, filter_rows_q<Qs>...};
};
using Taps = Table<1, 2, 3, 4, 5, 6, 7, 8, 9>;

int64_t checked_taps(const ConvGeom& g) {
  const int64_t Q = g.C * g.R * g.S;
  SG_CHECK(Q >= 1 && Q <= kMaxFewTaps, "few-taps conv: C·R·S = ", Q, " outside [1, ",
           kMaxFewTaps, "]");
  return Q;
}

}  // namespace

void few_taps_forward(const ConvGeom& g, const float* w, const float* b, const float* xn,
                      float* yn) {
  const int64_t Q = checked_taps(g);
  Taps::fwd[Q](g, padded_input(g, xn), w, b, yn);
}

FewTapsFilterSum::FewTapsFilterSum(const ConvGeom& g, const float* xn)
    : g_(g), in_(padded_input(g, xn)) {
  const int64_t n = (g.K + 1) / 2 * 2 * checked_taps(g) * L;
  acc_ = workspace(kFewTapsSumSlot, n);
  std::fill(acc_, acc_ + n, 0.0f);
}

void FewTapsFilterSum::rows(const float* dz, int64_t k_stride, int64_t oy0, int64_t oy1) {
  Taps::filter[g_.C * g_.R * g_.S](g_, in_, dz, k_stride, oy0, oy1, acc_);
}

void FewTapsFilterSum::finish(float* dw) { add_lane_sums(acc_, g_.K * g_.C * g_.R * g_.S, dw); }

void few_taps_backward_filter(const ConvGeom& g, const float* xn, const float* dyn, float* dw) {
  FewTapsFilterSum sum(g, xn);
  sum.rows(dyn, g.OH() * g.OW(), 0, g.OH());
  sum.finish(dw);
}

bool few_taps_pool_takes(const ConvGeom& g, int64_t ph, int64_t pw) {
  return g.C == 1 && g.R == 3 && g.S == 3 && ph == 2 && pw == 2 && g.OW() / 2 >= L &&
         conv_path() == ConvPath::Direct;
}

// Output pixel (2i+u, 2j+v) reads x[2i+u+r][2j+v+s]: column parity and offset e = v + s
// pick E[j], O[j], E[j+1] or O[j+1] (E, O: the even and odd columns, rows of Wh), so the
// 16 windows j… of pooled row i need 4 rows × 4 vectors, shared by every channel k.
void few_taps_conv_relu_pool(const ConvGeom& g, const float* w, const float* b,
                             const float* xn, float* yn, float* atn) {
  const PaddedSample p = g.pad_h || g.pad_w ? padded_sample(g, xn) : PaddedSample{xn, g.H, g.W};
  const int64_t Wh = (p.Wp + 1) / 2;
  float* E = workspace(kPolyphaseSlot, 2 * p.Hp * Wh);
  float* O = E + p.Hp * Wh;
  for (int64_t r = 0; r < p.Hp; ++r)
    for (int64_t j = 0; j < Wh; j += L) {  // columns 2j … 2j + 31 of row r
      const float* src = p.x + r * p.Wp + 2 * j;
      const int64_t n = p.Wp - 2 * j;       // columns left in the row
      const v16 lo = n >= L ? load(src) : load_first(src, n);
      const v16 hi = n >= 2 * L ? load(src + L) : load_first(src + L, n - L);
      const int64_t m = std::min(L, Wh - j);
      store_first(E + r * Wh + j, even(lo, hi), m);
      store_first(O + r * Wh + j, odd(lo, hi), m);
    }
  const int64_t QH = g.OH() / 2, QW = g.OW() / 2, Q = QH * QW;
  for (int64_t i = 0; i < QH; ++i)
    // QW ≥ 16: whole blocks, the last one overlapping (identical values rewritten).
    for_each_block(QW, [&](int64_t j, int64_t) {
      v16 X[4][4];
      for (int a = 0; a < 4; ++a) {
        const float* e = E + (2 * i + a) * Wh + j;
        const float* o = O + (2 * i + a) * Wh + j;
        X[a][0] = load(e), X[a][1] = load(o), X[a][2] = load(e + 1), X[a][3] = load(o + 1);
      }
      for (int64_t k = 0; k < g.K; ++k) {
        const float* wk = w + k * 9;
        v16 m = splat(0.0f), best = splat(-1.0f);
        for (int u = 0; u < 2; ++u)
          for (int v = 0; v < 2; ++v) {
            v16 z = splat(b ? b[k] : 0.0f);  // tap order q = 3r + s, as forward_block
            for (int r = 0; r < 3; ++r)
              for (int s = 0; s < 3; ++s) z += splat(wk[r * 3 + s]) * X[u + r][v + s];
            const m16 greater = z > m;  // window order, strict >: the first maximum
            m = select(greater, z, m);
            best = select(greater, splat(float(2 * u + v)), best);
          }
        store(yn + k * Q + i * QW + j, m);
        store(atn + k * Q + i * QW + j, best);
      }
    });
}

}  // namespace sg::cpu

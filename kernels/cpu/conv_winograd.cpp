// Winograd F(2×2, 3×3) on the CPU (conv_winograd.h; the derivation is in docs/ops.md). With
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1],
// the 2×2 outputs of a tile whose 4×4 input block is d[c] are
//   Y[k] = Aᵀ [ Σ_c U[k,c] ⊙ V[c] ] A,   U[k,c] = G w[k,c] Gᵀ,   V[c] = Bᵀ d[c] B,
// so per sample, with the 16 positions (ξ,ν) of the 4×4 transforms, the work is:
//   1. V[ξν][c][t] for every tile t (input transform: additions only),
//   2. M[ξν] = U[ξν]·V[ξν], 16 GEMMs [K × C]·[C × T]  (the 16 multiplies per tile),
//   3. y from Aᵀ M A per tile (additions only), + b;
// 2 and 3 block by block (8 output channels × 48 tiles), so M stays in L1.
// Tiles are vectorised 16 at a time along a row of tiles: the 16 tiles' values at column j
// of their blocks are the even or odd columns of two 16-float loads (vec16.h), and the
// outputs go back interleaved. Each row of tiles is padded to a multiple of 16 tiles (the
// extra ones read zeros and are never stored), so the GEMMs need no tails in t.
#include "kernels/cpu/conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#include "engine/error.h"
#include "kernels/cpu/blocking.h"
#include "kernels/cpu/conv_few_taps.h"
#include "kernels/cpu/conv_sample.h"
#include "kernels/cpu/vec16.h"

namespace sg::cpu {

namespace {

using namespace vec;

// Unset or empty: on (measured faster for the Difference Model, the training's accuracy
// unchanged; README "Speed").
WinogradMode parse(const char* v, const char* what) {
  const std::string s = v ? v : "";
  if (s == "off") return WinogradMode::Off;
  if (s.empty() || s == "on") return WinogradMode::On;
  SG_CHECK(s == "all", what, " must be off, on or all, got '", s, "'");
  return WinogradMode::All;
}

std::atomic<WinogradMode>& setting() {
  static std::atomic<WinogradMode> mode{parse(std::getenv("STEREOGRAD_WINOGRAD"), "STEREOGRAD_WINOGRAD")};
  return mode;
}

// The tiling of one output plane OH×OW: TH rows of TW tiles of 2×2, each row padded to TWp
// tiles (a multiple of 16), T = TH·TWp in all (input_transform reads each tile's input
// where it lies, zeros outside).
// V [16][C][T] is stored with strides vc between channels and vq between positions, each
// an odd number of cache lines: with T = 256 (a 32×32 output) plain strides are 1 KiB and
// C·1 KiB, so the input transform's 16 stores and the GEMM's rows of channels all fall in
// a few of L1's 64 sets and evict one another (4K aliasing with the loads, too).
struct Tiling {
  int64_t OH, OW, TH, TW, TWp, T, vc, vq;
};

// A stride of at least n floats that is an odd number of 16-float cache lines.
int64_t odd_lines(int64_t n) {
  const int64_t lines = (n + L - 1) / L;
  return (lines | 1) * L;
}

Tiling tiling(int64_t OH, int64_t OW, int64_t C) {
  Tiling t{OH, OW, (OH + 1) / 2, (OW + 1) / 2, 0, 0, 0, 0};
  t.TWp = (t.TW + L - 1) / L * L;
  t.T = t.TH * t.TWp;
  t.vc = odd_lines(t.T);
  t.vq = odd_lines(C * t.vc);
  return t;
}

// The 4×4 filters U[ξν][k][c] = (G g Gᵀ)[ξ][ν] of g = w[k, c] (w [K, C, 3, 3]), or for the
// adjoint (backward data: the conv with K and C of w swapped) g[r][s] = w[c, k, 2−r, 2−s].
void filter_transform(const float* w, int64_t K, int64_t C, bool adjoint, float* U) {
  constexpr float G[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  for (int64_t k = 0; k < K; ++k)
    for (int64_t c = 0; c < C; ++c) {
      const float* src = adjoint ? w + (c * K + k) * 9 : w + (k * C + c) * 9;
      float g[3][3], a[4][3];
      for (int r = 0; r < 3; ++r)
        for (int s = 0; s < 3; ++s) g[r][s] = adjoint ? src[8 - (r * 3 + s)] : src[r * 3 + s];
      for (int i = 0; i < 4; ++i)
        for (int s = 0; s < 3; ++s) a[i][s] = G[i][0] * g[0][s] + G[i][1] * g[1][s] + G[i][2] * g[2][s];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          U[((i * 4 + j) * K + k) * C + c] = a[i][0] * G[j][0] + a[i][1] * G[j][1] + a[i][2] * G[j][2];
    }
}

// V[ξν][c][t] = (Bᵀ d B)[ξ][ν] for every tile t of every channel c, d the tile's 4×4 block
// of x [C, H, W] (laid out as xl) zero-padded by ph rows and pw columns on the top and left
// and by zeros past its end: tile (ty, tx) reads rows 2ty − ph … + 3 and columns 2tx − pw …
// + 3, and a vector of 16 tiles 34 columns from 2tx − pw, as four loads of 16 (at 0, 16, 2,
// 18). Loads wholly inside a row are plain; the others take their lanes inside it (the
// rest 0), and rows outside x are 0: x is read where it lies, never copied. Bᵀ's rows,
// applied to rows and then to columns: (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
void input_transform(const float* x, PlaneLayout xl, int64_t C, int64_t H, int64_t W,
                     int64_t ph, int64_t pw, const Tiling& t, float* V) {
  auto load_at = [W](const float* row, int64_t col) {  // columns col … col + 15 of a row
    if (col >= 0 && col + L <= W) return load(row + col);
    const int64_t lo = std::max<int64_t>(0, -col), hi = std::min<int64_t>(L, W - col);
    return lo < hi ? load_lanes(row + col, lo, hi) : v16{};
  };
  for (int64_t c = 0; c < C; ++c)
    for (int64_t ty = 0; ty < t.TH; ++ty)
      for (int64_t tx = 0; tx < t.TWp; tx += L) {
        v16 e[4][4];  // Bᵀ d
        {
          v16 d[4][4];
          const int64_t col = 2 * tx - pw;
          for (int i = 0; i < 4; ++i) {
            const int64_t iy = 2 * ty + i - ph;
            if (iy < 0 || iy >= H) {
              for (int j = 0; j < 4; ++j) d[i][j] = v16{};
              continue;
            }
            const float* row = x + c * xl.plane + iy * xl.row;
            const v16 a = load_at(row, col), b = load_at(row, col + L),
                      a2 = load_at(row, col + 2), b2 = load_at(row, col + L + 2);
            d[i][0] = even(a, b), d[i][1] = odd(a, b), d[i][2] = even(a2, b2), d[i][3] = odd(a2, b2);
          }
          for (int j = 0; j < 4; ++j) {
            e[0][j] = d[0][j] - d[2][j];
            e[1][j] = d[1][j] + d[2][j];
            e[2][j] = d[2][j] - d[1][j];
            e[3][j] = d[1][j] - d[3][j];
          }
        }
        float* v = V + c * t.vc + ty * t.TWp + tx;
        for (int i = 0; i < 4; ++i) {
          store(v + (4 * i + 0) * t.vq, e[i][0] - e[i][2]);
          store(v + (4 * i + 1) * t.vq, e[i][1] + e[i][2]);
          store(v + (4 * i + 2) * t.vq, e[i][2] - e[i][1]);
          store(v + (4 * i + 3) * t.vq, e[i][1] - e[i][3]);
        }
      }
}

// The output transform of 16 tiles of one output channel, from tile index t (a multiple
// of 16, within one row of tiles): m[q·qs] holds M at position q = 4ξ + ν of the 16 tiles.
// y (=, or += with `accumulate`) gets Aᵀ M A + bias. Aᵀ's rows, applied to rows and then
// to columns: (m0 + m1 + m2, m1 − m2 − m3).
[[gnu::always_inline]] inline void output_tiles(const float* m, int64_t qs, const Tiling& t,
                                                int64_t t0, float bias, bool accumulate,
                                                float* y) {
  const int64_t ty = t0 / t.TWp, ox = 2 * (t0 % t.TWp);
  const int64_t n = std::min(2 * L, t.OW - ox);  // output columns to store
  if (n <= 0) return;                             // tiles of the padding only
  v16 s[4][2];                                    // M A
  for (int i = 0; i < 4; ++i) {
    const v16 m0 = load(m + (4 * i) * qs), m1 = load(m + (4 * i + 1) * qs),
              m2 = load(m + (4 * i + 2) * qs), m3 = load(m + (4 * i + 3) * qs);
    s[i][0] = m0 + m1 + m2;
    s[i][1] = m1 - m2 - m3;
  }
  for (int i = 0; i < 2 && 2 * ty + i < t.OH; ++i) {
    const v16 y0 = (i == 0 ? s[0][0] + s[1][0] + s[2][0] : s[1][0] - s[2][0] - s[3][0]) + bias;
    const v16 y1 = (i == 0 ? s[0][1] + s[1][1] + s[2][1] : s[1][1] - s[2][1] - s[3][1]) + bias;
    float* row = y + (2 * ty + i) * t.OW + ox;
    const v16 halves[2] = {interleave_lo(y0, y1), interleave_hi(y0, y1)};
    for (int h = 0; h < 2; ++h) {
      const int64_t width = std::min(L, n - h * L);
      if (width <= 0) break;
      float* p = row + h * L;
      if (width == L)
        store(p, accumulate ? load(p) + halves[h] : halves[h]);
      else
        store_first(p, accumulate ? load_first(p, width) + halves[h] : halves[h], width);
    }
  }
}

// For KB output channels from k0 and TV vectors of 16 tiles from t0: the 16 GEMMs
// M[q][k][t] = Σ_c U[q][k][c]·V[q][c][t], KB·TV accumulators in registers (winograd_sample
// sizes them to the register file), c in order; M into the small block buffer Mb (16·KB·TV·16 floats, in L1),
// then the output transform of those tiles, so M never leaves the cache.
template <int KB, int TV>
void block(const float* U, const float* V, int64_t K, int64_t C, const Tiling& t, int64_t k0,
           int64_t t0, const float* b, bool accumulate, float* Mb, float* y) {
  constexpr int64_t qs = KB * TV * L;  // Mb's stride between positions q
  for (int64_t q = 0; q < 16; ++q) {
    const float* Uq = U + (q * K + k0) * C;
    const float* Vq = V + q * t.vq + t0;
    v16 acc[KB][TV];
    for (int k = 0; k < KB; ++k)
      for (int v = 0; v < TV; ++v) acc[k][v] = v16{};
    for (int64_t c = 0; c < C; ++c) {
      v16 x[TV];
      for (int v = 0; v < TV; ++v) x[v] = load(Vq + c * t.vc + v * L);
      for (int k = 0; k < KB; ++k) {
        const v16 u = splat(Uq[k * C + c]);
        for (int v = 0; v < TV; ++v) acc[k][v] += u * x[v];
      }
    }
    for (int k = 0; k < KB; ++k)
      for (int v = 0; v < TV; ++v) store(Mb + q * qs + (k * TV + v) * L, acc[k][v]);
  }
  for (int k = 0; k < KB; ++k)
    for (int v = 0; v < TV; ++v)
      output_tiles(Mb + (k * TV + v) * L, qs, t, t0 + v * L, b ? b[k0 + k] : 0.0f, accumulate,
                   y + (k0 + k) * t.OH * t.OW);
}

// Every block of KB rows: the tiles in blocks of TV vectors, then the rest.
template <int KB, int TV>
void rows(const float* U, const float* V, int64_t K, int64_t C, const Tiling& t, int64_t k0,
          const float* b, bool accumulate, float* Mb, float* y) {
  const int64_t nv = t.T / L;
  int64_t v = 0;
  for (; v + TV <= nv; v += TV) block<KB, TV>(U, V, K, C, t, k0, v * L, b, accumulate, Mb, y);
  if constexpr (TV > 2)
    if (nv - v == 2) block<KB, 2>(U, V, K, C, t, k0, v * L, b, accumulate, Mb, y);
  if constexpr (TV > 1)
    if (nv - v == 1) block<KB, 1>(U, V, K, C, t, k0, v * L, b, accumulate, Mb, y);
}

// The output channels in blocks of KB, then the rest (each block's sums run over c in
// order, so the result does not depend on KB or TV: bit-identical across blockings).
template <int KB, int TV>
void all_rows(const float* U, const float* V, int64_t K, int64_t C, const Tiling& t, const float* b,
              bool accumulate, float* Mb, float* y) {
  int64_t k = 0;
  for (; k + KB <= K; k += KB) rows<KB, TV>(U, V, K, C, t, k, b, accumulate, Mb, y);
  switch (K - k) {
    case 7: return rows<7, TV>(U, V, K, C, t, k, b, accumulate, Mb, y);
    case 6: return rows<6, TV>(U, V, K, C, t, k, b, accumulate, Mb, y);
    case 5: return rows<5, TV>(U, V, K, C, t, k, b, accumulate, Mb, y);
    case 4: return rows<4, TV>(U, V, K, C, t, k, b, accumulate, Mb, y);
    case 3: return rows<3, TV>(U, V, K, C, t, k, b, accumulate, Mb, y);
    case 2: return rows<2, TV>(U, V, K, C, t, k, b, accumulate, Mb, y);
    case 1: return rows<1, TV>(U, V, K, C, t, k, b, accumulate, Mb, y);
    default: return;
  }
}

// y [K, OH, OW] (=, or += with `accumulate`) = the conv of x [C, H, W], zero-padded by
// (ph, pw), with the transformed filters U [16][K][C], + b (may be null). The GEMMs'
// register block follows the register file (vec16.h, Blocking): 8 channels × 3 vectors,
// 24 accumulators of AVX-512's 32 zmm; 6 × 1 where a 16-float vector is two of AVX2's
// 16 ymm (12 accumulators, the two loads and the broadcast: BLIS's Haswell 6 × 16 kernel).
// 8 × 3 there would be 48 ymm accumulators, spilled: measured 4.6× slower on a Zen 3.
void winograd_sample(int64_t C, int64_t H, int64_t W, int64_t ph, int64_t pw, int64_t K,
                     const float* U, const float* b, const float* x, PlaneLayout xl,
                     bool accumulate, float* y) {
  const Tiling t = tiling(H + 2 * ph - 2, W + 2 * pw - 2, C);
  float* V = workspace(kWinogradVSlot, 16 * t.vq);
  float* Mb = workspace(kWinogradMSlot, 16 * 8 * 3 * L);
  input_transform(x, xl, C, H, W, ph, pw, t, V);
  if (blocking() == Blocking::Wide)
    all_rows<8, 3>(U, V, K, C, t, b, accumulate, Mb, y);
  else
    all_rows<6, 1>(U, V, K, C, t, b, accumulate, Mb, y);
}

}  // namespace

WinogradMode winograd_mode() { return setting().load(std::memory_order_relaxed); }
void set_winograd_mode(WinogradMode m) { setting().store(m, std::memory_order_relaxed); }
WinogradMode parse_winograd_mode(const std::string& value) {
  return parse(value.c_str(), "option winograd");
}

namespace {

// Whether the mode takes a 3×3 pass with this output: All, or On where the path pays. It
// pays where the GEMMs' multiplies (16 per tile, rows of tiles padded to 16) are at most
// 1/1.5 of the direct conv's 9 per output: a short row of tiles is mostly padding (the
// model's last conv, 12×12 outputs: 1.2× more multiplies than direct, and measured slower).
bool takes(int64_t OH, int64_t OW) {
  const WinogradMode m = winograd_mode();
  if (m != WinogradMode::On) return m == WinogradMode::All;
  return 1.5 * 16.0 * double(tiling(OH, OW, 1).T) <= 9.0 * double(OH) * double(OW);
}

}  // namespace

const float* winograd_forward_filters(const ConvGeom& g, const float* w) {
  if (!(g.R == 3 && g.S == 3 && g.C * 9 > kMaxFewTaps && takes(g.OH(), g.OW()))) return nullptr;
  float* U = workspace(kWinogradFilterSlot, 16 * g.K * g.C);
  filter_transform(w, g.K, g.C, false, U);
  return U;
}

const float* winograd_backward_data_filters(const ConvGeom& g, const float* w) {
  if (!(g.R == 3 && g.S == 3 && g.pad_h <= 2 && g.pad_w <= 2 && takes(g.H, g.W))) return nullptr;
  float* U = workspace(kWinogradFilterSlot, 16 * g.K * g.C);
  filter_transform(w, g.C, g.K, true, U);
  return U;
}

void winograd_forward(const ConvGeom& g, const float* U, const float* b, const float* xn,
                      float* yn) {
  winograd_sample(g.C, g.H, g.W, g.pad_h, g.pad_w, g.K, U, b, xn, PlaneLayout::dense(g.H, g.W),
                  false, yn);
}

// The adjoint of a conv with padding p is the conv of dy (C' = K channels, OH×OW) with
// padding 2 − p and the flipped, channel-swapped filter: its output is H×W.
void winograd_backward_data(const ConvGeom& g, const float* U, const float* dyn, PlaneLayout dyl,
                            float* dxn) {
  winograd_sample(g.K, g.OH(), g.OW(), 2 - g.pad_h, 2 - g.pad_w, g.C, U, nullptr, dyn, dyl, true,
                  dxn);
}

}  // namespace sg::cpu

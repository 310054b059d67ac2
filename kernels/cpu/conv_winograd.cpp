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
// The weight gradient ("The weight gradient" below) runs its own plan: a row of tiles at a
// time, vectorised over channels.
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
  t.TWp = round_up(t.TW);
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
          // The two rows the row of tiles after the next reads first (about 100 ns ahead).
          for (int i = 6; i < 8; ++i) {
            const int64_t iy = 2 * ty + i - ph;
            if (iy < 0 || iy >= H) continue;
            const float* row = x + c * xl.plane + iy * xl.row + std::max<int64_t>(col, 0);
            __builtin_prefetch(row);
            __builtin_prefetch(row + L);
          }
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

// ---- The weight gradient ----
// The adjoint of y = Aᵀ[U ⊙ V]A with U = G w Gᵀ: for one tile with output gradient δ (2×2)
// and input block d (4×4), Σ_ij δ[i][j]·d[i + r][j + s] = (Gᵀ [(A δ Aᵀ) ⊙ (Bᵀ d B)] G)[r][s],
// so with D[ξν][k][t] = (A δ_kt Aᵀ)[ξ][ν] and V[ξν][t][c] = (Bᵀ d_ct B)[ξ][ν],
//   dw[k, c] = Gᵀ S[k, c] G,   S[ξν][k][c] = Σ_n Σ_t D[ξν][k][t]·V[ξν][t][c]:
// 16 GEMMs [K × T]·[T × C] per sample (16 multiplies per tile and channel pair instead of
// the direct sums' 36), summed over the chunk's samples before the one transform G.
// One row of tiles at a time, so D and V stay in L1 from their transforms to the GEMMs;
// V is vectorised over c (x is first transposed to [H][W][C]), so S[ξν][k][·] is one
// accumulator per 16 channels that the row's tiles add to in order, and S (16·K·C floats)
// stays in cache for the whole chunk.

// D[ξν][k][t] = (A δ Aᵀ)[ξ][ν] for the tiles t of row ty of every channel k, δ the tile's
// 2×2 block of dy [K, OH, OW] laid out as dyl, zeros outside it. A's rows, applied to rows
// and then to columns: (δ0, δ0 + δ1, δ0 − δ1, −δ1). D [TWp/16][K][16][16]: per block of 16
// tiles, channel k's 16 positions are 256 contiguous floats (its stores fill whole lines),
// and the GEMM's channels a constant 256 floats apart.
constexpr int64_t kGradBlock = 16 * L;  // one channel's D for a block of 16 tiles

void grad_transform_row(const float* dy, PlaneLayout dyl, int64_t K, const Tiling& t, int64_t ty,
                        float* D) {
  const int64_t rows = std::min<int64_t>(2, t.OH - 2 * ty);  // 1 on an odd OH's last row
  for (int64_t tx = 0; tx < t.TWp; tx += L) {
    // Columns 2tx … 2tx + 31 in two loads of their first n0, n1 lanes (0 past OW).
    const int64_t n0 = std::clamp<int64_t>(t.OW - 2 * tx, 0, L);
    const int64_t n1 = std::clamp<int64_t>(t.OW - 2 * tx - L, 0, L);
    for (int64_t k = 0; k < K; ++k) {
      // The rows of channel k + 4, ahead of their loads: 2K rows in K planes are too many
      // streams for the hardware prefetcher (measured: these loads stalled the loop).
      if (k + 4 < K)
        for (int i = 0; i < rows; ++i) {
          const float* next = dy + (k + 4) * dyl.plane + (2 * ty + i) * dyl.row + 2 * tx;
          __builtin_prefetch(next);
          __builtin_prefetch(next + std::max<int64_t>(n0 + n1, 1) - 1);
        }
      v16 d[2][2] = {};
      for (int i = 0; i < rows; ++i) {
        const float* row = dy + k * dyl.plane + (2 * ty + i) * dyl.row + 2 * tx;
        const v16 a = load_first(row, n0), b = load_first(row + L, n1);
        d[i][0] = even(a, b), d[i][1] = odd(a, b);
      }
      v16 e[4][2];  // A δ
      for (int j = 0; j < 2; ++j) {
        e[0][j] = d[0][j];
        e[1][j] = d[0][j] + d[1][j];
        e[2][j] = d[0][j] - d[1][j];
        e[3][j] = v16{} - d[1][j];
      }
      float* v = D + (tx / L * K + k) * kGradBlock;
      for (int i = 0; i < 4; ++i) {
        store(v + (4 * i + 0) * L, e[i][0]);
        store(v + (4 * i + 1) * L, e[i][0] + e[i][1]);
        store(v + (4 * i + 2) * L, e[i][0] - e[i][1]);
        store(v + (4 * i + 3) * L, v16{} - e[i][1]);
      }
    }
  }
}

// xh [Hx][Wx][Cp] = x_n [C, H, W] moved by (ph, pw), channels padded to Cp (a multiple of
// 16) with zeros, and zeros around: 16×16 blocks of (channels, columns) transposed in
// registers.
void transpose_input(const float* x, int64_t C, int64_t H, int64_t W, int64_t ph, int64_t pw,
                     int64_t Hx, int64_t Wx, int64_t Cp, float* xh) {
  // Zeros where x does not land: the rows above and below, the columns left and right.
  std::fill(xh, xh + ph * Wx * Cp, 0.0f);
  std::fill(xh + (ph + H) * Wx * Cp, xh + Hx * Wx * Cp, 0.0f);
  for (int64_t h = ph; h < ph + H; ++h) {
    std::fill(xh + h * Wx * Cp, xh + (h * Wx + pw) * Cp, 0.0f);
    std::fill(xh + (h * Wx + pw + W) * Cp, xh + (h + 1) * Wx * Cp, 0.0f);
  }
  for (int64_t h = 0; h < H; ++h)
    for (int64_t w0 = 0; w0 < W; w0 += L) {
      const int64_t n = std::min(L, W - w0);
      if (h + 2 < H)  // 2 rows ahead: C planes are too many streams for the hardware prefetcher
        for (int64_t c = 0; c < C; ++c) __builtin_prefetch(x + (c * H + h + 2) * W + w0);
      for (int64_t c0 = 0; c0 < Cp; c0 += L) {
        v16 r[L];
        for (int64_t i = 0; i < L; ++i) {
          const float* p = x + ((c0 + i) * H + h) * W + w0;
          r[i] = c0 + i >= C ? v16{} : n == L ? load(p) : load_first(p, n);
        }
        transpose16(r);
        for (int64_t j = 0; j < n; ++j) store(xh + ((h + ph) * Wx + w0 + j + pw) * Cp + c0, r[j]);
      }
    }
}

// V[ξν][tx][c] = (Bᵀ d B)[ξ][ν] for the tiles of row ty, d the tile's 4×4 block of xh
// (rows 2ty …, columns 2tx …), 16 channels per vector. V [16][TW][Cp].
void input_transform_row(const float* xh, int64_t Wx, int64_t Cp, const Tiling& t, int64_t ty,
                         float* V) {
  const int64_t qs = t.TW * Cp;
  for (int64_t tx = 0; tx < t.TW; ++tx)
    for (int64_t c0 = 0; c0 < Cp; c0 += L) {
      const float* p = xh + (2 * ty * Wx + 2 * tx) * Cp + c0;
      v16 e[4][4];  // Bᵀ d
      for (int j = 0; j < 4; ++j) {
        const v16 d0 = load(p + j * Cp), d1 = load(p + (Wx + j) * Cp),
                  d2 = load(p + (2 * Wx + j) * Cp), d3 = load(p + (3 * Wx + j) * Cp);
        e[0][j] = d0 - d2, e[1][j] = d1 + d2, e[2][j] = d2 - d1, e[3][j] = d1 - d3;
      }
      float* v = V + tx * Cp + c0;
      for (int i = 0; i < 4; ++i) {
        store(v + (4 * i + 0) * qs, e[i][0] - e[i][2]);
        store(v + (4 * i + 1) * qs, e[i][1] + e[i][2]);
        store(v + (4 * i + 2) * qs, e[i][2] - e[i][1]);
        store(v + (4 * i + 3) * qs, e[i][1] - e[i][3]);
      }
    }
}

// One register block of one position's GEMM over a row of tiles: S[k][c…] += Σ_t D[k][t]·
// V[t][c…] for KB channels k (S and D from there) and CB vectors of 16 channels c (from
// c0), t = 0 … TW − 1 in order: CB loads and KB broadcasts per KB·CB FMAs. The row's sum
// starts from 0 and is added to S once: a sum of rows of sums, not one running sum over
// every tile of the chunk (whose rounding error grows with the image's area).
template <int KB, int CB>
void grad_block(const float* D, int64_t K, const float* V, int64_t TW, int64_t Cp, int64_t c0,
                float* S) {
  v16 acc[KB][CB];
#pragma GCC unroll 16
  for (int k = 0; k < KB; ++k)
#pragma GCC unroll 2
    for (int c = 0; c < CB; ++c) acc[k][c] = v16{};
  for (int64_t t0 = 0; t0 < TW; t0 += L) {
    const float* Db = D + t0 / L * K * kGradBlock;
    const int64_t n = std::min(L, TW - t0);
    for (int64_t t = 0; t < n; ++t) {
      v16 x[CB];
#pragma GCC unroll 2
      for (int c = 0; c < CB; ++c) x[c] = load(V + (t0 + t) * Cp + c0 + c * L);
#pragma GCC unroll 16
      for (int k = 0; k < KB; ++k) {
        const v16 d = splat(Db[k * kGradBlock + t]);
#pragma GCC unroll 2
        for (int c = 0; c < CB; ++c) acc[k][c] += d * x[c];
      }
    }
  }
#pragma GCC unroll 16
  for (int k = 0; k < KB; ++k)
#pragma GCC unroll 2
    for (int c = 0; c < CB; ++c) {
      float* p = S + k * Cp + c0 + c * L;
      store(p, load(p) + acc[k][c]);
    }
}

// Channels k in blocks of KB, the rest in halving blocks (each S value's sum runs over t in
// order whatever its block: the same bits for every blocking).
template <int KB, int CB>
void grad_rows(const float* D, int64_t K, int64_t k0, const float* V, int64_t TW, int64_t Cp,
               int64_t c0, float* S) {
  int64_t k = k0;
  for (; k + KB <= K; k += KB)
    grad_block<KB, CB>(D + k * kGradBlock, K, V, TW, Cp, c0, S + k * Cp);
  if constexpr (KB > 1) {
    if (k < K) grad_rows<KB / 2, CB>(D, K, k, V, TW, Cp, c0, S);
  }
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

// The forward of a 3×3 conv above conv_few_taps.h's tap count, where the mode takes it.
bool forward_takes(const ConvGeom& g) {
  return g.R == 3 && g.S == 3 && g.C * 9 > kMaxFewTaps && takes(g.OH(), g.OW());
}

}  // namespace

const float* winograd_forward_filters(const ConvGeom& g, const float* w) {
  if (!forward_takes(g)) return nullptr;
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

// On, where the forward's Winograd would be taken and the GEMMs' multiplies (16 per tile
// and channel pair, the input channels padded to a multiple of 16) are at most 1/1.5 of the
// direct sums' 9 per output: an input of 4 channels wastes 3/4 of each vector (the U-Net's
// 4 → 8 conv at 32×32 measured 2× slower than direct).
bool winograd_backward_filter_takes(const ConvGeom& g) {
  if (!forward_takes(g)) return false;
  if (winograd_mode() == WinogradMode::All) return true;
  const Tiling t = tiling(g.OH(), g.OW(), 1);
  return 1.5 * 16.0 * double(round_up(g.C)) * double(t.TH * t.TW) <=
         9.0 * double(g.C) * double(g.OH() * g.OW());
}

// Per sample: xh [Hx][Wx][Cp], then per row of tiles V [16][TW][Cp] and D [TWp/16][K][16][16].
WinogradFilterSum::WinogradFilterSum(const ConvGeom& g, float* dw_part)
    : g_(g), dw_(dw_part), Cp_(round_up(g.C)) {
  const Tiling t = tiling(g.OH(), g.OW(), 1);
  Hx_ = 2 * t.TH + 2, Wx_ = 2 * t.TW + 2;
  S_ = workspace(kWinogradSumSlot, 16 * g.K * Cp_);
  std::fill(S_, S_ + 16 * g.K * Cp_, 0.0f);
}

float* WinogradFilterSum::next_dy() const { return workspace(kWinogradDySlot, g_.K * g_.OH() * g_.OW()); }

PlaneLayout WinogradFilterSum::layout() const { return PlaneLayout::dense(g_.OH(), g_.OW()); }

void WinogradFilterSum::add(const float* xn, const float* dyn, PlaneLayout dyl) {
  const ConvGeom& g = g_;
  const int64_t K = g.K, Cp = Cp_;
  const Tiling t = tiling(g.OH(), g.OW(), 1);
  float* xh = workspace(kWinogradGradSlot, Hx_ * Wx_ * Cp + 16 * t.TW * Cp + 16 * K * t.TWp);
  float* V = xh + Hx_ * Wx_ * Cp;
  float* D = V + 16 * t.TW * Cp;
  transpose_input(xn, g.C, g.H, g.W, g.pad_h, g.pad_w, Hx_, Wx_, Cp, xh);
  const bool wide = blocking() == Blocking::Wide;
  for (int64_t ty = 0; ty < t.TH; ++ty) {
    input_transform_row(xh, Wx_, Cp, t, ty, V);
    grad_transform_row(dyn, dyl, K, t, ty, D);
    for (int64_t q = 0; q < 16; ++q) {
      const float* Dq = D + q * L;
      const float* Vq = V + q * t.TW * Cp;
      float* Sq = S_ + q * K * Cp;
      int64_t c0 = 0;
      if (wide) {  // 16 accumulators of one vector of channels, or 8 of two
        for (; c0 + 2 * L <= Cp; c0 += 2 * L) grad_rows<8, 2>(Dq, K, 0, Vq, t.TW, Cp, c0, Sq);
        if (c0 < Cp) grad_rows<16, 1>(Dq, K, 0, Vq, t.TW, Cp, c0, Sq);
      } else {  // AVX2: 4 accumulators of two ymm each
        for (; c0 < Cp; c0 += L) grad_rows<4, 1>(Dq, K, 0, Vq, t.TW, Cp, c0, Sq);
      }
    }
  }
}

// dw_part[k, c] += Gᵀ S[k, c] G.
void WinogradFilterSum::finish() {
  const int64_t K = g_.K, C = g_.C, Cp = Cp_;
  constexpr float G[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  for (int64_t k = 0; k < K; ++k)
    for (int64_t c = 0; c < C; ++c) {
      float a[3][4];  // Gᵀ S
      for (int r = 0; r < 3; ++r)
        for (int j = 0; j < 4; ++j) {
          float v = 0.0f;
          for (int i = 0; i < 4; ++i) v += G[i][r] * S_[((i * 4 + j) * K + k) * Cp + c];
          a[r][j] = v;
        }
      float* dw = dw_ + (k * C + c) * 9;
      for (int r = 0; r < 3; ++r)
        for (int s = 0; s < 3; ++s)
          dw[r * 3 + s] += a[r][0] * G[0][s] + a[r][1] * G[1][s] + a[r][2] * G[2][s] + a[r][3] * G[3][s];
    }
}

}  // namespace sg::cpu

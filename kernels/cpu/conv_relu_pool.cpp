// The fused conv block on the CPU: Conv (ReLU) + MaxPooling, one sample at a time.
//
// Unfused, a batch of 64 through the first conv of the Difference Model writes a
// [64,16,62,62] activation (15.7 MB) and then reads and writes it again for the ReLU, the
// pooling and, in the backward pass, the zero-fill, the pooling's scatter and the ReLU's
// mask: about a dozen passes over memory that does not fit in cache. Here each sample's
// z = conv(x_n) + b (16·62·62 floats = 246 KB) lives in a per-thread buffer that stays
// in L2; only the pooled y and the window offsets `at` (4× smaller) reach memory.
//
// The GEMMs are those of conv2d.cpp (conv_sample.h) in the same order, and the pooling takes
// the first maximum as maxpool2d.cpp does, so forward and gradients are bit-identical to
// conv2d → relu → maxpool2d (tests/test_conv_relu_pool.cpp checks this).
#include "kernels/cpu/conv_relu_pool.h"

#include "kernels/cpu/backend.h"
#include "kernels/cpu/conv_few_taps.h"
#include "kernels/cpu/dropout.h"
#include "kernels/cpu/conv_sample.h"
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/vec16.h"

#include <algorithm>
#include <utility>

namespace sg {

using cpu::workspace;

namespace {

// relu_pool_plane reads up to this many floats past a plane's end (the last row's block
// of 32 columns); the workspace holding the planes has them to spare.
constexpr int64_t kPoolSlack = 2 * cpu::vec::L;

// One plane z[OH, OW] to y, at [QH, QW], windows ph×pw: y = max(0, the window's values),
// at = the offset a·pw + c of its first maximum in row-major order, -1 where y = 0.
// Windows 1×2 and 2×2 (the models') take 16 windows at a time: the even and the odd
// columns of two 16-float loads are the windows' left and right values, compared in
// window order with the same strict > as the scalar loop, so both give the same bits.
void relu_pool_plane(const float* z, int64_t OW, int64_t ph, int64_t pw, int64_t QH,
                     int64_t QW, float* y, float* at) {
  using namespace cpu::vec;
  if (pw == 2 && ph <= 2) {
    // 16 windows from column j of row i (vec::for_each_block: a longer row's last block
    // overlaps and rewrites identical values; n < 16 only for rows shorter than 16).
    auto block = [&](int64_t i, int64_t j, int64_t n) {
      v16 m = splat(0.0f), best = splat(-1.0f);
      for (int64_t a = 0; a < ph; ++a) {
        const float* row = z + (i * ph + a) * OW + 2 * j;
        const v16 lo = load(row), hi = load(row + L);
        for (const auto& [v, offset] : {std::pair{even(lo, hi), 2 * a}, {odd(lo, hi), 2 * a + 1}}) {
          const m16 greater = v > m;
          m = select(greater, v, m);
          best = select(greater, splat(float(offset)), best);
        }
      }
      if (n == L) {
        store(y + i * QW + j, m);
        store(at + i * QW + j, best);
      } else {
        store_first(y + i * QW + j, m, n);
        store_first(at + i * QW + j, best, n);
      }
    };
    for (int64_t i = 0; i < QH; ++i)
      for_each_block(QW, [&](int64_t j, int64_t n) { block(i, j, n); });
    return;
  }
  for (int64_t i = 0; i < QH; ++i)
    for (int64_t j = 0; j < QW; ++j) {
      const float* win = z + i * ph * OW + j * pw;
      float m = 0.0f;  // relu: nothing below 0; strict > keeps the first maximum
      int64_t best = -1;
      for (int64_t a = 0; a < ph; ++a)
        for (int64_t c = 0; c < pw; ++c)
          if (win[a * OW + c] > m) m = win[a * OW + c], best = a * pw + c;
      y[i * QW + j] = m;
      at[i * QW + j] = float(best);
    }
}

// One row of windows of the adjoint, 1×2 and 2×2 windows: the ph rows (`row` apart) of OW
// values under the QW windows of dy_row and at_row, 16 windows at a time, the left and
// right values interleaved back into the columns (a last odd column, in no window, gets 0,
// and so do the columns from OW to `row`).
void relu_pool_row_backward(const float* dy_row, const float* at_row, int64_t row, int64_t ph,
                            int64_t QW, float* dz_rows) {
  using namespace cpu::vec;
  const v16 zero = splat(0.0f);
  for_each_block(QW, [&](int64_t j, int64_t n) {
    const bool full = n == L;
    const v16 d = full ? load(dy_row + j) : load_first(dy_row + j, n);
    const v16 a = full ? load(at_row + j) : load_first(at_row + j, n);
    for (int64_t r = 0; r < ph; ++r) {
      const v16 left = select(a == splat(float(2 * r)), d, zero);
      const v16 right = select(a == splat(float(2 * r + 1)), d, zero);
      float* out = dz_rows + r * row + 2 * j;
      if (full) {
        store(out, interleave_lo(left, right));
        store(out + L, interleave_hi(left, right));
      } else {
        store_first(out, interleave_lo(left, right), std::min(L, 2 * n));
        store_first(out + L, interleave_hi(left, right), std::max<int64_t>(0, 2 * n - L));
      }
    }
  });
  for (int64_t r = 0; r < ph; ++r)
    std::fill(dz_rows + r * row + 2 * QW, dz_rows + (r + 1) * row, 0.0f);
}

// The adjoint: dz[OH, OW] = dy at each window's `at`, 0 everywhere else, its rows `row` ≥ OW
// apart (every element of the rows is written, the columns from OW to `row` with 0).
void relu_pool_plane_backward(const float* dy, const float* at, int64_t OH, int64_t row,
                              int64_t ph, int64_t pw, int64_t QH, int64_t QW, float* dz) {
  if (pw == 2 && ph <= 2) {
    for (int64_t i = 0; i < QH; ++i)
      relu_pool_row_backward(dy + i * QW, at + i * QW, row, ph, QW, dz + i * ph * row);
    std::fill(dz + QH * ph * row, dz + OH * row, 0.0f);  // a last odd row is in no window
    return;
  }
  std::fill(dz, dz + OH * row, 0.0f);
  for (int64_t i = 0; i < QH; ++i)
    for (int64_t j = 0; j < QW; ++j) {
      const int64_t a = int64_t(at[i * QW + j]);
      if (a >= 0) dz[(i * ph + a / pw) * row + j * pw + a % pw] = dy[i * QW + j];
    }
}

}  // namespace

// y = max over the window of relu(z); at = offset of its first maximum, -1 where y = 0.
void CpuBackend::conv_relu_pool_forward(const ConvGeom& g, int64_t ph, int64_t pw,
                                        const float* x, const float* w, const float* b,
                                        float* y, float* at) {
  cpu::conv_relu_pool_forward(g, ph, pw, x, w, b, nullptr, y, at);
}

void CpuBackend::conv_relu_pool_backward(const ConvGeom& g, int64_t ph, int64_t pw,
                                         const float* x, const float* w, const float* at,
                                         const float* dy, float* dx, float* dw, float* db) {
  cpu::conv_relu_pool_backward(g, ph, pw, x, w, at, nullptr, dy, dx, dw, db);
}

namespace cpu {

// Each sample's y, still in cache, times the mask where there is one.
void conv_relu_pool_forward(const ConvGeom& g, int64_t ph, int64_t pw, const float* x,
                            const float* w, const float* b, const DropoutMask* m, float* y,
                            float* at) {
  check_conv_pool(g, ph, pw);
  const int64_t OH = g.OH(), OW = g.OW(), P = OH * OW;
  const int64_t QH = OH / ph, QW = OW / pw, Q = QH * QW;
  const DropoutDraw draw = m ? dropout_draw(*m) : DropoutDraw{};
  auto mask = [&](int64_t n) {  // and at = −1 where dropped: the backward routes nothing there
    float* yn = y + n * g.K * Q;
    if (m) dropout_range(draw, n * g.K * Q, g.K * Q, yn, yn, at + n * g.K * Q);
  };
  if (few_taps_pool_takes(g, ph, pw)) {
#pragma omp parallel for schedule(static)
    for (int64_t n = 0; n < g.N; ++n) {
      few_taps_conv_relu_pool(g, w, b, x + n * g.C * g.H * g.W, y + n * g.K * Q, at + n * g.K * Q);
      mask(n);
    }
    return;
  }
  const float* U = winograd_forward_filters(g, w);
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.N; ++n) {
    float* z = workspace(kBlockSlot, g.K * P + kPoolSlack);
    conv_sample_forward(g, w, U, b, x + n * g.C * g.H * g.W, z);
    for (int64_t k = 0; k < g.K; ++k)
      relu_pool_plane(z + k * P, OW, ph, pw, QH, QW, y + (n * g.K + k) * Q,
                      at + (n * g.K + k) * Q);
    mask(n);
  }
}

// dz_n = dy_n (· m_n) scattered to `at`; then dx_n += conv backward-data(dz_n) and the
// fixed-order chunked sums dw += Σ_n dz_n ⋆ x_n, db += Σ dz_n of conv2d.cpp (conv_sample.h's
// FilterSum).
void conv_relu_pool_backward(const ConvGeom& g, int64_t ph, int64_t pw, const float* x,
                             const float* w, const float* at, const DropoutMask* m,
                             const float* dy_all, float* dx, float* dw, float* db) {
  check_conv_pool(g, ph, pw);
  const int64_t OW = g.OW(), P = g.OH() * OW;
  const int64_t QH = g.OH() / ph, QW = OW / pw, Q = QH * QW;
  const int64_t in_size = g.C * g.H * g.W;
  // Sample n's dy [K, Q]: dy_all's own, or with a mask dy·(1/(1 − p)) in the thread's
  // workspace: the dropped values' `at` is −1 (the forward's), so dy·m needs no second draw.
  const float keep = m ? m->keep() : 1.0f;
  auto dy_of = [&](int64_t n) -> const float* {
    const float* dyn = dy_all + n * g.K * Q;
    if (!m) return dyn;
    float* masked = workspace(kMaskedDySlot, g.K * Q);
    for (int64_t i = 0; i < g.K * Q; ++i) masked[i] = dyn[i] * keep;
    return masked;
  };
  if (!dx && few_taps_pool_takes(g, ph, pw)) {
    // A band of rows of windows at a time: dz's rows of the band (kBand·ph per channel) stay
    // in L1 on their way to the sums, which are fed the rows in the order the whole plane
    // gives them (the same bits).
    reduce_filter_chunks(g, dw, db, [&](int64_t n0, int64_t n1, float* dwc, float* dbc) {
      BiasSum bias(g.K, OW, dbc);
      constexpr int64_t kBand = 2;  // rows of windows per band (measured: 1 to 4 alike, 8 slower)
      float* band = workspace(kBlockSlot, g.K * kBand * ph * OW);
      for (int64_t n = n0; n < n1; ++n) {
        FewTapsFilterSum filter(g, x + n * in_size);
        const float* dyn = dy_of(n);
        const float* atn = at + n * g.K * Q;
        for (int64_t i0 = 0; i0 < QH; i0 += kBand) {
          const int64_t rows = std::min(kBand, QH - i0) * ph, stride = kBand * ph * OW;
          for (int64_t k = 0; k < g.K; ++k)
            for (int64_t i = i0; i < i0 + rows / ph; ++i) {
              const int64_t row = k * Q + i * QW;
              relu_pool_row_backward(dyn + row, atn + row, OW, ph, QW,
                                     band + k * stride + (i - i0) * ph * OW);
            }
          if (dwc) filter.rows(band, stride, i0 * ph, i0 * ph + rows);
          bias.rows(band, stride, rows);
        }
        if (QH * ph < g.OH()) {  // a last odd row, in no window: zeros, summed all the same
          std::fill(band, band + g.K * OW, 0.0f);
          if (dwc) filter.rows(band, OW, QH * ph, g.OH());
          bias.rows(band, OW, 1);
        }
        if (dwc) filter.finish(dwc);
      }
      bias.finish();
    });
    return;
  }
  const float* U = dx ? winograd_backward_data_filters(g, w) : nullptr;
  // dz_n is written once, where the weight gradient reads it: on the direct path straight
  // into its wide rows, which the input gradient then reads as they are.
  auto sample = [&](int64_t n, FilterSum* sum) {
    float* wide = sum ? sum->wide_dy() : nullptr;
    const PlaneLayout l = wide ? sum->wide_layout() : PlaneLayout::dense(g.OH(), OW);
    float* dz = wide ? wide : workspace(kBlockSlot, g.K * P);
    const float* dyn = dy_of(n);
    for (int64_t k = 0; k < g.K; ++k)
      relu_pool_plane_backward(dyn + k * Q, at + (n * g.K + k) * Q, g.OH(), l.row, ph, pw, QH,
                               QW, dz + k * l.plane);
    if (wide)
      sum->add_wide(x + n * in_size);
    else if (sum)
      sum->add(x + n * in_size, dz);
    if (dx) conv_sample_backward_data(g, w, U, dz, l, dx + n * in_size);
  };
  if (dw || db) {
    reduce_filter_chunks(g, dw, db, [&](int64_t n0, int64_t n1, float* dwc, float* dbc) {
      FilterSum sum(g, dwc, dbc);
      for (int64_t n = n0; n < n1; ++n) sample(n, &sum);
      sum.finish();
    });
  } else if (dx) {
#pragma omp parallel for schedule(static)
    for (int64_t n = 0; n < g.N; ++n) sample(n, nullptr);
  }
}

}  // namespace cpu

}  // namespace sg

// CPU convolution: im2col + one Eigen GEMM per sample, OpenMP over the batch.
//
// Per sample n, unfold the input into a matrix with one row per filter tap (c,r,s) and
// one column per output pixel p = oy·OW + ox:
//   col[(c·R + r)·S + s, p] = x[n, c, oy+r-ph, ox+s-pw]      (0 in the padding)
// Then, with CRS = C·R·S and P = OH·OW (all matrices row-major):
//   forward          Y_n[K,P]    = W[K,CRS] · col[CRS,P] + b          (b broadcast over P)
//   backward data    dcol[CRS,P] = Wᵀ · dY_n,  then col2im adds dcol back onto dx
//                    (in a layout where that is one long add per tap: see below)
//   backward filter  dW[K,CRS]  += dY_n · colᵀ,  db[k] += sum_p dY_n[k,p]
// A 1×1 kernel without padding needs no unfolding: col is x itself. With at most 9 taps
// (CRS ≤ 9) the forward and backward filter run conv_few_taps.h's loops, no unfolding; with
// the Winograd path on (conv_winograd.h), 3×3 forwards and backward data run it. The
// backward functions accumulate (+=); a null dx, dw or db is "not needed" and skipped.
//
// Determinism: forward and backward-data treat each sample alone, so their bits do not
// depend on the thread count. Backward-filter sums over the batch; it splits the batch
// into a fixed number of chunks (independent of the thread count), computes each chunk's
// partial dW/db in its own buffer, then adds the partials in chunk order.
#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/conv_few_taps.h"
#include "kernels/cpu/conv_forward_direct.h"
#include "kernels/cpu/conv_path.h"
#include "kernels/cpu/conv_sample.h"
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/vec16.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/error.h"

namespace sg::cpu {

namespace {

using RowMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Mat = Eigen::Map<RowMat>;
using ConstMat = Eigen::Map<const RowMat>;
using AlignedVec = std::vector<float, Eigen::aligned_allocator<float>>;

// A 1×1 kernel without padding: the input plane already is the im2col matrix.
bool is_pointwise(const ConvGeom& g) {
  return g.R == 1 && g.S == 1 && g.pad_h == 0 && g.pad_w == 0;
}

// dst[0, n) = src[0, n) without a library call (per row of a few floats, the call costs
// more than the copy): blocks of 16, the last one ending at n, or lane by lane below 16.
void copy_floats(const float* src, int64_t n, float* dst) {
  using namespace vec;
  for_each_block(n, [&](int64_t i, int64_t width) {
    if (width == L)
      store(dst + i, load(src + i));
    else
      store_first(dst + i, load_first(src + i, width), width);
  });
}

// col[(c·R + r)·S + s, oy·OW + ox] = x[c, oy+r-ph, ox+s-pw], zero outside the image.
// x is one sample (C×H×W); col is CRS×P, row-major, with 16 floats to spare at its end.
// From the zero-bordered sample every row of col is a plain copy of OW floats, done in
// whole blocks of 16 (a memcpy per row of 12 floats cost as much as the GEMM): a row's
// last block spills into the next row, written after it, or into the spare floats.
void im2col(const ConvGeom& g, const float* x, float* col) {
  using namespace vec;
  const PaddedSample in = padded_sample(g, x);
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t s = 0; s < g.S; ++s) {
        float* dst = col + ((c * g.R + r) * g.S + s) * OH * OW;
        const float* src = in.x + (c * in.Hp + r) * in.Wp + s;
        for (int64_t oy = 0; oy < OH; ++oy, dst += OW, src += in.Wp)
          for (int64_t ox = 0; ox < OW; ox += L) store(dst + ox, load(src + ox));
      }
}

}  // namespace

// ---- One sample (conv_sample.h) ----

namespace {

// The copy every padded_sample makes: x_n laid out as xl into xp (C·Hp·Wp + 16 floats).
PaddedSample pad_into(const ConvGeom& g, const float* xn, PlaneLayout xl, float* xp) {
  const int64_t Hp = g.H + 2 * g.pad_h, Wp = g.W + 2 * g.pad_w, plane = Hp * Wp;
  const bool dense = xl.plane == g.H * g.W && xl.row == g.W;
  if (dense && !g.pad_h && !g.pad_w) {
    std::copy(xn, xn + g.C * plane, xp);
  } else {
    std::fill(xp, xp + g.C * plane, 0.0f);
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t iy = 0; iy < g.H; ++iy)
        copy_floats(xn + c * xl.plane + iy * xl.row, g.W,
                    xp + c * plane + (iy + g.pad_h) * Wp + g.pad_w);
  }
  std::fill(xp + g.C * plane, xp + g.C * plane + vec::L, 0.0f);
  return {xp, Hp, Wp};
}

float* padded_slot(const ConvGeom& g) {
  return workspace(kPaddedSlot, g.C * (g.H + 2 * g.pad_h) * (g.W + 2 * g.pad_w) + vec::L);
}

}  // namespace

PaddedSample padded_sample(const ConvGeom& g, const float* xn) {
  return pad_into(g, xn, PlaneLayout::dense(g.H, g.W), padded_slot(g));
}
PaddedSample padded_sample(const ConvGeom& g, const float* xn, PlaneLayout xl) {
  return pad_into(g, xn, xl, padded_slot(g));
}
PaddedSample padded_sample(const ConvGeom& g, const float* xn, float* xp) {
  return pad_into(g, xn, PlaneLayout::dense(g.H, g.W), xp);
}

std::vector<int64_t> tap_offsets(int64_t C, int64_t R, int64_t S, int64_t Hp, int64_t Wp) {
  std::vector<int64_t> off;
  off.reserve(size_t(C * R * S));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t r = 0; r < R; ++r)
      for (int64_t s = 0; s < S; ++s) off.push_back((c * Hp + r) * Wp + s);
  return off;
}

float* workspace(int slot, int64_t n) {
  thread_local AlignedVec buf[kWorkspaceSlots];
  SG_CHECK(slot >= 0 && slot < kWorkspaceSlots, "cpu conv: no workspace slot ", slot);
  AlignedVec& b = buf[slot];
  if (int64_t(b.size()) < n) b.resize(size_t(n));
  return b.data();
}

// y_n[K,P] = W·col(x_n) + b
void conv_sample_forward(const ConvGeom& g, const float* w, const float* U, const float* b,
                         const float* xn, float* yn) {
  const int64_t CRS = g.C * g.R * g.S, P = g.OH() * g.OW();
  if (CRS <= kMaxFewTaps) return few_taps_forward(g, w, b, xn, yn);
  if (U) return winograd_forward(g, U, b, xn, yn);
  if (direct_forward_takes(g)) return direct_forward(g, w, b, xn, yn);
  const float* col = xn;
  if (!is_pointwise(g)) {
    float* buf = workspace(kColSlot, CRS * P + vec::L);
    im2col(g, xn, buf);
    col = buf;
  }
  Mat Y(yn, g.K, P);
  for (int64_t k = 0; k < g.K; ++k) Y.row(k).setConstant(b ? b[k] : 0.0f);
  Y.noalias() += ConstMat(w, g.K, CRS) * ConstMat(col, CRS, P);
}

// dx_n += col2im(Wᵀ·dy_n), in the wide layout: with dy_n's rows widened to Wp columns
// (the extra Wp − OW of them 0), row (c, r, s) of dcol = Wᵀ·dy_wide lands on the zero-
// bordered dx as one contiguous range starting at (c·Hp + r)·Wp + s, so col2im is one long
// vector add per tap instead of one short add per output row (the zero columns add 0).
void conv_sample_backward_data(const ConvGeom& g, const float* w, const float* U,
                               const float* dyn, float* dxn) {
  conv_sample_backward_data(g, w, U, dyn, PlaneLayout::dense(g.OH(), g.OW()), dxn);
}

void conv_sample_backward_data(const ConvGeom& g, const float* w, const float* U,
                               const float* dyn, PlaneLayout dyl, float* dxn) {
  const int64_t CRS = g.C * g.R * g.S, OH = g.OH(), OW = g.OW(), P = OH * OW;
  if (U) return winograd_backward_data(g, U, dyn, dyl, dxn);
  if (direct_backward_data_takes(g)) return direct_backward_data(g, w, dyn, dyl, dxn);
  if (dyl.plane != P || dyl.row != OW) {  // the GEMM below reads dense planes
    float* dense = workspace(kDenseDySlot, g.K * P);
    for (int64_t k = 0; k < g.K; ++k)
      narrow_rows(dyn + k * dyl.plane, OH, OW, dyl.row, false, dense + k * P);
    dyn = dense;
  }
  const ConstMat W(w, g.K, CRS);
  if (is_pointwise(g)) {
    Mat(dxn, CRS, P).noalias() += W.transpose() * ConstMat(dyn, g.K, P);
    return;
  }
  const int64_t Hp = g.H + 2 * g.pad_h, Wp = g.W + 2 * g.pad_w, PW = OH * Wp;
  float* dyw = workspace(kWideDySlot, g.K * PW);
  widen_rows(dyn, g.K * OH, OW, Wp, dyw);
  Mat dcol(workspace(kColSlot, CRS * PW), CRS, PW);
  dcol.noalias() = W.transpose() * ConstMat(dyw, g.K, PW);
  const bool padded = g.pad_h || g.pad_w;
  const int64_t size = g.C * Hp * Wp;
  float* dxp = padded ? workspace(kPaddedDxSlot, size) : dxn;
  if (padded) std::fill(dxp, dxp + size, 0.0f);
  for (int64_t c = 0, q = 0; c < g.C; ++c)
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t s = 0; s < g.S; ++s, ++q) {
        const int64_t at = (c * Hp + r) * Wp + s;
        const int64_t n = std::min(PW, size - at);  // what is cut off adds only zeros
        const float* src = dcol.data() + q * PW;
        float* dst = dxp + at;
        for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
      }
  if (padded)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t iy = 0; iy < g.H; ++iy) {
        const float* src = dxp + (c * Hp + iy + g.pad_h) * Wp + g.pad_w;
        float* dst = dxn + (c * g.H + iy) * g.W;
        for (int64_t ix = 0; ix < g.W; ++ix) dst[ix] += src[ix];
      }
}

void widen_rows(const float* src, int64_t rows, int64_t OW, int64_t Wp, float* dst) {
  for (int64_t i = 0; i < rows; ++i, src += OW, dst += Wp) {
    copy_floats(src, OW, dst);
    std::fill(dst + OW, dst + Wp, 0.0f);
  }
}

void narrow_rows(const float* src, int64_t rows, int64_t OW, int64_t Wp, bool accumulate,
                 float* dst) {
  using namespace vec;
  // Row by row, each row's last block masked. To add, the rows go first into a contiguous
  // copy, which is then added as one run: a masked store into a cache line that the next
  // row's load reads stalls that load until the store retires (no store forwarding).
  float* out = accumulate ? workspace(kNarrowSlot, rows * OW) : dst;
  for (int64_t i = 0; i < rows; ++i) {
    int64_t j = 0;
    for (; j + L <= OW; j += L) store(out + i * OW + j, load(src + i * Wp + j));
    if (j < OW) store_first(out + i * OW + j, load_first(src + i * Wp + j, OW - j), OW - j);
  }
  if (!accumulate) return;
  const int64_t n = rows * OW;
  int64_t j = 0;
  for (; j + L <= n; j += L) store(dst + j, load(dst + j) + load(out + j));
  if (j < n) store_first(dst + j, load_first(dst + j, n - j) + load_first(out + j, n - j), n - j);
}

BiasSum::BiasSum(int64_t K, int64_t OW, float* db_part) : K_(K), OW_(OW), db_(db_part) {
  if (!db_) return;
  acc_ = workspace(kBiasSumSlot, K * vec::L);
  std::fill(acc_, acc_ + K * vec::L, 0.0f);
}

void BiasSum::rows(const float* dy, int64_t k_stride, int64_t rows) {
  this->rows(dy, k_stride, rows, OW_);
}

void BiasSum::rows(const float* dy, int64_t k_stride, int64_t rows, int64_t row_stride) {
  using namespace vec;
  if (!db_) return;
  for (int64_t k = 0; k < K_; ++k) {
    v16 acc = load(acc_ + k * L);
    for (int64_t r = 0; r < rows; ++r) {  // the row's own sum first: one add per row on acc
      const float* row = dy + k * k_stride + r * row_stride;
      v16 s = OW_ < L ? load_first(row, OW_) : load(row);
      int64_t i = L;
      for (; i + L <= OW_; i += L) s += load(row + i);
      if (i < OW_) s += load_first(row + i, OW_ - i);
      acc += s;
    }
    store(acc_ + k * L, acc);
  }
}

void BiasSum::finish() {
  if (db_) vec::add_lane_sums(acc_, K_, db_);
}

FilterSum::FilterSum(const ConvGeom& g, float* dw_part, float* db_part)
    : g_(g), dw_(dw_part), bias_(g.K, g.OW(), db_part) {
  const int64_t CRS = g.C * g.R * g.S;
  if (dw_part && winograd_backward_filter_takes(g))
    winograd_.emplace(g, dw_part);
  else if (dw_part && CRS > kMaxFewTaps && !is_pointwise(g) && conv_path() == ConvPath::Direct)
    direct_.emplace(g, dw_part);
}

// dw_part[K,CRS] += dy_n·col(x_n)ᵀ,  db_part[k] += Σ_p dy_n[k,p]
void FilterSum::add(const float* xn, const float* dyn) {
  const ConvGeom& g = g_;
  const int64_t CRS = g.C * g.R * g.S, P = g.OH() * g.OW();
  const ConstMat dY(dyn, g.K, P);
  if (winograd_) {
    winograd_->add(xn, dyn, PlaneLayout::dense(g.OH(), g.OW()));
  } else if (direct_) {
    direct_->add(xn, dyn);
  } else if (dw_ && CRS <= kMaxFewTaps) {
    few_taps_backward_filter(g, xn, dyn, dw_);
  } else if (dw_) {
    const float* col = xn;
    if (!is_pointwise(g)) {
      float* buf = workspace(kColSlot, CRS * P + vec::L);
      im2col(g, xn, buf);
      col = buf;
    }
    Mat(dw_, g.K, CRS).noalias() += dY * ConstMat(col, CRS, P).transpose();
  }
  bias_.rows(dyn, P, g.OH());
}

float* FilterSum::wide_dy() {
  return winograd_ ? winograd_->next_dy() : direct_ ? direct_->next_dy() : nullptr;
}
PlaneLayout FilterSum::wide_layout() const {
  return winograd_ ? winograd_->layout() : direct_->layout();
}

void FilterSum::add_wide(const float* xn) {
  const PlaneLayout l = wide_layout();
  float* dy = wide_dy();
  bias_.rows(dy, l.plane, g_.OH(), l.row);
  if (winograd_)
    winograd_->add(xn, dy, l);
  else
    direct_->add_wide(xn);
}

void FilterSum::finish() {
  if (winograd_) winograd_->finish();
  if (direct_) direct_->finish();
  bias_.finish();
}

void reduce_filter_chunks(const ConvGeom& g, float* dw, float* db,
                          const std::function<void(int64_t, int64_t, float*, float*)>& chunk) {
  if (g.N == 0 || (!dw && !db)) return;
  const int64_t KQ = g.w_size();              // size of dW
  const int64_t chunks = std::min(g.N, kFilterChunks);
  const int64_t stride = KQ + g.K;            // per chunk: dW partial (K×CRS), db partial (K)
  AlignedVec partial(size_t(chunks * stride), 0.0f);
#pragma omp parallel for schedule(static)
  for (int64_t ch = 0; ch < chunks; ++ch) {
    float* dwc = partial.data() + ch * stride;
    chunk(ch * g.N / chunks, (ch + 1) * g.N / chunks, dw ? dwc : nullptr, db ? dwc + KQ : nullptr);
  }
  // Add the partials chunk by chunk: the same order whatever thread computed each.
  for (int64_t i = 0; dw && i < KQ; ++i) {
    float s = 0.0f;
    for (int64_t ch = 0; ch < chunks; ++ch) s += partial[size_t(ch * stride + i)];
    dw[i] += s;
  }
  for (int64_t k = 0; db && k < g.K; ++k) {
    float s = 0.0f;
    for (int64_t ch = 0; ch < chunks; ++ch) s += partial[size_t(ch * stride + KQ + k)];
    db[k] += s;
  }
}

// ---- Whole batch (conv2d.h) ----

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* b,
                    float* y) {
  check_geometry(g);
  const float* U = winograd_forward_filters(g, w);
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.N; ++n)
    conv_sample_forward(g, w, U, b, x + n * g.C * g.H * g.W, y + n * g.K * g.OH() * g.OW());
}

void conv2d_backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  check_geometry(g);
  if (!dx) return;  // the input needs no gradient
  const float* U = winograd_backward_data_filters(g, w);
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.N; ++n)
    conv_sample_backward_data(g, w, U, dy + n * g.K * g.OH() * g.OW(), dx + n * g.C * g.H * g.W);
}

void conv2d_backward_filter(const ConvGeom& g, const float* x, const float* dy, float* dw,
                            float* db) {
  check_geometry(g);
  reduce_filter_chunks(g, dw, db, [&](int64_t n0, int64_t n1, float* dwc, float* dbc) {
    FilterSum sum(g, dwc, dbc);
    for (int64_t n = n0; n < n1; ++n)
      sum.add(x + n * g.C * g.H * g.W, dy + n * g.K * g.OH() * g.OW());
    sum.finish();
  });
}

}  // namespace sg::cpu

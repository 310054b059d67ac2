// CPU convolution: im2col + one Eigen GEMM per sample, OpenMP over the batch.
//
// Per sample n, unfold the input into a matrix with one row per filter tap (c,r,s) and
// one column per output pixel p = oy·OW + ox:
//   col[(c·R + r)·S + s, p] = x[n, c, oy+r-ph, ox+s-pw]      (0 in the padding)
// Then, with CRS = C·R·S and P = OH·OW (all matrices row-major):
//   forward          Y_n[K,P]    = W[K,CRS] · col[CRS,P] + b          (b broadcast over P)
//   backward data    dcol[CRS,P] = Wᵀ · dY_n,  then col2im adds dcol back onto dx
//   backward filter  dW[K,CRS]  += dY_n · colᵀ,  db[k] += sum_p dY_n[k,p]
// A 1×1 kernel without padding needs no unfolding: col is x itself. With at most 9 taps
// (CRS ≤ 9) the forward and backward-filter products run conv_few_taps.h's loops. The
// backward functions accumulate (+=); a null dx, dw or db is "not needed" and skipped.
//
// Determinism: forward and backward-data treat each sample alone, so their bits do not
// depend on the thread count. Backward-filter sums over the batch; it splits the batch
// into a fixed number of chunks (independent of the thread count), computes each chunk's
// partial dW/db in its own buffer, then adds the partials in chunk order.
#include "kernels/cpu/conv.h"
#include "kernels/cpu/conv_few_taps.h"
#include "kernels/cpu/conv_sample.h"

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

// sum of v[0..n) in a fixed order that vectorises: 16 interleaved partial sums, then
// those in turn, then the tail. (A plain running sum is one long dependency chain.)
float fixed_order_sum(const float* v, int64_t n) {
  float part[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) part[j] += v[i + j];
  float s = 0.0f;
  for (int j = 0; j < 16; ++j) s += part[j];
  for (; i < n; ++i) s += v[i];
  return s;
}

// Output columns [lo, hi) whose tap s reads inside the row: 0 <= ox + s - pw < W.
void valid_columns(const ConvGeom& g, int64_t s, int64_t& lo, int64_t& hi) {
  lo = std::max<int64_t>(0, g.pad_w - s);
  hi = std::min<int64_t>(g.OW(), g.W + g.pad_w - s);
  if (hi < lo) hi = lo;
}

// col[(c·R + r)·S + s, oy·OW + ox] = x[c, oy+r-ph, ox+s-pw], zero outside the image.
// x is one sample (C×H×W); col is CRS×P, row-major.
void im2col(const ConvGeom& g, const float* x, float* col) {
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t s = 0; s < g.S; ++s) {
        int64_t lo, hi;
        valid_columns(g, s, lo, hi);
        float* row = col + ((c * g.R + r) * g.S + s) * OH * OW;
        for (int64_t oy = 0; oy < OH; ++oy) {
          float* dst = row + oy * OW;
          const int64_t iy = oy + r - g.pad_h;
          if (iy < 0 || iy >= g.H) {
            std::fill(dst, dst + OW, 0.0f);
            continue;
          }
          std::fill(dst, dst + lo, 0.0f);
          if (hi > lo) {  // ox = lo reads ix = lo + s - pw >= 0
            const float* src = x + (c * g.H + iy) * g.W + (lo + s - g.pad_w);
            std::memcpy(dst + lo, src, size_t(hi - lo) * sizeof(float));
          }
          std::fill(dst + hi, dst + OW, 0.0f);
        }
      }
}

// The adjoint of im2col: dx[c, oy+r-ph, ox+s-pw] += dcol[(c·R + r)·S + s, oy·OW + ox]
// for every in-image position. dx is one sample (C×H×W).
void col2im(const ConvGeom& g, const float* dcol, float* dx) {
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t s = 0; s < g.S; ++s) {
        int64_t lo, hi;
        valid_columns(g, s, lo, hi);
        const float* row = dcol + ((c * g.R + r) * g.S + s) * OH * OW;
        for (int64_t oy = 0; oy < OH; ++oy) {
          const int64_t iy = oy + r - g.pad_h;
          if (iy < 0 || iy >= g.H || hi <= lo) continue;
          const float* src = row + oy * OW + lo;
          float* dst = dx + (c * g.H + iy) * g.W + (lo + s - g.pad_w);
          for (int64_t i = 0; i < hi - lo; ++i) dst[i] += src[i];
        }
      }
}

}  // namespace

// ---- One sample (conv_sample.h) ----

float* workspace(int slot, int64_t n) {
  thread_local AlignedVec buf[kWorkspaceSlots];
  SG_CHECK(slot >= 0 && slot < kWorkspaceSlots, "cpu conv: no workspace slot ", slot);
  AlignedVec& b = buf[slot];
  if (int64_t(b.size()) < n) b.resize(size_t(n));
  return b.data();
}

// y_n[K,P] = W·col(x_n) + b
void conv_sample_forward(const ConvGeom& g, const float* w, const float* b, const float* xn,
                         float* yn) {
  const int64_t CRS = g.C * g.R * g.S, P = g.OH() * g.OW();
  const float* col = xn;
  if (!is_pointwise(g)) {
    float* buf = workspace(0, CRS * P);
    im2col(g, xn, buf);
    col = buf;
  }
  if (CRS <= kMaxFewTaps) return few_taps_forward(g.K, CRS, P, w, b, col, yn);
  Mat Y(yn, g.K, P);
  for (int64_t k = 0; k < g.K; ++k) Y.row(k).setConstant(b ? b[k] : 0.0f);
  Y.noalias() += ConstMat(w, g.K, CRS) * ConstMat(col, CRS, P);
}

// dx_n += col2im(Wᵀ·dy_n)
void conv_sample_backward_data(const ConvGeom& g, const float* w, const float* dyn,
                               float* dxn) {
  const int64_t CRS = g.C * g.R * g.S, P = g.OH() * g.OW();
  const ConstMat W(w, g.K, CRS), dY(dyn, g.K, P);
  if (is_pointwise(g)) {
    Mat(dxn, CRS, P).noalias() += W.transpose() * dY;
  } else {
    Mat dcol(workspace(0, CRS * P), CRS, P);
    dcol.noalias() = W.transpose() * dY;
    col2im(g, dcol.data(), dxn);
  }
}

// dw_part[K,CRS] += dy_n·col(x_n)ᵀ,  db_part[k] += Σ_p dy_n[k,p]   (either may be null)
void conv_sample_backward_filter(const ConvGeom& g, const float* xn, const float* dyn,
                                 float* dw_part, float* db_part) {
  const int64_t CRS = g.C * g.R * g.S, P = g.OH() * g.OW();
  const ConstMat dY(dyn, g.K, P);
  if (dw_part) {
    const float* col = xn;
    if (!is_pointwise(g)) {
      float* buf = workspace(0, CRS * P);
      im2col(g, xn, buf);
      col = buf;
    }
    if (CRS <= kMaxFewTaps)
      few_taps_backward_filter(g.K, CRS, P, dyn, col, dw_part);
    else
      Mat(dw_part, g.K, CRS).noalias() += dY * ConstMat(col, CRS, P).transpose();
  }
  if (db_part)
    for (int64_t k = 0; k < g.K; ++k) db_part[k] += fixed_order_sum(dY.data() + k * P, P);
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

// ---- Whole batch (conv.h) ----

void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* b,
                    float* y) {
  check_geometry(g);
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.N; ++n)
    conv_sample_forward(g, w, b, x + n * g.C * g.H * g.W, y + n * g.K * g.OH() * g.OW());
}

void conv2d_backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  check_geometry(g);
  if (!dx) return;  // the input needs no gradient
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.N; ++n)
    conv_sample_backward_data(g, w, dy + n * g.K * g.OH() * g.OW(), dx + n * g.C * g.H * g.W);
}

void conv2d_backward_filter(const ConvGeom& g, const float* x, const float* dy, float* dw,
                            float* db) {
  check_geometry(g);
  reduce_filter_chunks(g, dw, db, [&](int64_t n0, int64_t n1, float* dwc, float* dbc) {
    for (int64_t n = n0; n < n1; ++n)
      conv_sample_backward_filter(g, x + n * g.C * g.H * g.W, dy + n * g.K * g.OH() * g.OW(),
                                  dwc, dbc);
  });
}

}  // namespace sg::cpu

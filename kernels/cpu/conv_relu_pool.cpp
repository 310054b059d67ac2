// The fused conv block on the CPU: Conv (ReLU) + MaxPooling, one sample at a time.
//
// Unfused, a batch of 64 through the first conv of the Difference Model writes a
// [64,16,62,62] activation (15.7 MB) and then reads and writes it again for the ReLU, the
// pooling and, in the backward pass, the zero-fill, the pooling's scatter and the ReLU's
// mask: about a dozen passes over memory that does not fit in cache. Here each sample's
// z = conv(x_n) + b (16·62·62 floats = 246 KB) lives in a per-thread buffer that stays
// in L2; only the pooled y and the window offsets `at` (4× smaller) reach memory.
//
// The GEMMs are those of conv.cpp (conv_sample.h) in the same order, and the pooling takes
// the first maximum as maxpool.cpp does, so forward and gradients are bit-identical to
// conv2d → relu → maxpool2d (tests/test_conv_block.cpp checks this).
#include "kernels/cpu/backend.h"
#include "kernels/cpu/conv_sample.h"

#include <algorithm>

namespace sg {

using cpu::workspace;

// y = max over the window of relu(z); at = offset of its first maximum, -1 where y = 0.
void CpuBackend::conv_relu_pool_forward(const ConvGeom& g, int64_t ph, int64_t pw,
                                        const float* x, const float* w, const float* b,
                                        float* y, float* at) {
  check_conv_pool(g, ph, pw);
  const int64_t OH = g.OH(), OW = g.OW(), P = OH * OW;
  const int64_t QH = OH / ph, QW = OW / pw, Q = QH * QW;
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < g.N; ++n) {
    float* z = workspace(1, g.K * P);
    cpu::conv_sample_forward(g, w, b, x + n * g.C * g.H * g.W, z);
    for (int64_t k = 0; k < g.K; ++k) {
      const float* zk = z + k * P;
      float* yk = y + (n * g.K + k) * Q;
      float* ak = at + (n * g.K + k) * Q;
      for (int64_t i = 0; i < QH; ++i)
        for (int64_t j = 0; j < QW; ++j) {
          const float* win = zk + i * ph * OW + j * pw;
          float m = 0.0f;  // relu: nothing below 0; strict > keeps the first maximum
          int64_t best = -1;
          for (int64_t a = 0; a < ph; ++a)
            for (int64_t c = 0; c < pw; ++c)
              if (win[a * OW + c] > m) m = win[a * OW + c], best = a * pw + c;
          yk[i * QW + j] = m;
          ak[i * QW + j] = float(best);
        }
    }
  }
}

// dz_n = dy_n scattered to `at`; then dx_n += conv backward-data(dz_n) and the fixed-order
// chunked sums dw += Σ_n dz_n ⋆ x_n, db += Σ dz_n of conv.cpp.
void CpuBackend::conv_relu_pool_backward(const ConvGeom& g, int64_t ph, int64_t pw,
                                         const float* x, const float* w, const float* at,
                                         const float* dy, float* dx, float* dw, float* db) {
  check_conv_pool(g, ph, pw);
  const int64_t OW = g.OW(), P = g.OH() * OW;
  const int64_t QH = g.OH() / ph, QW = OW / pw, Q = QH * QW;
  const int64_t in_size = g.C * g.H * g.W;
  auto sample = [&](int64_t n, float* dwc, float* dbc) {
    float* dz = workspace(1, g.K * P);
    std::fill(dz, dz + g.K * P, 0.0f);
    for (int64_t k = 0; k < g.K; ++k) {
      const float* ak = at + (n * g.K + k) * Q;
      const float* dyk = dy + (n * g.K + k) * Q;
      float* dzk = dz + k * P;
      for (int64_t i = 0; i < QH; ++i)
        for (int64_t j = 0; j < QW; ++j) {
          const int64_t a = int64_t(ak[i * QW + j]);
          if (a >= 0) dzk[(i * ph + a / pw) * OW + j * pw + a % pw] = dyk[i * QW + j];
        }
    }
    if (dwc || dbc) cpu::conv_sample_backward_filter(g, x + n * in_size, dz, dwc, dbc);
    if (dx) cpu::conv_sample_backward_data(g, w, dz, dx + n * in_size);
  };
  if (dw || db) {
    cpu::reduce_filter_chunks(g, dw, db, [&](int64_t n0, int64_t n1, float* dwc, float* dbc) {
      for (int64_t n = n0; n < n1; ++n) sample(n, dwc, dbc);
    });
  } else if (dx) {
#pragma omp parallel for schedule(static)
    for (int64_t n = 0; n < g.N; ++n) sample(n, nullptr, nullptr);
  }
}

}  // namespace sg

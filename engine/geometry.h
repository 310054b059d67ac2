// Geometry in one place: the shapes of a convolution and of a pooling, shared by the
// reference, every backend and the layers. All tensors are NCHW; a 1-D op (NCL) is the
// 2-D op with H = 1 and a 1-high window, so one kernel serves both.
#pragma once
#include <cstdint>

#include "engine/error.h"

namespace sg {

// y[n,k,oy,ox] = b[k] + sum_{c,r,s} x[n,c,oy+r-pad_h,ox+s-pad_w] * w[k,c,r,s]   (stride 1)
struct ConvGeom {
  int64_t N = 0, C = 0, H = 0, W = 0;  // input
  int64_t K = 0, R = 0, S = 0;         // output channels, kernel height and width
  int64_t pad_h = 0, pad_w = 0;        // zero padding on each side
  int64_t OH() const { return H + 2 * pad_h - R + 1; }
  int64_t OW() const { return W + 2 * pad_w - S + 1; }
  int64_t x_size() const { return N * C * H * W; }
  int64_t w_size() const { return K * C * R * S; }
  int64_t y_size() const { return N * K * OH() * OW(); }
  // Multiply-adds of the forward pass, times two.
  double flops() const { return 2.0 * double(N) * K * OH() * OW() * C * R * S; }
};

// Max pooling with window = stride = (ph, pw), floor mode (Keras 'valid').
struct PoolGeom {
  int64_t N = 0, C = 0, H = 0, W = 0;
  int64_t ph = 2, pw = 2;
  int64_t OH() const { return H / ph; }
  int64_t OW() const { return W / pw; }
  int64_t x_size() const { return N * C * H * W; }
  int64_t y_size() const { return N * C * OH() * OW(); }
};

// Throws sg::Error unless g describes a convolution with a non-empty output; every
// backend's conv entry points call it.
inline void check_geometry(const ConvGeom& g) {
  SG_CHECK(g.N >= 0 && g.C > 0 && g.K > 0 && g.R > 0 && g.S > 0 && g.pad_h >= 0 && g.pad_w >= 0,
           "conv2d: bad geometry N=", g.N, " C=", g.C, " K=", g.K, " R=", g.R, " S=", g.S,
           " pad=", g.pad_h, ",", g.pad_w);
  SG_CHECK(g.OH() > 0 && g.OW() > 0, "conv2d: a ", g.R, "x", g.S, " kernel does not fit a ",
           g.H, "x", g.W, " input with padding ", g.pad_h, ",", g.pad_w);
}

// Throws sg::Error unless g describes a pooling with a non-empty output; every backend's
// maxpool2d entry points call it.
inline void check_geometry(const PoolGeom& g) {
  SG_CHECK(g.N >= 0 && g.C > 0 && g.ph > 0 && g.pw > 0, "maxpool2d: bad geometry N=", g.N,
           " C=", g.C, " window=", g.ph, "x", g.pw);
  SG_CHECK(g.OH() > 0 && g.OW() > 0, "maxpool2d: a ", g.ph, "x", g.pw,
           " window does not fit a ", g.H, "x", g.W, " input");
}

// Throws unless a ph×pw pooling window fits the output of the convolution g: the fused
// conv block (Op::ConvReluPool) of every backend checks its arguments with this.
inline void check_conv_pool(const ConvGeom& g, int64_t ph, int64_t pw) {
  check_geometry(g);
  SG_CHECK(ph > 0 && pw > 0 && g.OH() / ph > 0 && g.OW() / pw > 0, "conv_relu_pool: a ", ph,
           "x", pw, " window does not fit the ", g.OH(), "x", g.OW(), " conv output");
}

// Flat NCHW index.
inline int64_t nchw(int64_t n, int64_t c, int64_t h, int64_t w, int64_t C, int64_t H,
                    int64_t W) {
  return ((n * C + c) * H + h) * W + w;
}

}  // namespace sg

// Reference 2-D convolution (stride 1, zero padding), written to be read: one loop per
// index of the formula, double precision, no tricks. Every backend is tested against it.
//
// Forward (geometry.h):
//   y[n,k,oy,ox] = b[k] + sum_{c,r,s} x[n,c, oy+r-ph, ox+s-pw] · w[k,c,r,s]
// where x outside [0,H)×[0,W) reads as zero (the padding).
//
// Backward. Write iy = oy+r-ph, ix = ox+s-pw. Each product x[n,c,iy,ix]·w[k,c,r,s] in
// the forward sum sends the output gradient dy[n,k,oy,ox] back to both of its factors:
//   dx[n,c,iy,ix] += dy[n,k,oy,ox] · w[k,c,r,s]      (a "transposed convolution")
//   dw[k,c,r,s]   += dy[n,k,oy,ox] · x[n,c,iy,ix]    (a correlation of dy with x)
//   db[k]         += dy[n,k,oy,ox]
// The loops below visit exactly those terms. All backward functions accumulate (+=);
// a null gradient pointer means "not needed" and is skipped.
#include "kernels/reference/conv2d.h"

#include "engine/error.h"

namespace sg::ref {

namespace {

// True when the input position (iy, ix) lies inside the image, i.e. is not padding.
bool inside(const ConvGeom& g, int64_t iy, int64_t ix) {
  return iy >= 0 && iy < g.H && ix >= 0 && ix < g.W;
}

}  // namespace

void conv2d_forward(const ConvGeom& g, const double* x, const double* w, const double* b,
                    double* y) {
  check_geometry(g);
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t k = 0; k < g.K; ++k)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double acc = b ? b[k] : 0.0;
          for (int64_t c = 0; c < g.C; ++c)
            for (int64_t r = 0; r < g.R; ++r)
              for (int64_t s = 0; s < g.S; ++s) {
                const int64_t iy = oy + r - g.pad_h, ix = ox + s - g.pad_w;
                if (!inside(g, iy, ix)) continue;  // zero padding contributes nothing
                acc += x[nchw(n, c, iy, ix, g.C, g.H, g.W)] * w[nchw(k, c, r, s, g.C, g.R, g.S)];
              }
          y[nchw(n, k, oy, ox, g.K, OH, OW)] = acc;
        }
}

// dx[n,c,iy,ix] += sum_{k,r,s} dy[n,k,iy-r+ph,ix-s+pw] · w[k,c,r,s]  (in-range oy, ox only)
void conv2d_backward_data(const ConvGeom& g, const double* dy, const double* w, double* dx) {
  check_geometry(g);
  if (!dx) return;  // a null gradient means "not needed"
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t iy = 0; iy < g.H; ++iy)
        for (int64_t ix = 0; ix < g.W; ++ix) {
          double acc = 0.0;
          for (int64_t k = 0; k < g.K; ++k)
            for (int64_t r = 0; r < g.R; ++r)
              for (int64_t s = 0; s < g.S; ++s) {
                // The output position whose window put w[k,c,r,s] on x[n,c,iy,ix].
                const int64_t oy = iy - r + g.pad_h, ox = ix - s + g.pad_w;
                if (oy < 0 || oy >= OH || ox < 0 || ox >= OW) continue;
                acc += dy[nchw(n, k, oy, ox, g.K, OH, OW)] * w[nchw(k, c, r, s, g.C, g.R, g.S)];
              }
          dx[nchw(n, c, iy, ix, g.C, g.H, g.W)] += acc;
        }
}

// dw[k,c,r,s] += sum_{n,oy,ox} dy[n,k,oy,ox] · x[n,c,oy+r-ph,ox+s-pw];  db[k] += sum dy[n,k,·,·]
void conv2d_backward_filter(const ConvGeom& g, const double* x, const double* dy, double* dw,
                            double* db) {
  check_geometry(g);
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t k = 0; k < g.K; ++k) {
    for (int64_t c = 0; dw && c < g.C; ++c)  // dw and db may each be null
      for (int64_t r = 0; r < g.R; ++r)
        for (int64_t s = 0; s < g.S; ++s) {
          double acc = 0.0;
          for (int64_t n = 0; n < g.N; ++n)
            for (int64_t oy = 0; oy < OH; ++oy)
              for (int64_t ox = 0; ox < OW; ++ox) {
                const int64_t iy = oy + r - g.pad_h, ix = ox + s - g.pad_w;
                if (!inside(g, iy, ix)) continue;
                acc += dy[nchw(n, k, oy, ox, g.K, OH, OW)] * x[nchw(n, c, iy, ix, g.C, g.H, g.W)];
              }
          dw[nchw(k, c, r, s, g.C, g.R, g.S)] += acc;
        }
    if (db) {
      double acc = 0.0;
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t oy = 0; oy < OH; ++oy)
          for (int64_t ox = 0; ox < OW; ++ox) acc += dy[nchw(n, k, oy, ox, g.K, OH, OW)];
      db[k] += acc;
    }
  }
}

}  // namespace sg::ref

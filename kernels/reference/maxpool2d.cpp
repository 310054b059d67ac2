// Reference max pooling: window = stride = ph×pw, floor mode (Keras 'valid'), plain loops
// in double. Every backend is tested against it.
//
// Forward:   y[n,c,i,j] = max_{a<ph, b<pw} x[n,c, i·ph+a, j·pw+b]
// Backward:  the max passes the gradient to the one input it selected, so
//            dx[n,c, i·ph+a*, j·pw+b*] += dy[n,c,i,j]
// where (a*, b*) is the FIRST position in row-major order with x == y (ties go to the
// first). Rows H - H%ph .. H-1 and columns W - W%pw .. W-1 fill no window: they are
// ignored by the forward and get no gradient.
#include "kernels/reference/maxpool2d.h"

#include "engine/error.h"

namespace sg::ref {

void maxpool2d_forward(const PoolGeom& g, const double* x, double* y) {
  check_geometry(g);
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          double m = x[nchw(n, c, i * g.ph, j * g.pw, g.C, g.H, g.W)];
          for (int64_t a = 0; a < g.ph; ++a)
            for (int64_t b = 0; b < g.pw; ++b) {
              const double v = x[nchw(n, c, i * g.ph + a, j * g.pw + b, g.C, g.H, g.W)];
              if (v > m) m = v;
            }
          y[nchw(n, c, i, j, g.C, OH, OW)] = m;
        }
}

// dx[first (a,b) with x == y] += dy[n,c,i,j]
void maxpool2d_backward(const PoolGeom& g, const double* x, const double* y, const double* dy,
                        double* dx) {
  check_geometry(g);
  if (!dx) return;  // a null gradient means "not needed"
  const int64_t OH = g.OH(), OW = g.OW();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t i = 0; i < OH; ++i)
        for (int64_t j = 0; j < OW; ++j) {
          const int64_t out = nchw(n, c, i, j, g.C, OH, OW);
          bool routed = false;
          for (int64_t a = 0; a < g.ph && !routed; ++a)
            for (int64_t b = 0; b < g.pw && !routed; ++b) {
              const int64_t in = nchw(n, c, i * g.ph + a, j * g.pw + b, g.C, g.H, g.W);
              if (x[in] == y[out]) {
                dx[in] += dy[out];
                routed = true;  // only the first maximum gets the gradient
              }
            }
        }
}

}  // namespace sg::ref

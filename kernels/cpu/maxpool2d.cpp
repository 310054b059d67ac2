// CPU max pooling (window = stride = ph×pw, floor mode), float, OpenMP over the N·C
// planes; each plane is independent, so results do not depend on the thread count.
//
// Forward:   y[i,j] = max_{a<ph, b<pw} x[i·ph+a, j·pw+b]                (per plane)
// Backward:  dx[i·ph+a*, j·pw+b*] += dy[i,j], with (a*, b*) the first position in
//            row-major order where x == y. The winner is found again from x and y, so the
//            forward stores no index tensor. Trailing rows/columns that fill no window
//            (floor mode) get no gradient.
#include "kernels/cpu/maxpool2d.h"

#include "engine/error.h"

namespace sg::cpu {

void maxpool2d_forward(const PoolGeom& g, const float* x, float* y) {
  check_geometry(g);
  const int64_t OH = g.OH(), OW = g.OW(), planes = g.N * g.C;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * g.H * g.W;
    float* yp = y + p * OH * OW;
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const float* win = xp + i * g.ph * g.W + j * g.pw;  // top-left of the window
        float m = win[0];
        for (int64_t a = 0; a < g.ph; ++a)
          for (int64_t b = 0; b < g.pw; ++b) m = win[a * g.W + b] > m ? win[a * g.W + b] : m;
        yp[i * OW + j] = m;
      }
  }
}

// dx[first (a,b) in the window with x == y] += dy
void maxpool2d_backward(const PoolGeom& g, const float* x, const float* y, const float* dy,
                        float* dx) {
  check_geometry(g);
  if (!dx) return;  // the input needs no gradient
  const int64_t OH = g.OH(), OW = g.OW(), planes = g.N * g.C;
#pragma omp parallel for schedule(static)
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * g.H * g.W;
    float* dxp = dx + p * g.H * g.W;
    const float* yp = y + p * OH * OW;
    const float* dyp = dy + p * OH * OW;
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const int64_t top_left = i * g.ph * g.W + j * g.pw;
        const float m = yp[i * OW + j];
        int64_t at = -1;  // offset of the first maximum; stays -1 only for a NaN window
        for (int64_t a = 0; a < g.ph && at < 0; ++a)
          for (int64_t b = 0; b < g.pw; ++b)
            if (xp[top_left + a * g.W + b] == m) {
              at = top_left + a * g.W + b;
              break;
            }
        if (at >= 0) dxp[at] += dyp[i * OW + j];
      }
  }
}

}  // namespace sg::cpu

// Nearest-neighbour ×2 up-sampling (Keras UpSampling2D(2)) over H×W planes.
#include "kernels/cpu/backend.h"

namespace sg {

void CpuBackend::upsample2x_forward(int64_t planes, int64_t H, int64_t W, const float* x,
                                    float* y) {
#pragma omp parallel for schedule(static) if (planes * H * W >= (1 << 14))
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < 2 * H; ++i)
      for (int64_t j = 0; j < 2 * W; ++j)
        y[(p * 2 * H + i) * 2 * W + j] = x[(p * H + i / 2) * W + j / 2];
}

void CpuBackend::upsample2x_backward(int64_t planes, int64_t H, int64_t W, const float* dy,
                                     float* dx) {
  if (!dx) return;
#pragma omp parallel for schedule(static) if (planes * H * W >= (1 << 14))
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < H; ++i)
      for (int64_t j = 0; j < W; ++j) {
        const float* d = dy + (p * 2 * H + 2 * i) * 2 * W + 2 * j;
        dx[(p * H + i) * W + j] += d[0] + d[1] + d[2 * W] + d[2 * W + 1];
      }
}

}  // namespace sg

// Optimiser updates over one flat parameter buffer, the same float formulas as
// kernels/cpu/optim.cpp (engine/backend.h states them). Adam's bias-corrected step
// lr_t = lr·sqrt(1-β2^t)/(1-β1^t) is computed on the host in double, as on the CPU.
// Mapping: grid-stride, one thread per parameter. Bytes moved: Adam 28n (g, p, m, v
// read; p, m, v written), SGD 20n with momentum (g, p, vel read; p, vel written), 12n without.
#include "kernels/cuda/exec/device.h"

#include <cmath>

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__global__ void adam_kernel(int64_t n, float lr_t, float beta1, float beta2, float eps,
                            const float* g, float* p, float* m, float* v) {
  SG_GRID_STRIDE(i, n) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
    const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr_t * mi / (sqrtf(vi) + eps);
  }
}

// vel = μ vel - lr g; p += vel   (or p -= lr g without a velocity buffer)
__global__ void sgd_kernel(int64_t n, float lr, float momentum, const float* g, float* p,
                           float* vel) {
  SG_GRID_STRIDE(i, n) {
    if (vel) {
      const float v = momentum * vel[i] - lr * g[i];
      vel[i] = v;
      p[i] += v;
    } else {
      p[i] -= lr * g[i];
    }
  }
}

}  // namespace

void CudaBackend::adam_update(int64_t n, const AdamParams& a, const float* g, float* p,
                              float* m, float* v) {
  const double t = double(a.step);
  const float lr_t = float(a.lr * std::sqrt(1.0 - std::pow(double(a.beta2), t)) /
                           (1.0 - std::pow(double(a.beta1), t)));
  if (n > 0)
    SG_LAUNCH(adam_kernel, blocks_for(n), kBlock, 0, stream_, n, lr_t, a.beta1, a.beta2, a.eps, g,
              p, m, v);
}

void CudaBackend::sgd_update(int64_t n, float lr, float momentum, const float* g, float* p,
                             float* vel) {
  if (n > 0) SG_LAUNCH(sgd_kernel, blocks_for(n), kBlock, 0, stream_, n, lr, momentum, g, p, vel);
}

}  // namespace sg::SG_CUDA_NS

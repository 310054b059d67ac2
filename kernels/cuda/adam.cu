// Adam, the same float formulas as kernels/cpu/adam.cpp (engine/backend.h states them).
// The bias-corrected step lr_t = lr·sqrt(1-β2^t)/(1-β1^t) is computed in double, as on
// the CPU: on the host from a.step (adam_update), or on the device from the
// schedule buffer by a one-thread kernel (adam_schedule), so that a step needs no value
// from the host. adam_update_spans updates up to kMaxAdamSpans parameter buffers per
// launch: the span list travels as a kernel argument (no table to upload, and a captured
// launch keeps it). Mapping: grid-stride, one thread per parameter of each span in turn.
// Bytes moved: 28n (g, p, m, v read; p, m, v written).
#include "kernels/cuda/exec/device.h"

#include <algorithm>
#include <cmath>

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

__host__ __device__ inline float adam_lr_t(float lr, float beta1, float beta2, double t) {
  return float(lr * sqrt(1.0 - pow(double(beta2), t)) / (1.0 - pow(double(beta1), t)));
}

// One element of the Adam update, shared by both kernels so that they give the same bits.
__device__ __forceinline__ void adam_element(int64_t i, float lr_t, float beta1, float beta2,
                                             float eps, const float* g, float* p, float* m,
                                             float* v) {
  const float gi = g[i];
  const float mi = beta1 * m[i] + (1.0f - beta1) * gi;
  const float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  p[i] -= lr_t * mi / (sqrtf(vi) + eps);
}

__global__ void adam_kernel(int64_t n, float lr_t, float beta1, float beta2, float eps,
                            const float* g, float* p, float* m, float* v) {
  SG_GRID_STRIDE(i, n) { adam_element(i, lr_t, beta1, beta2, eps, g, p, m, v); }
}

// t += 1 and lr_t of the new t, by one thread.
__global__ void adam_schedule_kernel(float beta1, float beta2, float* sched) {
  if (blockIdx.x == 0 && threadIdx.x == 0) {
    const float t = sched[kAdamT] + 1.0f;
    sched[kAdamT] = t;
    sched[kAdamLrT] = adam_lr_t(sched[kAdamLr], beta1, beta2, double(t));
  }
}

// The spans of one launch, passed by value (40 bytes each: well inside the 4 KiB of
// kernel parameters).
constexpr int kMaxAdamSpans = 48;
struct AdamSpanList {
  int count = 0;
  AdamSpan span[kMaxAdamSpans];
};

__global__ void adam_spans_kernel(AdamSpanList list, float beta1, float beta2, float eps,
                                  const float* sched) {
  const float lr_t = sched[kAdamLrT];
  for (int s = 0; s < list.count; ++s) {
    const AdamSpan& a = list.span[s];
    SG_GRID_STRIDE(i, a.n) { adam_element(i, lr_t, beta1, beta2, eps, a.g, a.p, a.m, a.v); }
  }
}

}  // namespace

void CudaBackend::adam_update(int64_t n, const AdamParams& a, const float* g, float* p,
                              float* m, float* v) {
  const float lr_t = adam_lr_t(a.lr, a.beta1, a.beta2, double(a.step));
  if (n > 0)
    SG_LAUNCH(adam_kernel, blocks_for(n), kBlock, 0, stream_, n, lr_t, a.beta1, a.beta2, a.eps, g,
              p, m, v);
}

void CudaBackend::adam_schedule(const AdamParams& a, float* sched) {
  SG_LAUNCH(adam_schedule_kernel, 1, 1, 0, stream_, a.beta1, a.beta2, sched);
}

void CudaBackend::adam_update_spans(const AdamSpan* spans, int64_t count, const AdamParams& a,
                                    const float* sched) {
  SG_CHECK(count >= 0, "adam_update_spans: ", count, " spans");
  for (int64_t first = 0; first < count; first += kMaxAdamSpans) {
    AdamSpanList list;
    int64_t largest = 0;
    for (int64_t s = first; s < count && list.count < kMaxAdamSpans; ++s) {
      SG_CHECK(spans[s].n >= 0, "adam_update_spans: span ", s, " has ", spans[s].n, " elements");
      list.span[list.count++] = spans[s];
      largest = std::max(largest, spans[s].n);
    }
    if (largest > 0)
      SG_LAUNCH(adam_spans_kernel, blocks_for(largest), kBlock, 0, stream_, list, a.beta1,
                a.beta2, a.eps, sched);
  }
}

}  // namespace sg::SG_CUDA_NS

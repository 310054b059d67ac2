// Adam on the CPU (formulas in engine/backend.h).
#include <cmath>

#include "kernels/cpu/backend.h"

namespace sg {

namespace {
// lr_t = lr·sqrt(1-β2^t)/(1-β1^t), in double.
float adam_lr_t(float lr, float beta1, float beta2, double t) {
  return float(lr * std::sqrt(1.0 - std::pow(double(beta2), t)) /
               (1.0 - std::pow(double(beta1), t)));
}

void adam_loop(int64_t n, float lr_t, const AdamParams& a, const float* g, float* p, float* m,
               float* v) {
  for (int64_t i = 0; i < n; ++i) {
    m[i] = a.beta1 * m[i] + (1.0f - a.beta1) * g[i];
    v[i] = a.beta2 * v[i] + (1.0f - a.beta2) * g[i] * g[i];
    p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + a.eps);
  }
}
}  // namespace

void CpuBackend::adam_update(int64_t n, const AdamParams& a, const float* g, float* p,
                             float* m, float* v) {
  adam_loop(n, adam_lr_t(a.lr, a.beta1, a.beta2, double(a.step)), a, g, p, m, v);
}

void CpuBackend::adam_schedule(const AdamParams& a, float* sched) {
  sched[kAdamT] += 1.0f;
  sched[kAdamLrT] = adam_lr_t(sched[kAdamLr], a.beta1, a.beta2, double(sched[kAdamT]));
}

void CpuBackend::adam_update_spans(const AdamSpan* spans, int64_t count, const AdamParams& a,
                                   const float* sched) {
  for (int64_t s = 0; s < count; ++s)
    adam_loop(spans[s].n, sched[kAdamLrT], a, spans[s].g, spans[s].p, spans[s].m, spans[s].v);
}

}  // namespace sg

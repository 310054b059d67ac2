// The fused stereo loss on the CPU (engine/backend.h, Backend::angle_loss_forward): one pass
// over the n rows, the sum sequential in double like mse.cpp's, so the result has the
// same bits for any thread count; the backward one pass writing both gradients.
#include <cmath>

#include "kernels/cpu/backend.h"

namespace sg {

namespace {
// w − t for row i, in float as the unfused ops compute it (atan2, sub, wrap).
float row_error(int64_t i, float P, AngleWrap wrap, float t, const float* sc1, const float* sc2) {
  const float d = std::atan2(sc2[2 * i], sc2[2 * i + 1]) - std::atan2(sc1[2 * i], sc1[2 * i + 1]);
  switch (wrap) {
    case AngleWrap::Report: return (d < 0.0f ? d + P : d) - t;
    case AngleWrap::Symmetric: return d - P * std::nearbyint(d / P) - t;
    case AngleWrap::Centred: break;
  }
  const float c = d - t;
  return c - P * std::nearbyint(c / P);
}

// (dS, dC) += sign·e·(C, −S)/(S² + C²); nothing at S = C = 0
void add_atan2_grad(int64_t i, float e, const float* sc, float* dsc) {
  const float S = sc[2 * i], C = sc[2 * i + 1], r2 = S * S + C * C;
  if (!dsc || r2 == 0.0f) return;
  dsc[2 * i] += e * C / r2;
  dsc[2 * i + 1] -= e * S / r2;
}
}  // namespace

void CpuBackend::angle_loss_forward(int64_t n, float period, AngleWrap wrap, float target,
                                    const float* sc1, const float* sc2, float* out) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double e = row_error(i, period, wrap, target, sc1, sc2);
    s += e * e;
  }
  out[0] = n ? float(s / double(n)) : 0.0f;
}

void CpuBackend::angle_loss_backward(int64_t n, float period, AngleWrap wrap, float target,
                                     const float* sc1, const float* sc2, const float* dout,
                                     float* dsc1, float* dsc2) {
  const float k = n ? 2.0f * dout[0] / float(n) : 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float e = k * row_error(i, period, wrap, target, sc1, sc2);
    add_atan2_grad(i, -e, sc1, dsc1);
    add_atan2_grad(i, e, sc2, dsc2);
  }
}

}  // namespace sg

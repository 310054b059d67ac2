#include "kernels/reference/pointwise.h"

#include <cmath>

namespace sg::ref {

void relu_forward(int64_t n, const double* x, double* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0 ? x[i] : 0;
}

void atan2_forward(int64_t n, const double* sc, double* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::atan2(sc[2 * i], sc[2 * i + 1]);
}

// One-sided: add one period to negative differences (the report's "add 2π/n if the
// second angle came out lower"). Symmetric: bring into [-P/2, P/2].
void wrap_angle(int64_t n, double period, bool symmetric, const double* x, double* y) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = symmetric ? x[i] - period * std::nearbyint(x[i] / period)
                     : (x[i] < 0 ? x[i] + period : x[i]);
}

double mse(int64_t n, const double* a, const double* b) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return n ? s / double(n) : 0.0;
}

void linear_forward(int64_t N, int64_t in, int64_t out, const double* x, const double* w,
                    const double* b, double* y) {
  for (int64_t r = 0; r < N; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = b ? b[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += x[r * in + i] * w[o * in + i];
      y[r * out + o] = s;
    }
}

void upsample2x_forward(int64_t planes, int64_t H, int64_t W, const double* x, double* y) {
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < 2 * H; ++i)
      for (int64_t j = 0; j < 2 * W; ++j)
        y[(p * 2 * H + i) * 2 * W + j] = x[(p * H + i / 2) * W + j / 2];
}

void concat_channels_forward(int64_t N, int64_t Ca, int64_t Cb, int64_t S, const double* a,
                             const double* b, double* y) {
  for (int64_t n = 0; n < N; ++n) {
    double* out = y + n * (Ca + Cb) * S;
    for (int64_t i = 0; i < Ca * S; ++i) out[i] = a[n * Ca * S + i];
    for (int64_t i = 0; i < Cb * S; ++i) out[Ca * S + i] = b[n * Cb * S + i];
  }
}

void adam_update(int64_t n, const AdamParams& a, const double* g, double* p, double* m,
                 double* v) {
  const double t = double(a.step);
  const double lr_t = a.lr * std::sqrt(1 - std::pow(double(a.beta2), t)) /
                      (1 - std::pow(double(a.beta1), t));
  for (int64_t i = 0; i < n; ++i) {
    m[i] = a.beta1 * m[i] + (1 - a.beta1) * g[i];
    v[i] = a.beta2 * v[i] + (1 - a.beta2) * g[i] * g[i];
    p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + a.eps);
  }
}

}  // namespace sg::ref

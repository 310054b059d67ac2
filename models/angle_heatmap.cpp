#include "models/angle_heatmap.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/error.h"
#include "engine/layers/basic.h"
#include "engine/ops.h"

namespace sg {

void HeatmapOptions::validate() const {
  SG_CHECK(bins >= 8 && bins <= 4096, "heatmap.bins must be in [8, 4096], got ", bins);
  SG_CHECK(hidden >= 1 && hidden <= 8192, "heatmap.hidden must be in [1, 8192], got ", hidden);
  SG_CHECK(std::isfinite(sigma_bins) && sigma_bins >= 0.25 && sigma_bins <= double(bins) / 4,
           "heatmap.sigma_bins must be in [0.25, bins/4], got ", sigma_bins);
  SG_CHECK(fold_deg == -1 || (fold_deg >= 0 && fold_deg < 360), "heatmap.fold_deg must be in [0, 360) or -1 "
           "(none), got ", fold_deg);
}

std::vector<float> heatmap_targets(const std::vector<float>& theta_deg, double period_deg,
                                   const HeatmapOptions& o) {
  const int64_t K = o.bins;
  const double step = period_deg / double(K), s = o.sigma_bins * step;
  std::vector<float> t(theta_deg.size() * size_t(K));
  for (size_t i = 0; i < theta_deg.size(); ++i)
    for (int64_t k = 0; k < K; ++k) {
      double d = std::remainder(double(k) * step - double(theta_deg[i]), period_deg);  // wrap into ±P/2
      t[i * size_t(K) + size_t(k)] = float(std::exp(-0.5 * (d / s) * (d / s)));
    }
  return t;
}

namespace {
// x reduced into [0, P) (fmod of a tiny negative plus P can round to P itself).
double in_period(double x, double period_deg) {
  double deg = std::fmod(x, period_deg);
  if (deg < 0) deg += period_deg;
  return deg >= period_deg ? 0.0 : deg;
}

// Bin `best` of h refined by the parabola through it and its neighbours, in degrees in
// [0, P): vertex at (l − r) / (2 (l − 2c + r)) bins from it when c is a true maximum.
double refined_peak_deg(const float* h, int64_t K, int64_t best, double period_deg) {
  const double l = h[(best + K - 1) % K], c = h[best], r = h[(best + 1) % K];
  const double den = l - 2 * c + r;
  double off = den < 0 ? 0.5 * (l - r) / den : 0.0;
  off = std::max(-0.5, std::min(0.5, off));
  return in_period((double(best) + off) * period_deg / double(K), period_deg);
}
}  // namespace

double heatmap_peak_deg(const float* h, int64_t K, double period_deg) {
  int64_t best = 0;
  for (int64_t k = 1; k < K; ++k)
    if (h[k] > h[best]) best = k;
  return refined_peak_deg(h, K, best, period_deg);
}

double heatmap_second_peak_deg(const float* h, int64_t K, double period_deg, double first_deg,
                               double exclude_deg) {
  const double step = period_deg / double(K);
  int64_t best = -1;
  for (int64_t k = 0; k < K; ++k) {
    const double d = std::fabs(std::remainder(double(k) * step - first_deg, period_deg));
    if (d > exclude_deg && (best < 0 || h[k] > h[best])) best = k;
  }
  return best < 0 ? first_deg : refined_peak_deg(h, K, best, period_deg);  // < 0: the window is everything
}

AngleHeatmapModel::AngleHeatmapModel(Dims dims, int64_t size, int order, const HeatmapOptions& o, Rng& rng,
                                     Device device, const DifferenceWidth& trunk)
    : dims_(dims), order_(order), opt_(o), net_(std::make_unique<Sequential>()) {
  o.validate();
  SG_CHECK(order >= 1, "heatmap model: rotational order must be >= 1, got ", order);
  if (dims == Dims::Two) add_difference_trunk(*net_, Dims::Two, trunk);
  else net_->add<Flatten>();
  net_->add<Dense>(o.hidden, Activation::Relu);
  net_->add<Dense>(o.bins, Activation::None);
  net_->build(difference_input_shape(dims, size), rng, device);
}

// Each image divided by its mean: a projection's total is the particle's mass at every
// angle, so this removes the dose and the particle's brightness and leaves the net
// inputs of order 1 (no gradient flows to the images, so it is done on the host).
Tensor AngleHeatmapModel::heatmap(const Tensor& images, Context& ctx) {
  std::vector<float> x = images.to_vector();
  const size_t L = size_t(images.numel() / images.shape()[0]);  // samples per image
  for (size_t i = 0; i < x.size() / L; ++i) {
    double sum = 0;
    for (size_t j = 0; j < L; ++j) sum += x[i * L + j];
    const float s = sum > 0 ? float(double(L) / sum) : 0.0f;  // an empty projection reads as zeros
    for (size_t j = 0; j < L; ++j) x[i * L + j] *= s;
  }
  return net_->forward(Tensor::from_vector(x, images.shape(), images.device()), ctx);
}

Tensor AngleHeatmapModel::stereo_loss(const Tensor&, const Tensor&, float, Context&) {
  fail("model heatmap1d learns from angles, not from stereo differences: train it with mode "
       "supervised on the pseudo-labels of `stereograd reconstruct --pseudo-labels DIR` (data.path)");
}

Tensor AngleHeatmapModel::supervised_loss(const Tensor& images, const Tensor& targets, Context& ctx) {
  // (sin nθ, cos nθ) → θ in degrees on the period 360/n.
  const std::vector<float> sc = targets.to_vector();
  const size_t N = sc.size() / 2;
  std::vector<float> theta(N);
  for (size_t i = 0; i < N; ++i)
    theta[i] = float(std::atan2(double(sc[2 * i]), double(sc[2 * i + 1])) * 180.0 / M_PI / order_);
  const Tensor t_in = [&] {
    if (!opt_.half_turn_train) return images;
    // Every other image turned, its label moved by 180° (batches are reshuffled each
    // epoch, so each image is seen both ways).
    std::vector<float> x = images.to_vector();
    half_turn_view(x, images.shape(), true);
    for (size_t i = 1; i < N; i += 2) theta[i] += 180.0f;
    return Tensor::from_vector(x, images.shape(), images.device());
  }();
  const Tensor t = Tensor::from_vector(heatmap_targets(theta, 360.0 / order_, opt_),
                                       {int64_t(N), opt_.bins}, images.device());
  return mse(heatmap(t_in, ctx), t);
}

void half_turn_view(std::vector<float>& x, const Shape& shape, bool odd_only) {
  SG_CHECK((shape.size() == 3 || shape.size() == 4) && shape[1] == 1,
           "half-turn view: inputs must be [N, 1, L] or [N, 1, H, W], got ", shape_str(shape));
  const int64_t N = shape[0], L = shape.back(), rows = shape.size() == 4 ? shape[2] : 1, per = rows * L;
  SG_CHECK(int64_t(x.size()) == N * per, "half-turn view: ", x.size(), " values for shape ", shape_str(shape));
  std::vector<float> src(static_cast<size_t>(per));
  for (int64_t i = odd_only ? 1 : 0; i < N; i += odd_only ? 2 : 1) {
    float* p = x.data() + i * per;
    std::copy(p, p + per, src.begin());
    if (rows == 1)
      for (int64_t j = 0; j < L; ++j) p[j] = src[size_t((L - j) % L)];
    else
      for (int64_t r = 0; r < rows; ++r) std::copy_n(src.data() + (rows - 1 - r) * L, L, p + r * L);
  }
}

std::vector<float> AngleHeatmapModel::read_heatmaps(const Tensor& images) {
  NoGradGuard no_grad;
  Context ctx;
  std::vector<float> h = heatmap(images, ctx).to_vector();
  if (!opt_.half_turn) return h;
  std::vector<float> turned = images.to_vector();
  half_turn_view(turned, images.shape(), false);
  const int64_t N = images.shape()[0], K = opt_.bins;
  const std::vector<float> r =
      heatmap(Tensor::from_vector(turned, images.shape(), images.device()), ctx).to_vector();
  std::vector<float> avg(h.size());
  for (int64_t i = 0; i < N; ++i)
    heatmap_half_turn_averaged(h.data() + i * K, r.data() + i * K, K, 360.0 / order_, avg.data() + i * K);
  return avg;
}

void heatmap_half_turn_averaged(const float* h, const float* r, int64_t K, double period_deg, float* out) {
  // φ_k + 180° in bins, reduced to the period: k + s, s = (180 mod P)·K/P.
  const double s = in_period(180.0, period_deg) * double(K) / period_deg;
  for (int64_t k = 0; k < K; ++k) {
    const double m = std::fmod(double(k) + s, double(K));
    const int64_t lo = int64_t(m) % K, hi = (lo + 1) % K;
    const double f = m - std::floor(m);
    out[k] = float(0.5 * (double(h[k]) + (1 - f) * double(r[lo]) + f * double(r[hi])));
  }
}

std::vector<float> AngleHeatmapModel::predict_deg(const Tensor& images) {
  const std::vector<float> h = read_heatmaps(images);
  const size_t K = size_t(opt_.bins), N = h.size() / K;
  std::vector<float> out(N);
  for (size_t i = 0; i < N; ++i) out[i] = float(heatmap_peak_deg(h.data() + i * K, opt_.bins, 360.0 / order_));
  return out;
}

std::vector<std::array<float, 2>> AngleHeatmapModel::predict_two_deg(const Tensor& images) {
  const std::vector<float> h = read_heatmaps(images);
  const size_t K = size_t(opt_.bins), N = h.size() / K;
  const double P = 360.0 / order_, exclude = (3 * opt_.sigma_bins + 1) * P / double(K);
  std::vector<std::array<float, 2>> out(N);
  for (size_t i = 0; i < N; ++i) {
    const double a = heatmap_peak_deg(h.data() + i * K, opt_.bins, P);
    const double b = opt_.fold_deg >= 0 ? in_period(opt_.fold_deg - a, P)
                                        : heatmap_second_peak_deg(h.data() + i * K, opt_.bins, P, a, exclude);
    out[i] = {float(a), float(b)};
  }
  return out;
}

std::vector<float> AngleHeatmapModel::predict_pair_deg(const Tensor& first, const Tensor& second,
                                                       float delta_deg) {
  std::vector<float> a = read_heatmaps(first), b = read_heatmaps(second);
  const size_t K = size_t(opt_.bins), N = a.size() / K;
  const double P = 360.0 / order_;
  std::vector<float> out(N), row, sa(K), sb(K);
  for (size_t i = 0; i < N; ++i) {
    const float *ha = a.data() + i * K, *hb = b.data() + i * K;
    if (opt_.fold_deg >= 0) {
      heatmap_fold_symmetrised(ha, opt_.bins, P, opt_.fold_deg, sa.data());
      heatmap_fold_symmetrised(hb, opt_.bins, P, opt_.fold_deg, sb.data());
      ha = sa.data(), hb = sb.data();
    }
    out[i] = float(heatmap_pair_peak_deg(ha, hb, opt_.bins, P, delta_deg, row));
  }
  return out;
}

void heatmap_fold_symmetrised(const float* h, int64_t K, double period_deg, double fold_deg, float* out) {
  // c − φ_k in bins: c·K/P − k; linear between its two neighbouring bins.
  const double ck = fold_deg * double(K) / period_deg;
  for (int64_t k = 0; k < K; ++k) {
    double m = std::fmod(ck - double(k), double(K));
    if (m < 0) m += double(K);
    const int64_t m0 = int64_t(std::floor(m)) % K;
    const float w = float(m - std::floor(m));
    out[k] = std::max(h[k], (1 - w) * h[m0] + w * h[(m0 + 1) % K]);
  }
}

double heatmap_pair_peak_deg(const float* ha, const float* hb, int64_t K, double period_deg,
                             double delta_deg, std::vector<float>& row) {
  constexpr float kEps = 0.05f;  // a floor: one image's missing peak does not veto the other's
  // h_b at φ + δ, in bins s = δK/P: linear between bins ⌊k + s⌋ and ⌊k + s⌋ + 1.
  double s = std::fmod(delta_deg * double(K) / period_deg, double(K));
  if (s < 0) s += double(K);
  const int64_t s0 = int64_t(std::floor(s)) % K;
  const float w = float(s - std::floor(s));
  row.resize(size_t(K));
  for (int64_t k = 0; k < K; ++k)
    row[size_t(k)] = (std::max(ha[k], 0.0f) + kEps) *
                     (std::max((1 - w) * hb[(k + s0) % K] + w * hb[(k + s0 + 1) % K], 0.0f) + kEps);
  return heatmap_peak_deg(row.data(), K, period_deg);
}

}  // namespace sg

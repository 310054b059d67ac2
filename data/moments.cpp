#include "data/moments.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "data/angles.h"
#include "engine/error.h"

namespace sg {

void MomentOptions::validate() const {
  SG_CHECK(order >= 2 && order <= 360, "moments: the order n must be in 2..360, got ", order,
           order == 1 ? " (the first moment about the centroid is zero: order 1 has no moment angle)"
                      : "");
  SG_CHECK(dilate >= 0 && dilate <= 16, "moments: dilate must be in 0..16 pixels, got ", dilate);
  SG_CHECK(min_area >= 1, "moments: min_area must be at least 1 pixel, got ", min_area);
  SG_CHECK(min_contrast >= 0, "moments: min_contrast must not be negative, got ", min_contrast);
  SG_CHECK(several_fraction > 0 && several_fraction <= 1,
           "moments: several_fraction must be in (0, 1], got ", several_fraction);
  SG_CHECK(min_anisotropy >= 0 && min_anisotropy < 1,
           "moments: min_anisotropy must be in [0, 1), got ", min_anisotropy);
}

const char* flag_text(MomentFlag f) {
  switch (f) {
    case MomentFlag::None: return "ok";
    case MomentFlag::NoParticle: return "no particle (all background)";
    case MomentFlag::TouchesBorder: return "particle touches the border";
    case MomentFlag::SeveralParticles: return "several particles";
    case MomentFlag::NoAnisotropy: return "no n-fold shape (the n-th moment vanishes)";
  }
  return "?";
}

std::complex<double> central_moment(const float* px, int64_t h, int64_t w,
                                    const std::vector<uint8_t>& mask, double background, int n,
                                    std::complex<double>* centroid, double* absolute) {
  SG_CHECK(int64_t(mask.size()) == h * w, "moments: mask of ", mask.size(), " pixels for a ", h,
           "x", w, " image");
  // First pass: Σ w and Σ w·z give the centroid z₀.
  double total = 0;
  std::complex<double> first = 0;
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      if (!mask[size_t(i * w + j)]) continue;
      const double v = double(px[i * w + j]) - background;
      total += v;
      first += v * std::complex<double>(double(j) + 0.5, double(i) + 0.5);
    }
  SG_CHECK(total > 0, "moments: the support holds no intensity above the background");
  const std::complex<double> z0 = first / total;
  // Second pass: M_n = Σ w·(z − z₀)ⁿ, and Σ |w|·|z − z₀|ⁿ for the anisotropy.
  std::complex<double> m = 0;
  double a = 0;
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      if (!mask[size_t(i * w + j)]) continue;
      const double v = double(px[i * w + j]) - background;
      const std::complex<double> d = std::complex<double>(double(j) + 0.5, double(i) + 0.5) - z0;
      std::complex<double> p = 1;
      for (int k = 0; k < n; ++k) p *= d;
      m += v * p;
      a += std::abs(v) * std::abs(p);
    }
  if (centroid) *centroid = z0;
  if (absolute) *absolute = a;
  return m;
}

double moment_phase_angle_deg(std::complex<double> m, int n) {
  return wrap_positive(std::arg(-m) * (180.0 / kPi) / n, 360.0 / n);
}

namespace {

double median(std::vector<double> v) {
  const size_t k = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  const double hi = v[k];
  if (v.size() % 2) return hi;
  return 0.5 * (hi + *std::max_element(v.begin(), v.begin() + long(k)));
}

// Otsu's threshold: of the 256 bins over [lo, hi], the cut that maximises the
// between-class variance w₀·w₁·(μ₀ − μ₁)²; pixels above the returned value are class 1.
double otsu_threshold(const float* px, size_t n, double lo, double hi) {
  constexpr int kBins = 256;
  double count[kBins] = {}, sum[kBins] = {};
  const double scale = kBins / (hi - lo);
  for (size_t k = 0; k < n; ++k) {
    const int b = std::min(kBins - 1, int((double(px[k]) - lo) * scale));
    count[b] += 1;
    sum[b] += px[k];
  }
  double total_sum = 0;
  for (double s : sum) total_sum += s;
  double n0 = 0, s0 = 0, best = -1;
  int cut = 0;
  for (int b = 0; b + 1 < kBins; ++b) {
    n0 += count[b], s0 += sum[b];
    const double n1 = double(n) - n0;
    if (n0 == 0 || n1 == 0) continue;
    const double d = s0 / n0 - (total_sum - s0) / n1;
    const double between = n0 * n1 * d * d;
    if (between > best) best = between, cut = b;
  }
  return lo + (cut + 1) / scale;
}

// Mean of each pixel's 3x3 neighbourhood (its in-frame part at the edges).
std::vector<float> box_mean3(const float* px, int64_t h, int64_t w) {
  std::vector<float> out(size_t(h * w));
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      double s = 0;
      int m = 0;
      for (int64_t a = std::max<int64_t>(0, i - 1); a <= std::min(h - 1, i + 1); ++a)
        for (int64_t b = std::max<int64_t>(0, j - 1); b <= std::min(w - 1, j + 1); ++b)
          s += px[a * w + b], ++m;
      out[size_t(i * w + j)] = float(s / m);
    }
  return out;
}

}  // namespace

std::vector<uint8_t> find_support(const float* px, int64_t h, int64_t w, const MomentOptions& opt,
                                  MomentResult& r) {
  SG_CHECK(h >= 3 && w >= 3, "moments: an image must be at least 3x3 pixels, got ", h, "x", w);
  const size_t n = size_t(h * w);
  for (size_t q = 0; q < n; ++q)
    SG_CHECK(std::isfinite(px[q]), "moments: pixel ", q, " is ", px[q], " (NaN or infinity)");
  // Background and noise from the outermost ring of pixels.
  std::vector<double> border;
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j)
      if (i == 0 || j == 0 || i == h - 1 || j == w - 1) border.push_back(px[i * w + j]);
  r.background = median(border);
  for (double& v : border) v = std::abs(v - r.background);
  r.noise = 1.4826 * median(border);
  r.flag = MomentFlag::NoParticle;
  // Segment a 3x3 box mean of the image: it divides white noise's variance by 9, so the
  // two modes (background, particle) separate for Otsu even at the report's noise.
  const std::vector<float> sm = box_mean3(px, h, w);
  const auto [mn, mx] = std::minmax_element(sm.begin(), sm.end());
  if (!(*mx > r.background) || !(*mx > *mn)) return {};
  r.threshold = std::max(r.background, otsu_threshold(sm.data(), n, *mn, *mx));

  // 8-connected components above the threshold, by an explicit stack.
  std::vector<int32_t> label(n, -1);
  std::vector<int64_t> area;
  std::vector<double> excess;  // Σ (I − b) per component
  std::vector<int64_t> stack;
  for (size_t start = 0; start < n; ++start) {
    if (label[start] >= 0 || !(sm[start] > r.threshold)) continue;
    const int32_t id = int32_t(area.size());
    area.push_back(0);
    excess.push_back(0);
    label[start] = id;
    stack.assign(1, int64_t(start));
    while (!stack.empty()) {
      const int64_t p = stack.back();
      stack.pop_back();
      ++area[size_t(id)];
      excess[size_t(id)] += double(px[p]) - r.background;
      const int64_t i = p / w, j = p % w;
      for (int64_t di = -1; di <= 1; ++di)
        for (int64_t dj = -1; dj <= 1; ++dj) {
          const int64_t a = i + di, b = j + dj;
          if (a < 0 || b < 0 || a >= h || b >= w) continue;
          const int64_t q = a * w + b;
          if (label[size_t(q)] >= 0 || !(sm[size_t(q)] > r.threshold)) continue;
          label[size_t(q)] = id;
          stack.push_back(q);
        }
    }
  }
  if (area.empty()) return {};
  const size_t big = size_t(std::max_element(area.begin(), area.end()) - area.begin());
  r.area = area[big];
  for (int64_t a : area) r.components += a >= opt.min_area;
  const double contrast = excess[big] / double(r.area);
  if (r.area < opt.min_area || !(contrast > opt.min_contrast * r.noise)) return {};

  // The particle's component grown by `dilate` pixels (a (2d+1)² square).
  std::vector<uint8_t> mask(n, 0);
  bool touches = false;
  const int64_t d = opt.dilate;
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) {
      if (label[size_t(i * w + j)] != int32_t(big)) continue;
      touches |= i == 0 || j == 0 || i == h - 1 || j == w - 1;
      for (int64_t a = std::max<int64_t>(0, i - d); a <= std::min(h - 1, i + d); ++a)
        for (int64_t b = std::max<int64_t>(0, j - d); b <= std::min(w - 1, j + d); ++b)
          mask[size_t(a * w + b)] = 1;
    }
  for (uint8_t m : mask) r.support += m;
  int64_t second = 0;
  for (size_t k = 0; k < area.size(); ++k)
    if (k != big) second = std::max(second, area[k]);
  r.flag = touches ? MomentFlag::TouchesBorder
           : second >= std::max<double>(double(opt.min_area), opt.several_fraction * double(r.area))
               ? MomentFlag::SeveralParticles
               : MomentFlag::None;
  return mask;
}

MomentResult moment_angle(const float* px, int64_t h, int64_t w, const MomentOptions& opt) {
  MomentResult r;
  const std::vector<uint8_t> mask = find_support(px, h, w, opt, r);
  r.angle_deg = std::numeric_limits<double>::quiet_NaN();
  if (r.flag == MomentFlag::NoParticle) return r;
  double total = 0;
  for (size_t q = 0; q < mask.size(); ++q) total += mask[q] ? double(px[q]) - r.background : 0.0;
  if (!(total > 0)) {  // the grown support's noise outweighs the particle
    r.flag = MomentFlag::NoParticle;
    return r;
  }
  double absolute = 0;
  const std::complex<double> m = central_moment(px, h, w, mask, r.background, opt.order, nullptr, &absolute);
  r.anisotropy = absolute > 0 ? std::abs(m) / absolute : 0;
  if (r.flag == MomentFlag::None && r.anisotropy < opt.min_anisotropy) r.flag = MomentFlag::NoAnisotropy;
  if (r.flag == MomentFlag::None) r.angle_deg = moment_phase_angle_deg(m, opt.order);
  return r;
}

std::vector<MomentResult> moment_angles(const float* images, int64_t count, int64_t stride,
                                        int64_t h, int64_t w, const MomentOptions& opt) {
  opt.validate();
  SG_CHECK(count >= 0 && stride >= h * w, "moments: image stride ", stride, " below h·w = ", h * w);
  std::vector<MomentResult> out(size_t(std::max<int64_t>(count, 0)));
  // Each image is independent; errors are caught per image and rethrown in order.
  std::vector<std::string> errors(out.size());
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < count; ++k) {
    try {
      out[size_t(k)] = moment_angle(images + k * stride, h, w, opt);
    } catch (const Error& e) {
      errors[size_t(k)] = e.what();
    }
  }
  for (size_t k = 0; k < errors.size(); ++k)
    SG_CHECK(errors[k].empty(), "moments: image ", k, ": ", errors[k]);
  return out;
}

std::vector<float> angles_as_float(const std::vector<MomentResult>& results, int order) {
  const float period = float(360.0 / order);
  std::vector<float> out;
  for (const MomentResult& r : results) {
    const float v = float(r.angle_deg);  // NaN stays NaN
    out.push_back(v >= period ? 0.0f : v);
  }
  return out;
}

int64_t report_flags(const std::vector<MomentResult>& results, const std::string& prefix,
                     std::ostream& os) {
  int64_t by_flag[5] = {0, 0, 0, 0, 0};
  for (size_t k = 0; k < results.size(); ++k) {
    const MomentFlag f = results[k].flag;
    ++by_flag[int(f)];
    if (f != MomentFlag::None) os << prefix << "image " << k << ": " << flag_text(f) << ": angle NaN\n";
  }
  const int64_t flagged = int64_t(results.size()) - by_flag[0];
  if (flagged == 0) return 0;
  os << prefix << flagged << " of " << results.size() << " images flagged (angle NaN):";
  const char* sep = " ";
  for (int f = 1; f < 5; ++f) {
    if (!by_flag[f]) continue;
    os << sep << by_flag[f] << " " << flag_text(MomentFlag(f));
    sep = ", ";
  }
  os << "\n";
  return flagged;
}

}  // namespace sg

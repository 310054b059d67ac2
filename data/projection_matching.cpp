#include "data/projection_matching.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "data/angles.h"
#include "data/projection.h"
#include "data/sinogram.h"
#include "engine/error.h"

namespace sg {

namespace {
using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// cost(i, k) = |x_i - template_k|² for the rows of x [rows, L].
Mat distances(const Templates& t, const float* x, int64_t rows) {
  const Mat X = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                    x, rows, t.length)
                    .cast<double>();
  const Mat T = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                    t.rows.data(), t.count, t.length)
                    .cast<double>();
  Mat C = -2.0 * X * T.transpose();
  const Eigen::VectorXd xn = X.rowwise().squaredNorm();
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t k = 0; k < t.count; ++k) C(i, k) += xn[i] + t.norm2[size_t(k)];
  return C;
}

// The minimum of a cyclic cost row, refined by the parabola through its neighbours;
// with half >= 0, only over templates centre - half .. centre + half (cyclic).
void argmin_refined(const double* c, int64_t K, double step, double& angle, double& cost,
                    int64_t centre = 0, int64_t half = -1) {
  const int64_t first = half < 0 ? 0 : centre - half, span = half < 0 ? K : 2 * half + 1;
  auto at = [&](int64_t j) { return ((first + j) % K + K) % K; };
  int64_t best = at(0);
  for (int64_t j = 1; j < span; ++j)
    if (c[at(j)] < c[best]) best = at(j);
  const double cm = c[(best + K - 1) % K], c0 = c[best], cp = c[(best + 1) % K];
  const double den = cm - 2 * c0 + cp;
  const double off = den > 0 ? std::clamp(0.5 * (cm - cp) / den, -0.5, 0.5) : 0.0;
  angle = wrap_positive((double(best) + off) * step);
  cost = c0 - 0.25 * (cm - cp) * off;
}

// The minimum of a cost row within half templates of centre_deg; NaN when it sits on the
// window's edge (no minimum inside: the caller leaves that projection out).
double windowed_minimum(const double* c, const Templates& t, double centre_deg, int64_t half, double& cost) {
  double angle;
  argmin_refined(c, t.count, t.step_deg, angle, cost, std::llround(centre_deg / t.step_deg), half);
  return std::abs(wrap_symmetric(angle - centre_deg)) > (double(half) - 1.0) * t.step_deg
             ? std::numeric_limits<double>::quiet_NaN()
             : angle;
}

// Rows of x matched against the templates: with a partner, pairs jointly (the partner at
// θ + δ is template k + shift), and with alone_half >= 0 also each projection of a pair
// alone near its joint angle (Matched::alone_deg), from the same distances; with
// centre_deg, single rows searched within half templates of it.
Matched match_rows(const Templates& t, const float* x, int64_t M, int64_t stride, int64_t shift,
                   const float* partner, double delta_deg = 0, int64_t alone_half = -1,
                   const double* centre_deg = nullptr, int64_t half = -1) {
  Matched m;
  m.angles_deg.resize(size_t(M));
  m.cost.resize(size_t(M));
  const bool alone = partner && alone_half >= 0;
  if (alone) m.alone_deg.resize(size_t(2 * M));
  const int64_t K = t.count, block = 512;
  std::vector<float> a, b;
  for (int64_t r0 = 0; r0 < M; r0 += block) {
    const int64_t rows = std::min(block, M - r0);
    a.resize(size_t(rows * t.length));
    b.resize(partner ? size_t(rows * t.length) : 0);
    for (int64_t i = 0; i < rows; ++i) {
      std::copy_n(x + (r0 + i) * stride, t.length, a.begin() + i * t.length);
      if (partner) std::copy_n(partner + (r0 + i) * stride, t.length, b.begin() + i * t.length);
    }
    Mat C = distances(t, a.data(), rows), Ca, Cb;
    if (partner) {
      Cb = distances(t, b.data(), rows);
      if (alone) Ca = C;
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t k = 0; k < K; ++k) C(i, k) += Cb(i, (k + shift) % K);
    }
    for (int64_t i = 0; i < rows; ++i) {
      const size_t r = size_t(r0 + i);
      if (centre_deg)
        m.angles_deg[r] = windowed_minimum(C.row(i).data(), t, centre_deg[r], half, m.cost[r]);
      else
        argmin_refined(C.row(i).data(), K, t.step_deg, m.angles_deg[r], m.cost[r]);
      if (alone) {
        double unused;
        m.alone_deg[r] = windowed_minimum(Ca.row(i).data(), t, m.angles_deg[r], alone_half, unused);
        m.alone_deg[size_t(M) + r] = windowed_minimum(Cb.row(i).data(), t, wrap_positive(m.angles_deg[r] + delta_deg),
                                                      alone_half, unused);
      }
    }
  }
  double s = 0;
  for (double c : m.cost) s += c;
  m.mean_cost = s / double(std::max<int64_t>(M, 1));
  return m;
}

int64_t window_templates(const Templates& t, double window_deg) {
  SG_CHECK(window_deg > 0, "matching alone: the window must be positive, got ", window_deg, "°");
  return std::max<int64_t>(1, std::llround(window_deg / t.step_deg));
}
}  // namespace

double matching_step(double delta_deg, double target_deg) {
  SG_CHECK(delta_deg > 0 && target_deg > 0, "matching_step: angles must be positive");
  return delta_deg / std::max(1.0, std::round(delta_deg / target_deg));
}

Templates make_templates(const Image& object, double step_deg) {
  return make_templates(std::vector<Image>{object}, step_deg);
}

Templates make_templates(const std::vector<Image>& slices, double step_deg) {
  const double n = 360.0 / step_deg;
  SG_CHECK(step_deg > 0 && n <= 1e6, "make_templates: step must be in (0, 360], got ", step_deg);
  SG_CHECK(!slices.empty(), "make_templates: no object");
  Templates t;
  t.step_deg = step_deg;
  t.count = std::max<int64_t>(1, int64_t(std::floor(n + 1e-9)));
  const int64_t L = slices.front().w;
  t.length = int64_t(slices.size()) * L;
  t.rows.resize(size_t(t.count * t.length));
  t.norm2.resize(size_t(t.count));
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < t.count; ++k) {
    float* row = t.rows.data() + k * t.length;
    for (size_t z = 0; z < slices.size(); ++z) forward_project(slices[z], double(k) * step_deg, row + int64_t(z) * L);
    double s = 0;
    for (int64_t i = 0; i < t.length; ++i) s += double(row[i]) * double(row[i]);
    t.norm2[size_t(k)] = s;
  }
  return t;
}

Templates shape_templates(const ParticleShape& shape, int64_t size, double radius_px,
                          int supersample, double step_deg) {
  Templates t = make_templates(Image(size, size), step_deg);
#pragma omp parallel
  {
    Image img(size, size);
#pragma omp for schedule(static)
    for (int64_t k = 0; k < t.count; ++k) {
      float* row = t.rows.data() + k * size;
      render(shape, sinogram_pose(size, radius_px, double(k) * step_deg), supersample, size, size,
             img.px.data());
      project_y(img.px.data(), size, size, row);
      centre_projection(row, size);
      double s = 0;
      for (int64_t i = 0; i < size; ++i) s += double(row[i]) * double(row[i]);
      t.norm2[size_t(k)] = s;
    }
  }
  return t;
}

Matched match_pairs(const Templates& t, const float* pairs, int64_t N, double delta_deg, double alone_window_deg) {
  const double steps = delta_deg / t.step_deg;
  const int64_t shift = std::llround(steps);
  SG_CHECK(std::abs(steps - double(shift)) < 1e-6 && std::abs(double(t.count) * t.step_deg - 360.0) < 1e-6,
           "match_pairs: the template step ", t.step_deg, " must divide the stereo angle ",
           delta_deg, " and 360 (use matching_step)");
  return match_rows(t, pairs, N, 2 * t.length, shift, pairs + t.length, delta_deg,
                    alone_window_deg > 0 ? window_templates(t, alone_window_deg) : -1);
}

std::vector<double> match_alone(const Templates& t, const float* pairs, int64_t N, double delta_deg,
                                const std::vector<double>& first_deg, double window_deg) {
  SG_CHECK(int64_t(first_deg.size()) == N, "match_alone: ", first_deg.size(), " angles for ", N, " pairs");
  const int64_t half = window_templates(t, window_deg);
  std::vector<double> out = with_partners(first_deg, delta_deg);  // the centres, then the answers
  const Matched a = match_rows(t, pairs, N, 2 * t.length, 0, nullptr, 0, -1, out.data(), half);
  const Matched b = match_rows(t, pairs + t.length, N, 2 * t.length, 0, nullptr, 0, -1, out.data() + N, half);
  std::copy(a.angles_deg.begin(), a.angles_deg.end(), out.begin());
  std::copy(b.angles_deg.begin(), b.angles_deg.end(), out.begin() + N);
  return out;
}

Matched match_single(const Templates& t, const float* projections, int64_t M) {
  return match_rows(t, projections, M, t.length, 0, nullptr);
}

double warp_at(const StereoWarp& w, double angle_deg) {
  const double a = angle_deg * kPi / 180.0;
  double v = 0;
  for (size_t h = 0; h < w.c.size(); ++h)
    v += w.c[h] * std::cos(double(h + 1) * a) + w.s[h] * std::sin(double(h + 1) * a);
  return v;
}

std::vector<double> unwarped(const StereoWarp& w, const std::vector<double>& first_deg, double delta_deg) {
  std::vector<double> out(first_deg.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = wrap_positive(first_deg[i] - 0.5 * (warp_at(w, first_deg[i]) + warp_at(w, first_deg[i] + delta_deg)));
  return out;
}

StereoWarp fit_stereo_warp(const std::vector<double>& first_deg, const std::vector<double>& alone_deg,
                           double delta_deg, int harmonics) {
  const size_t N = first_deg.size();
  SG_CHECK(harmonics >= 1 && harmonics <= 64 && alone_deg.size() == 2 * N, "fit_stereo_warp: ", harmonics,
           " harmonics, ", alone_deg.size(), " projections read alone for ", N, " pairs");
  std::vector<int64_t> rows;
  std::vector<double> d;
  for (size_t i = 0; i < N; ++i) {
    if (std::isnan(alone_deg[i]) || std::isnan(alone_deg[N + i])) continue;  // on its window's edge
    rows.push_back(int64_t(i));
    d.push_back(wrap_symmetric(alone_deg[N + i] - alone_deg[i] - delta_deg));
  }
  StereoWarp w;
  const int64_t H = harmonics;
  auto fit = [&](const std::vector<char>& keep) {
    int64_t n = 0;
    for (char k : keep) n += k;
    Eigen::MatrixXd A(n, 2 * H);
    Eigen::VectorXd y(n);
    for (size_t j = 0, r = 0; j < rows.size(); ++j) {
      if (!keep[j]) continue;
      const double th = first_deg[size_t(rows[j])] * kPi / 180.0, dl = delta_deg * kPi / 180.0;
      for (int64_t h = 1; h <= H; ++h) {
        A(int64_t(r), 2 * (h - 1)) = std::cos(double(h) * (th + dl)) - std::cos(double(h) * th);
        A(int64_t(r), 2 * (h - 1) + 1) = std::sin(double(h) * (th + dl)) - std::sin(double(h) * th);
      }
      y[int64_t(r++)] = d[j];
    }
    const Eigen::VectorXd x = A.colPivHouseholderQr().solve(y);
    w.c.assign(size_t(H), 0);
    w.s.assign(size_t(H), 0);
    for (int64_t h = 0; h < H; ++h) w.c[size_t(h)] = x[2 * h], w.s[size_t(h)] = x[2 * h + 1];
    w.used = n;
  };
  if (int64_t(rows.size()) < 8 * H) return w;  // too few pairs to say: no warp
  std::vector<char> keep(rows.size(), 1);
  fit(keep);
  std::vector<double> res(rows.size());
  for (size_t j = 0; j < rows.size(); ++j) {
    const double th = first_deg[size_t(rows[j])];
    res[j] = std::abs(d[j] - (warp_at(w, th + delta_deg) - warp_at(w, th)));
  }
  std::vector<double> sorted = res;
  std::nth_element(sorted.begin(), sorted.begin() + int64_t(sorted.size() / 2), sorted.end());
  const double sigma = 1.4826 * sorted[sorted.size() / 2];
  int64_t kept = 0;
  for (size_t j = 0; j < rows.size(); ++j) {
    keep[j] = res[j] <= 3 * sigma;
    kept += keep[j];
  }
  if (kept >= 8 * H) fit(keep);  // else (residuals all but exact) the first fit stands
  for (int k = 0; k < 360; ++k) w.peak_deg = std::max(w.peak_deg, std::abs(warp_at(w, double(k))));
  // A warp far beyond the window it was read through is no smooth warp: angles collapsed
  // to a few values leave the columns degenerate and the coefficients unbounded (10⁸° on
  // a failed δ = 3° recovery). Nothing is taken out then.
  if (!(w.peak_deg <= kMaxWarpDeg)) w = StereoWarp{};
  return w;
}

Image back_project(const float* projections, int64_t M, int64_t L,
                   const std::vector<double>& angles_deg) {
  SG_CHECK(int64_t(angles_deg.size()) == M && M >= 1, "back_project: ", angles_deg.size(),
           " angles for ", M, " projections");
  Sinogram s;
  s.angles_deg = angles_deg;
  s.rows = Image(M, L);
  std::copy_n(projections, M * L, s.rows.px.begin());
  s.weights = angular_weights(angles_deg);
  return filtered_back_projection(s);
}

std::vector<Image> back_project_slices(const float* projections, int64_t M, int64_t slices, int64_t L,
                                       const std::vector<double>& angles_deg) {
  SG_CHECK(slices >= 1, "back_project_slices: ", slices, " slices");
  if (slices == 1) return {back_project(projections, M, L, angles_deg)};
  std::vector<Image> out(static_cast<size_t>(slices));
  std::vector<float> rows(size_t(M * L));
  for (int64_t z = 0; z < slices; ++z) {
    for (int64_t m = 0; m < M; ++m) std::copy_n(projections + (m * slices + z) * L, L, rows.begin() + m * L);
    out[size_t(z)] = back_project(rows.data(), M, L, angles_deg);
  }
  return out;
}

namespace {
Recovered recover_once(const float* pairs, int64_t N, int64_t L, double delta_deg, const RecoverOptions& o,
                       const SyncOptions& sync) {
  Recovered r;
  SyncOptions so = sync;
  so.slices = o.slices;  // a stack's rows reverse one by one
  r.sync = synchronise_angles(pairs, N, L, delta_deg, so);
  const std::vector<float> flat = firsts_then_partners(pairs, N, L);
  const int64_t slices = o.slices, Ls = L / o.slices;
  std::vector<double> angles = r.sync.angles_deg;
  r.angles_deg = angles;
  r.objects = back_project_slices(flat.data(), 2 * N, slices, Ls, angles);
  r.cost = std::numeric_limits<double>::infinity();
  const double step = matching_step(delta_deg, o.step_deg);
  bool gaining = true;  // the last round lowered the best cost by more than round_gain
  const int most = o.rounds == 0 ? 0 : std::max(o.rounds, o.max_rounds);
  for (int round = 0; round < most && (round < o.rounds || gaining); ++round) {
    const Templates t = make_templates(back_project_slices(flat.data(), 2 * N, slices, Ls, angles), step);
    const Matched m = match_pairs(t, pairs, N, delta_deg, o.warp_harmonics > 0 ? o.warp_window_deg : 0);
    r.round_cost.push_back(m.mean_cost);
    if (o.warp_harmonics > 0) {  // the round keeps the angles with its warp taken out
      const StereoWarp w = fit_stereo_warp(m.angles_deg, m.alone_deg, delta_deg, o.warp_harmonics);
      r.round_warp_deg.push_back(w.peak_deg);
      angles = with_partners(unwarped(w, m.angles_deg, delta_deg), delta_deg);
    } else {
      angles = with_partners(m.angles_deg, delta_deg);
    }
    gaining = m.mean_cost < r.cost * (1 - o.round_gain);
    if (m.mean_cost < r.cost) {
      r.cost = m.mean_cost;
      r.best_round = round + 1;
      r.angles_deg = angles;
    }
  }
  if (r.best_round > 0) r.objects = back_project_slices(flat.data(), 2 * N, slices, Ls, r.angles_deg);
  r.neighbours = sync.neighbours;
  return r;
}
}  // namespace

Recovered recover_angles(const float* pairs, int64_t N, int64_t L, double delta_deg,
                         const RecoverOptions& o) {
  SG_CHECK(o.rounds >= 0 && o.rounds <= 100 && o.max_rounds >= 0 && o.max_rounds <= 100,
           "recover_angles: rounds and max_rounds must be in [0, 100], got ", o.rounds, " and ", o.max_rounds);
  SG_CHECK(o.slices >= 1 && L % o.slices == 0, "recover_angles: a projection of length ", L,
           " does not split into ", o.slices, " slices");
  std::vector<int> tries = o.neighbour_tries;
  if (tries.empty() || o.rounds == 0) tries = {o.sync.neighbours};  // no cost to compare without a round
  std::vector<double> contexts = o.context_mixed_tries;
  if (contexts.empty() || o.rounds == 0 || !o.sync.check_context) contexts = {o.sync.context_mixed};
  std::vector<bool> turns = o.half_turn_tries;
  if (turns.empty() || o.rounds == 0) turns = {o.sync.half_turn_edges};
  Recovered best;
  std::vector<double> costs;
  for (bool turn : turns)
    for (double c : contexts)
      for (int k : tries) {
        SyncOptions sync = o.sync;
        sync.neighbours = k;
        sync.context_mixed = c;
        sync.half_turn_edges = turn;
        Recovered r = recover_once(pairs, N, L, delta_deg, o, sync);
        r.context_mixed = c;
        r.half_turn_edges = turn;
        costs.push_back(r.cost);
        const double margin = turn && !best.half_turn_edges ? o.half_turn_margin : o.tie_margin;
        if (costs.size() == 1 || r.cost < best.cost * (1 - margin)) best = std::move(r);
      }
  best.try_cost = costs;
  return best;
}

namespace {
// img rotated by angle about (c, c), c = size/2, optionally mirrored first (column
// c + d -> c - d); bilinear, 0 outside.
Image rotated(const Image& img, double angle_deg, bool mirror) {
  const int64_t n = img.w, c = n / 2;
  const double th = angle_deg * kPi / 180.0, ct = std::cos(th), st = std::sin(th);
  Image out(n, n);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t q = 0; q < n; ++q) {
      const double y = double(r - c), x = double(q - c);
      const double sy = ct * y - st * x + double(c);
      double sx = st * y + ct * x;
      sx = (mirror ? -sx : sx) + double(c);
      out.at(r, q) = float(bilinear(img.px.data(), n, n, sy, sx));
    }
  return out;
}
}  // namespace

Alignment aligned_rmse(const Image& reconstruction, const Image& truth) {
  SG_CHECK(reconstruction.h == truth.h && reconstruction.w == truth.w && truth.h == truth.w,
           "aligned_rmse: images must be square and the same size");
  Alignment best{std::numeric_limits<double>::infinity(), 0, false, 0};
  for (int m = 0; m < 2; ++m)
    for (int k = 0; k < 720; ++k) {
      const double e = rmse(rotated(reconstruction, 0.5 * k, m == 1), truth);
      if (e < best.rmse) best = {e, 0.5 * k, m == 1};
    }
  const Alignment coarse = best;
  for (int k = -25; k <= 25; ++k) {
    const double a = coarse.angle_deg + 0.02 * k;
    const double e = rmse(rotated(reconstruction, a, coarse.mirrored), truth);
    if (e < best.rmse) best = {e, a, coarse.mirrored, 0};
  }
  best.resampled_rmse = best.rmse;
  return best;
}

// The rotation of a reconstruction is an offset of all its angles, and its mirror the
// angles negated (P'_θ = P_{180°−θ} for the mirrored object; a reversed projection is the
// half turn, already among the offsets): so FBP at s·θ + β (s = ±1) is the aligned object
// itself, sampled like the oracle's, with no resampling blur. β is seeded by the image
// alignment (±α, ±α + 180°), the best of those 8 candidates refined on 0.05° then 0.01°
// grids.
Alignment aligned_rmse(const float* projections, int64_t M, int64_t L, const std::vector<double>& angles_deg,
                       const Image& truth) {
  SG_CHECK(int64_t(angles_deg.size()) == M && M >= 1 && truth.h == L && truth.w == L,
           "aligned_rmse: ", angles_deg.size(), " angles for ", M, " projections of length ", L,
           " against a ", truth.h, "x", truth.w, " truth");
  const Alignment seed = aligned_rmse(back_project(projections, M, L, angles_deg), truth);
  auto error = [&](int sign, double beta) {
    std::vector<double> a(angles_deg.size());
    for (size_t i = 0; i < a.size(); ++i) a[i] = wrap_positive(sign * angles_deg[i] + beta);
    return rmse(back_project(projections, M, L, a), truth);
  };
  int best_sign = 1;
  double best_beta = 0, best = std::numeric_limits<double>::infinity();
  for (int sign : {1, -1})
    for (double beta : {seed.angle_deg, -seed.angle_deg, seed.angle_deg + 180, 180 - seed.angle_deg}) {
      const double e = error(sign, beta);
      if (e < best) best = e, best_sign = sign, best_beta = beta;
    }
  for (double step : {0.05, 0.01}) {
    const double centre = best_beta;
    for (int k = -10; k <= 10; ++k) {
      const double e = error(best_sign, centre + step * k);
      if (e < best) best = e, best_beta = centre + step * k;
    }
  }
  return {best, wrap_positive(best_beta), best_sign < 0, seed.rmse};
}

}  // namespace sg

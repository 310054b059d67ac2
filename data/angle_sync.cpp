#include "data/angle_sync.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <complex>
#include <numeric>

#include "data/angles.h"
#include "engine/error.h"
#include "engine/random.h"

namespace sg {

namespace {
using cd = std::complex<double>;

// A Hermitian matrix in compressed rows; y = A x.
struct SparseHermitian {
  std::vector<int64_t> row;  // [M + 1]
  std::vector<int64_t> col;
  std::vector<cd> val;
  void multiply(const cd* x, cd* y, int64_t M) const {
#pragma omp parallel for schedule(static) if (M >= 4096)
    for (int64_t i = 0; i < M; ++i) {
      cd acc = 0;
      for (int64_t e = row[size_t(i)]; e < row[size_t(i + 1)]; ++e) acc += val[size_t(e)] * x[col[size_t(e)]];
      y[i] = acc;
    }
  }
};

double squared_distance(const float* a, const float* b, int64_t L) {
  double s = 0;
  for (int64_t t = 0; t < L; ++t) s += double(a[t] - b[t]) * double(a[t] - b[t]);
  return s;
}

cd dot(const std::vector<cd>& a, const cd* b) {  // a^H b
  cd s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += std::conj(a[i]) * b[i];
  return s;
}
}  // namespace

std::vector<float> firsts_then_partners(const float* pairs, int64_t N, int64_t L) {
  std::vector<float> flat(static_cast<size_t>(2 * N * L));
  for (int64_t i = 0; i < N; ++i)
    for (int s = 0; s < 2; ++s)
      std::copy_n(pairs + (2 * i + s) * L, L, flat.begin() + (s * N + i) * L);
  return flat;
}

std::vector<double> with_partners(const std::vector<double>& first_deg, double delta_deg) {
  const size_t N = first_deg.size();
  std::vector<double> all(2 * N);
  for (size_t i = 0; i < N; ++i) {
    all[i] = first_deg[i];
    all[N + i] = wrap_positive(first_deg[i] + delta_deg);
  }
  return all;
}

void nearest_neighbours(const float* x, int64_t M, int64_t L, int k, std::vector<int64_t>& index,
                        std::vector<double>& dist2) {
  nearest_neighbours(x, M, x, M, L, k, index, dist2);
}

void nearest_neighbours(const float* x, int64_t M, const float* y, int64_t C, int64_t L, int k,
                        std::vector<int64_t>& index, std::vector<double>& dist2) {
  SG_CHECK(M >= 1 && C % M == 0, "nearest_neighbours: ", C, " candidates for ", M, " vectors");
  const int64_t own = C / M;  // candidates excluded per query
  SG_CHECK(k >= 1 && k <= C - own, "nearest_neighbours: k = ", k, " needs at least k + 1 = ", k + 1,
           " vectors, got ", M);
  using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using MapF = Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
  const Mat X = MapF(x, M, L).cast<double>();
  const Mat Y = y == x && C == M ? X : Mat(MapF(y, C, L).cast<double>());
  const Eigen::VectorXd sx = X.rowwise().squaredNorm(), sy = Y.rowwise().squaredNorm();
  index.assign(size_t(M * k), 0);
  dist2.assign(size_t(M * k), 0);
  const int64_t block = 256;
  for (int64_t r0 = 0; r0 < M; r0 += block) {
    const int64_t rows = std::min(block, M - r0);
    // ||a - b||² = ||a||² + ||b||² - 2 a·b, one GEMM per block of rows.
    const Mat G = X.middleRows(r0, rows) * Y.transpose();
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t i = r0 + r;
      std::vector<std::pair<double, int64_t>> d;
      d.reserve(size_t(C));
      for (int64_t j = 0; j < C; ++j)
        if (j % M != i) d.emplace_back(std::max(0.0, sx[i] + sy[j] - 2 * G(r, j)), j);
      std::partial_sort(d.begin(), d.begin() + k, d.end());
      for (int q = 0; q < k; ++q) {
        index[size_t(i * k + q)] = d[size_t(q)].second;
        dist2[size_t(i * k + q)] = d[size_t(q)].first;
      }
    }
  }
}

std::vector<float> reversed_projections(const float* x, int64_t M, int64_t L, int64_t slices) {
  SG_CHECK(slices >= 1 && L % slices == 0, "reversed_projections: rows of ", L, " do not split into ",
           slices, " slices");
  const int64_t n = L / slices;
  std::vector<float> out(size_t(M * L));
  for (int64_t m = 0; m < M * slices; ++m)  // index t -> n - t about n/2; t = 0 has no partner and stays
    for (int64_t t = 0; t < n; ++t) out[size_t(m * n + t)] = x[m * n + (n - t) % n];
  return out;
}

SyncResult synchronise_angles(const float* pairs, int64_t N, int64_t L, double delta_deg,
                              const SyncOptions& o) {
  SG_CHECK(N >= 2 && L >= 4, "synchronise_angles: need at least 2 pairs of length >= 4, got ", N,
           " of length ", L);
  SG_CHECK(delta_deg > 0 && delta_deg < 180, "synchronise_angles: stereo angle must be in (0, 180), got ",
           delta_deg);
  SG_CHECK(o.neighbours >= 1 && o.pair_weight > 0 && o.max_steps >= 2,
           "synchronise_angles: bad options");
  const int64_t M = 2 * N;
  // Node i < N is pair i's first projection, node N + i its partner.
  const std::vector<float> x = firsts_then_partners(pairs, N, L);
  const int k = int(std::min<int64_t>(o.neighbours, M - 1));
  std::vector<int64_t> nn;  // j < M: node j; j >= M: node j - M reversed (half a turn on)
  std::vector<double> d2;
  std::vector<float> xr;    // [x; x reversed] with half-turn edges
  if (o.half_turn_edges) {
    xr = x;
    const std::vector<float> r = reversed_projections(x.data(), M, L, o.slices);
    xr.insert(xr.end(), r.begin(), r.end());
    nearest_neighbours(x.data(), M, xr.data(), 2 * M, L, k, nn, d2);
  } else {
    nearest_neighbours(x.data(), M, L, k, nn, d2);
  }
  // The other reading of an edge: node j reversed when it was read as it is, and back.
  const auto other_reading = [&](int64_t i, int64_t jj) {
    return squared_distance(x.data() + i * L, xr.data() + (jj < M ? jj + M : jj - M) * L, L);
  };
  const auto partner = [&](int64_t i) { return i < N ? i + N : i - N; };
  const auto context = [&](int64_t i) { return x.data() + partner(i) * L; };
  // The context of candidate jj as i sees it: reversed too across a half-turn edge.
  const auto context_of = [&](int64_t jj) { return jj < M ? context(jj) : xr.data() + (M + partner(jj - M)) * L; };

  // Edges (i, j, value), both directions; a neighbour edge chosen by both ends is kept once.
  struct Edge {
    int64_t i, j;
    cd v;
  };
  std::vector<Edge> edges;
  edges.reserve(size_t(2 * M * k + 2 * N));
  std::vector<double> sigma(static_cast<size_t>(M));
  for (int64_t i = 0; i < M; ++i) sigma[size_t(i)] = std::sqrt(d2[size_t(i * k + k - 1)]) + 1e-12;
  int64_t dropped = 0, unclear = 0, half_turns = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int q = 0; q < k; ++q) {
      const int64_t jj = nn[size_t(i * k + q)], j = jj % M;
      const bool half_turn = jj >= M;
      const double scale = sigma[size_t(i)] * sigma[size_t(j)];
      if (o.half_turn_edges && d2[size_t(i * k + q)] >= o.flip_ratio * other_reading(i, jj)) {
        ++unclear;
        continue;
      }
      if (o.check_context) {
        const float *a = context(i), *b = context_of(jj);
        const double dc = squared_distance(a, b, L);
        // The contexts' distance against the step each pair spans (|P_θ − P_{θ+δ}|²).
        const double span = std::min(squared_distance(a, x.data() + i * L, L),
                                     squared_distance(context(j), x.data() + j * L, L));
        const bool same_kind = (i < N) == (j < N);
        if (same_kind ? dc > o.context_same * span : dc < o.context_mixed * span) {
          ++dropped;
          continue;
        }
      }
      // Phase 0 (θ_j = θ_i) or 180° (θ_j = θ_i + 180°): z̄_i z_j e^{-iπ} is largest then.
      const double w = std::exp(-d2[size_t(i * k + q)] / scale) * (half_turn ? -1.0 : 1.0);
      half_turns += half_turn;
      edges.push_back({i, j, w});
      edges.push_back({j, i, w});
    }
  std::sort(edges.begin(), edges.end(),
            [](const Edge& a, const Edge& b) { return a.i != b.i ? a.i < b.i : a.j < b.j; });
  edges.erase(std::unique(edges.begin(), edges.end(),
                          [](const Edge& a, const Edge& b) { return a.i == b.i && a.j == b.j; }),
              edges.end());
  const size_t neighbour_edges = edges.size();
  // z̄_a z_b e^{-iδ} is largest when θ_b = θ_a + δ.
  const cd rot = std::polar(o.pair_weight, -delta_deg * kPi / 180.0);
  for (int64_t a = 0; a < N; ++a) {
    edges.push_back({a, N + a, rot});
    edges.push_back({N + a, a, std::conj(rot)});
  }
  std::sort(edges.begin(), edges.end(),
            [](const Edge& a, const Edge& b) { return a.i != b.i ? a.i < b.i : a.j < b.j; });

  // The largest connected piece of the graph. A piece cut off from the rest (a pair whose
  // neighbour edges the context check all dropped) is consistent by itself: its own top
  // eigenvalue is 1, as high as the whole graph's can be, and the eigenvector could settle
  // on it alone and leave every other angle noise. So the eigenvector is taken on the
  // largest piece (all M nodes when the graph is connected: then nothing changes), and
  // each node outside it gets the angle of its nearest neighbour inside.
  std::vector<int64_t> root(static_cast<size_t>(M));
  std::iota(root.begin(), root.end(), int64_t(0));
  const auto find = [&](int64_t i) {
    while (root[size_t(i)] != i) i = root[size_t(i)] = root[size_t(root[size_t(i)])];
    return i;
  };
  for (const Edge& e : edges) root[size_t(find(e.i))] = find(e.j);
  std::vector<int64_t> size_of(size_t(M), 0);
  for (int64_t i = 0; i < M; ++i) ++size_of[size_t(find(i))];
  const int64_t biggest = int64_t(std::max_element(size_of.begin(), size_of.end()) - size_of.begin());
  std::vector<int64_t> local(size_t(M), -1), piece;  // node -> its index in the piece
  for (int64_t i = 0; i < M; ++i)
    if (find(i) == biggest) {
      local[size_t(i)] = int64_t(piece.size());
      piece.push_back(i);
    }
  const int64_t P = int64_t(piece.size());

  // Degree normalisation D^{-1/2} H D^{-1/2}: keeps the spectrum in [-1, 1] whatever the
  // local density of the angles. Rows of the piece only (edges never leave a piece).
  std::vector<double> deg(size_t(M), 0.0);
  for (const Edge& e : edges) deg[size_t(e.i)] += std::abs(e.v);
  SparseHermitian H;
  H.row.assign(size_t(P + 1), 0);
  for (const Edge& e : edges) {
    if (local[size_t(e.i)] < 0) continue;
    ++H.row[size_t(local[size_t(e.i)] + 1)];
    H.col.push_back(local[size_t(e.j)]);
    H.val.push_back(e.v / std::sqrt(deg[size_t(e.i)] * deg[size_t(e.j)]));
  }
  std::partial_sum(H.row.begin(), H.row.end(), H.row.begin());

  // Lanczos with full re-orthogonalisation for the largest eigenvalue: the spectrum near
  // the top is dense (gaps ~1e-4), which power iteration would take 10^4-10^5 steps over.
  const int max_steps = int(std::min<int64_t>(o.max_steps, P));
  std::vector<std::vector<cd>> Q;
  std::vector<double> alpha, beta;
  std::vector<cd> w(static_cast<size_t>(P));
  Rng rng(0x5eed, 0);
  std::vector<cd> q(static_cast<size_t>(P));
  for (auto& v : q) v = cd(rng.normal(), rng.normal());
  double nq = std::sqrt(std::real(dot(q, q.data())));
  for (auto& v : q) v /= nq;
  SyncResult r;
  Eigen::VectorXd y;
  double lambda = 0;
  for (int j = 0; j < max_steps; ++j) {
    Q.push_back(q);
    H.multiply(Q.back().data(), w.data(), P);
    alpha.push_back(std::real(dot(Q.back(), w.data())));
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& qi : Q) {
        const cd c = dot(qi, w.data());
        for (int64_t t = 0; t < P; ++t) w[size_t(t)] -= c * qi[size_t(t)];
      }
    const double b = std::sqrt(std::real(dot(w, w.data())));
    const int n = j + 1;
    if (n % 10 == 0 || n == max_steps || b < 1e-12) {
      Eigen::MatrixXd T = Eigen::MatrixXd::Zero(n, n);
      for (int t = 0; t < n; ++t) {
        T(t, t) = alpha[size_t(t)];
        if (t + 1 < n) T(t, t + 1) = T(t + 1, t) = beta[size_t(t)];
      }
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(T);
      lambda = es.eigenvalues()(n - 1);
      y = es.eigenvectors().col(n - 1);
      r.residual = b * std::abs(y(n - 1));  // ||Hz - λz|| of the Ritz vector
      r.steps = n;
      if (r.residual < o.tolerance || b < 1e-12) break;
    }
    beta.push_back(b);
    for (int64_t t = 0; t < P; ++t) q[size_t(t)] = w[size_t(t)] / b;
  }
  std::vector<cd> z(size_t(P), 0);
  for (int t = 0; t < r.steps; ++t)
    for (int64_t i = 0; i < P; ++i) z[size_t(i)] += y(t) * Q[size_t(t)][size_t(i)];
  r.eigenvalue = lambda;
  double s2 = 0, s4 = 0;
  for (const cd& v : z) s2 += std::norm(v), s4 += std::norm(v) * std::norm(v);
  r.spread = s4 > 0 ? s2 * s2 / (double(M) * s4) : 0;  // over all M: a small piece reads small
  r.angles_deg.assign(size_t(M), 0.0);
  for (int64_t i = 0; i < P; ++i) r.angles_deg[size_t(piece[size_t(i)])] = wrap_positive(std::arg(z[size_t(i)]) * 180.0 / kPi);
  r.outside_piece = M - P;
  for (int64_t i = 0; i < M; ++i) {  // nodes outside the piece: their nearest neighbour's angle
    if (local[size_t(i)] >= 0) continue;
    for (int q2 = 0; q2 < k; ++q2) {
      const int64_t jj = nn[size_t(i * k + q2)], j = jj % M;  // half a turn on when reversed
      if (local[size_t(j)] >= 0) {
        r.angles_deg[size_t(i)] = wrap_positive(r.angles_deg[size_t(j)] + (jj >= M ? 180.0 : 0.0));
        break;
      }
    }
  }
  // Label-free quality: how far apart the graph's neighbours were put.
  std::vector<double> dis;
  dis.reserve(neighbour_edges);
  for (int64_t i = 0; i < M; ++i)
    for (int q2 = 0; q2 < k; ++q2) {
      const int64_t jj = nn[size_t(i * k + q2)];
      const double turn = jj >= M ? 180.0 : 0.0;
      dis.push_back(std::fabs(wrap_symmetric(r.angles_deg[size_t(i)] + turn - r.angles_deg[size_t(jj % M)])));
    }
  r.folded_edges = double(dropped) / double(M * k);
  r.unclear_edges = double(unclear) / double(M * k);
  const int64_t kept = M * k - dropped - unclear;
  r.half_turn_fraction = kept > 0 ? double(half_turns) / double(kept) : 0;
  std::nth_element(dis.begin(), dis.begin() + dis.size() / 2, dis.end());
  r.neighbour_disagreement_deg = dis[dis.size() / 2];
  return r;
}

}  // namespace sg

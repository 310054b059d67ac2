// Label-free angles of unlabelled projections: angular synchronisation over a
// nearest-neighbour graph, with the stereo pairs fixing the scale.
//
// Two projections that look alike were taken at nearly the same angle (for the 'S',
// whose projections are all distinct, a projection's nearest neighbour is within 0.7° of
// it in the median); a stereo pair's partner is exactly δ further on. So find unit
// complex numbers z_i = e^{iθ_i} that maximise
//     Σ_{i~j neighbours} w_ij Re(z̄_i z_j) + λ Σ_{pairs (a,b)} Re(z̄_a z_b e^{-iδ}),
// i.e. neighbours agree and every partner sits δ ahead. Relaxed to ||z|| = 1 this is the
// top eigenvector of the Hermitian matrix H (H_ij = w_ij, H_ab = λ e^{-iδ}, H_ba its
// conjugate), taken here after the degree normalisation D^{-1/2} H D^{-1/2}
// (Singer 2011, "Angular synchronization by eigenvectors and semidefinite programming";
// the graph and its Gaussian weights are those of graph-Laplacian tomography, Coifman,
// Shkolnisky, Singer & Sigworth 2008). The relaxation has no local minima; θ_i = arg z_i
// comes out with an arbitrary global offset and the direction of δ (no mirror).
// Neighbour weights w_ij = exp(-d_ij² / (σ_i σ_j)), σ_i = distance to i's k-th neighbour
// (a self-tuning bandwidth), the graph made symmetric by keeping an edge either end chose.
//
// No angle is read here: only the projections, which of them form pairs, and δ.
#pragma once
#include <cstdint>
#include <vector>

namespace sg {

struct SyncOptions {
  int neighbours = 6;        // k of the k-nearest-neighbour graph
  double pair_weight = 10;   // λ: weight of a stereo edge against a neighbour edge (≤ 1)
  int max_steps = 400;       // Lanczos steps at most
  double tolerance = 1e-6;   // stop when the eigen-residual ||Hz - λz|| falls below this
};

struct SyncResult {
  std::vector<double> angles_deg;  // [2N]: first images 0..N-1, partners N..2N-1, in [0, 360)
  double eigenvalue = 0;           // top eigenvalue of the normalised H (≤ 1)
  double residual = 0;             // ||Hz - λz|| at the end
  int steps = 0;                   // Lanczos steps taken
  double neighbour_disagreement_deg = 0;  // median |θ_i - θ_j| over neighbour edges
};

// pairs: [N, 2, L] projections (already centred, data/projection.h centre_projection),
// the second of each pair taken δ after the first.
SyncResult synchronise_angles(const float* pairs, int64_t N, int64_t L, double delta_deg,
                              const SyncOptions& options = {});

// Pairs [N, 2, L] as [2N, L] in the order of SyncResult::angles_deg: every pair's first
// projection, then every partner.
std::vector<float> firsts_then_partners(const float* pairs, int64_t N, int64_t L);
// The [2N] angles of that order from the firsts' angles [N]: partners at + δ, in [0, 360).
std::vector<double> with_partners(const std::vector<double>& first_deg, double delta_deg);

// The k nearest neighbours (squared Euclidean distance) of each of M vectors of length L,
// nearest first, excluding the vector itself: [M, k] indices and squared distances.
void nearest_neighbours(const float* x, int64_t M, int64_t L, int k, std::vector<int64_t>& index,
                        std::vector<double>& dist2);

}  // namespace sg

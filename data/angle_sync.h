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
  // Keep a neighbour edge only where the two projections' stereo partners agree with it.
  // A mirror-symmetric shape (the 'T', θ ≡ c − θ) projects alike at θ and c − θ, so the
  // graph of single projections would also join those and fold the circle onto an arc.
  // Each node's context, the other projection of its pair (at θ + δ for a first, θ − δ
  // for a partner), tells the two apart: for two firsts (or two partners) at the same θ
  // the contexts coincide, while at θ and c − θ they sit 2δ apart (P_{c−θ+δ} = P_{θ−δ});
  // for a first and a partner it is the other way round. An edge whose contexts say
  // "fold" is dropped; for a shape without a mirror no edge is.
  bool check_context = true;
  // The test, against the step a pair spans, s = |P_θ − P_{θ+δ}|² (the smaller of the
  // two nodes'): two firsts (or two partners) are kept when their contexts are nearer
  // than context_same·s, a first and a partner when theirs are further than
  // context_mixed·s. Edges between the two are uncertain and dropped as well. For two
  // projections at the same angle the contexts of a first and a partner are 2δ apart,
  // |P_{θ+δ} − P_{θ−δ}|² ≈ 4s while δ is small, and coincide under a fold (≈ 0 plus
  // noise): 1 lets pixelation and shot noise carry some folds through, 2 (the middle)
  // stops them but drops more edges, and a small graph can fall apart; at δ = 35° the
  // chord is no longer short and the ratio spreads down to 1. recover_angles therefore
  // restarts with both (RecoverOptions::context_mixed_tries).
  double context_same = 0.25, context_mixed = 1.0;
  // Half-turn edges. Every object's projection half a turn on is its own reversal,
  // P_{θ+180°}(s) = P_θ(−s) (about the centre, index L/2 of centred projections), so a
  // projection that matches another *reversed* is a neighbour half a turn away: an edge
  // of phase 180°. With them each node's neighbours are sought among the projections and
  // their reversals (a graph of twice the samples, joined across the half turn). An edge
  // is kept only where its reading is clear, its distance under flip_ratio times the
  // other reading's: where a projection is nearly symmetric the two readings coincide
  // and the edge would join θ to θ + 180° at random. Such edges, under 1 % of a direct
  // graph, are what sinks small stereo angles: at δ = 3° a pair held δ apart costs so
  // little (1 − cos δ) that the eigenvector prefers to fold the circle around them
  // (docs/projections.md, "Small stereo angles"). `slices`: each projection is that many
  // rows, each reversed on its own (a 3-D particle's slices about the tilt axis).
  bool half_turn_edges = false;
  double flip_ratio = 0.25;
  int64_t slices = 1;
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
  double folded_edges = 0;                // fraction of neighbour edges the context dropped
  double unclear_edges = 0;               // fraction the half-turn test dropped (half_turn_edges)
  double half_turn_fraction = 0;          // of the edges kept, the fraction read as half turns
  // The eigenvector's participation ratio (Σ|z|²)² / (M Σ|z|⁴): near 1 when every image
  // carries weight, m/M when it lives on m of the M images (a piece of the graph cut off
  // from the rest, whose own angles are then all that is consistent).
  double spread = 0;
  // Nodes outside the graph's largest connected piece, where the eigenvector is taken:
  // each has the angle of its nearest neighbour inside it (0 when none of its k is).
  int64_t outside_piece = 0;
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
// The same among C candidates y [C, L] (C a multiple of M): candidate j is never one of
// query i's own, j % M == i (y = x: the vector itself; y = [x; x reversed]: either).
void nearest_neighbours(const float* x, int64_t M, const float* y, int64_t C, int64_t L, int k,
                        std::vector<int64_t>& index, std::vector<double>& dist2);

// Each projection [M, L] reversed about index L/2 of each of its `slices` rows: P(−s).
std::vector<float> reversed_projections(const float* x, int64_t M, int64_t L, int64_t slices = 1);

}  // namespace sg

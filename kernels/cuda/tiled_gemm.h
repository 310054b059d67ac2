// The shared-memory tiled matrix product under gemm.cu and the three convolution passes
// of conv2d.cu (one kernel body, four problem types: the operands are read through the
// problem's a() and b(), so a convolution is a GEMM whose B matrix is the im2col
// unfolding, computed on the fly and never stored: "implicit GEMM").
//
//   C[m, n] = sum_{k in split} A[m, k] · B[k, n],  then problem.store(split, m, n, C[m, n])
//
// Tile shapes: BM×BN with BM = 16, 32 or 64, the smallest that covers M (a convolution's
// 16 or 32 channels fill their tile instead of padding a 64-row one), and BN = 4096/BM
// (256 threads) or 64 when that pads N much less (backward filter's N = C·R·S = 9, 144)
// or when wide tiles would be fewer than 256 blocks (too few to fill a GPU);
// always 16 deep, BM·BN/16 threads of 4×4 outputs. pick_tile() chooses; the values do not
// depend on the shape (every output sums its k in increasing order).
// Mapping: block (bx, by, bz) owns the tile at rows BM·by, columns BN·bx, and the reduction
// range of split bz. Thread t = (tx, ty), tx = t mod BN/4, accumulates in registers rows
// 4ty..4ty+3 × columns 4tx..4tx+3 of the tile, reading one float4 of A (a warp spans at most
// two ty: a broadcast) and one of B per k. Per step of 16 along k the block stages a BM×16
// slice of A and a 16×BN slice of B in shared memory: 256/BN + 256/BM values per thread,
// consecutive threads along the operand's contiguous index, so the global reads coalesce.
// The loads of step s + 1 go to registers while the products of step s run, and are
// stored to shared memory after them (software pipelining: the load latency is hidden).
// Index math: the problem splits a reduction index k and a column index n into a TileIndex
// (conv: k -> (c, r, s), n -> (image, oy, ox)) once per column (ntab, at the start) and
// once per k row of a step (ktab, two halves, filled a step ahead of the loads by 16
// threads), so no operand load divides.
// Bytes moved (no split): A is read ceil(N/BN) times, B ceil(M/BM) times, C written once:
// 4·(M·K·ceil(N/BN) + K·N·ceil(M/BM) + M·N); shared memory 4·16·(BM + BN + 8) bytes for
// the slices plus 16·(32 + BN) for the index tables: at most 22.5 KB per block.
//
// A problem type provides: int M, N, K, k_per_split (a multiple of kTileK);
// bool a_k_fastest, b_n_fastest (which index of a(m, k), b(k, n) is contiguous in memory);
// __device__ TileIndex k_index(int k) const, n_index(int n) const (only called in range);
// __device__ float a(int m, const TileIndex& k) const;
// __device__ float b(const TileIndex& k, const TileIndex& n) const (only called in range);
// __device__ void store(int split, int m, int n, const TileIndex& n_index, float v) const.
#pragma once
#include "kernels/cuda/common.h"

namespace sg::SG_CUDA_NS {

// A decomposed row or column index, as the problem defines it. For a convolution gather:
// the value is at off(k) + off(n), inside the image iff y(k) + y(n) and x(k) + x(n) are;
// aux is a further offset of the problem's choosing (its A operand, its store).
struct __align__(16) TileIndex {
  int off, y, x, aux;
};

constexpr int kTileK = 16;

// tab[i] by one 16-byte shared load (a plain copy loads only the fields in use, one by one).
template <class Tab>
__device__ inline TileIndex load_index(const Tab& tab, int i) {
  const int4 v = reinterpret_cast<const int4&>(tab[i]);
  return TileIndex{v.x, v.y, v.z, v.w};
}

template <int BM, int BN>
struct TileShape {
  static_assert(BM % 16 == 0 && BN % 64 == 0 && 256 % BM == 0 && 256 % BN == 0 &&
                    BM * BN <= 4096,
                "tile: BM, BN in 16..256, BM·BN/16 threads at most 256");
  static constexpr int kThreads = BM * BN / 16;  // 4 × 4 outputs each
  // Rows of the slices stay 16-byte aligned (float4 reads); the +4 leaves the stores of a
  // warp that runs along k (16 rows, 2 columns) 2-way bank conflicts instead of 16-way.
  static constexpr int kLdA = BM + 4, kLdB = BN + 4;
  static constexpr int kTables = 2 * kTileK + BN;  // ktab[2][16], ntab[BN]
  static constexpr int kSliceA = 4 * kTables;      // float offsets of As and Bs
  static constexpr int kSliceB = kSliceA + kTileK * kLdA;
  static constexpr size_t kSharedBytes = sizeof(float) * (kSliceB + kTileK * kLdB);
};

template <class Problem, int BM, int BN>
__global__ void __launch_bounds__(TileShape<BM, BN>::kThreads) tiled_gemm_kernel(Problem p) {
  using S = TileShape<BM, BN>;
  constexpr int kLoadsA = 256 / BN, kLoadsB = 256 / BM;  // values per thread per step
  SG_DYNAMIC_SHARED(TileIndex, tab);  // the three views alias one buffer
  SG_DYNAMIC_SHARED(float, sh);
  SG_DYNAMIC_SHARED(float4, sh4);
  auto ntab = tab + 2 * kTileK;
  auto As = sh + S::kSliceA, Bs = sh + S::kSliceB;
  const int t = int(threadIdx.x), tx = t % (BN / 4), ty = t / (BN / 4);
  const int m0 = int(blockIdx.y) * BM, n0 = int(blockIdx.x) * BN;
  const int split = int(blockIdx.z);
  const int k_begin = split * p.k_per_split;
  const int k_end = p.K < k_begin + p.k_per_split ? p.K : k_begin + p.k_per_split;

  // Value l of thread t's share of a step is value e = t + l·threads of the slice, at
  // (row, k) of A's and (k, column) of B's; consecutive e run along the contiguous index.
  // Written so that the index along it is visibly the same for every l (one TileIndex).
  constexpr int T = S::kThreads;
  auto a_pos = [&](int l) {
    return p.a_k_fastest ? int2{t / kTileK + l * (T / kTileK), t % kTileK}
                         : int2{t % BM, t / BM + l * (T / BM)};
  };
  auto b_pos = [&](int l) {
    return p.b_n_fastest ? int2{t / BN + l * (T / BN), t % BN}
                         : int2{t % kTileK, t / kTileK + l * (T / kTileK)};
  };
  // The rows of the step at k0 into half h of ktab (16 threads, one row each).
  auto index_rows = [&](int k0, int h) {
    if (t < kTileK && k0 + t < k_end) tab[h * kTileK + t] = p.k_index(k0 + t);
  };
  // Global -> registers: this thread's share of the step at k0 (rows in half h of ktab),
  // zero outside A, B or the split. In flight while the previous step's products run.
  float ra[kLoadsA], rb[kLoadsB];
  auto fetch = [&](int k0, int h) {
    const auto ktab = tab + h * kTileK;
    for (int l = 0; l < kLoadsA; ++l) {
      const int2 mk = a_pos(l);
      ra[l] = (m0 + mk.x < p.M && k0 + mk.y < k_end) ? p.a(m0 + mk.x, load_index(ktab, mk.y))
                                                      : 0.0f;
    }
    for (int l = 0; l < kLoadsB; ++l) {
      const int2 kn = b_pos(l);
      rb[l] = (n0 + kn.y < p.N && k0 + kn.x < k_end)
                  ? p.b(load_index(ktab, kn.x), load_index(ntab, kn.y))
                  : 0.0f;
    }
  };
  auto stage = [&]() {  // registers -> the shared slices
    for (int l = 0; l < kLoadsA; ++l) {
      const int2 mk = a_pos(l);
      As[mk.y * S::kLdA + mk.x] = ra[l];
    }
    for (int l = 0; l < kLoadsB; ++l) {
      const int2 kn = b_pos(l);
      Bs[kn.x * S::kLdB + kn.y] = rb[l];
    }
  };

  for (int i = t; i < BN; i += S::kThreads)
    if (n0 + i < p.N) ntab[i] = p.n_index(n0 + i);
  index_rows(k_begin, 0);
  __syncthreads();
  if (k_begin < k_end) {
    fetch(k_begin, 0);
    index_rows(k_begin + kTileK, 1);
    stage();
  }
  __syncthreads();

  float acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0f;

  // Step s (at k0) multiplies the slices in shared memory while the loads of step s + 1
  // are in flight; its rows sit in half (s+1) mod 2 of ktab, and once every thread is
  // past the products, the rows of step s + 2 go to the other half.
  int h = 1;
  for (int k0 = k_begin; k0 < k_end; k0 += kTileK, h ^= 1) {
    const bool more = k0 + kTileK < k_end;
    if (more) fetch(k0 + kTileK, h);
    for (int kk = 0; kk < kTileK; ++kk) {
      const float4 a4 = sh4[(S::kSliceA + kk * S::kLdA) / 4 + ty];
      const float4 b4 = sh4[(S::kSliceB + kk * S::kLdB) / 4 + tx];
      const float a[4] = {a4.x, a4.y, a4.z, a4.w}, b[4] = {b4.x, b4.y, b4.z, b4.w};
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
    if (more) {
      stage();
      index_rows(k0 + 2 * kTileK, h ^ 1);
    }
    __syncthreads();
  }

  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      const int m = m0 + 4 * ty + i, n = n0 + 4 * tx + j;
      if (m < p.M && n < p.N) p.store(split, m, n, load_index(ntab, 4 * tx + j), acc[i][j]);
    }
}

// The tile shape of an M×N product (see the top of this file).
struct TilePick {
  int bm, bn;
};
inline TilePick pick_tile(int M, int N) {
  const int bm = M <= 16 ? 16 : (M <= 32 ? 32 : 64), wide = 4096 / bm;
  const int64_t pad_wide = int64_t(ceil_div(N, wide)) * wide, pad_64 = int64_t(ceil_div(N, 64)) * 64;
  const int64_t wide_blocks = int64_t(ceil_div(M, bm)) * ceil_div(N, wide);
  return TilePick{bm, 8 * pad_wide <= 9 * pad_64 && wide_blocks >= 256 ? wide : 64};
}
// Blocks per split of an M×N product.
inline int64_t tiles_for(int M, int N) {
  const TilePick s = pick_tile(M, N);
  return int64_t(ceil_div(M, s.bm)) * ceil_div(N, s.bn);
}

template <int BM, int BN, class Problem>
void launch_tile_shape(const Problem& p, int splits, cudaStream_t stream) {
  using S = TileShape<BM, BN>;
  const dim3 grid(unsigned(ceil_div(p.N, BN)), unsigned(ceil_div(p.M, BM)), unsigned(splits));
  SG_CHECK(grid.y <= 65535 && splits <= 65535, "tiled gemm: grid ", grid.x, "x", grid.y, "x",
           splits, " too large");
  SG_LAUNCH((tiled_gemm_kernel<Problem, BM, BN>), grid, S::kThreads, S::kSharedBytes, stream, p);
}

// Launches the tiled product of `p` with `splits` reduction splits on `stream`.
template <class Problem>
void launch_tiled_gemm(const Problem& p, int splits, cudaStream_t stream) {
  if (p.M <= 0 || p.N <= 0) return;
  const TilePick s = pick_tile(p.M, p.N);
  if (s.bm == 16 && s.bn == 64) return launch_tile_shape<16, 64>(p, splits, stream);
  if (s.bm == 16) return launch_tile_shape<16, 256>(p, splits, stream);
  if (s.bm == 32 && s.bn == 64) return launch_tile_shape<32, 64>(p, splits, stream);
  if (s.bm == 32) return launch_tile_shape<32, 128>(p, splits, stream);
  launch_tile_shape<64, 64>(p, splits, stream);
}

}  // namespace sg::SG_CUDA_NS

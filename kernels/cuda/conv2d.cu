// Convolution as implicit GEMM on the tiled kernel of tiled_gemm.h: the im2col matrix is
// never stored; each operand value is gathered from x, w or dy when the tile is staged
// in shared memory (zero in the padding). With CRS = C·R·S, P = OH·OW, RS = R·S:
//
//   forward          Y[K, N·P]    = W[K, CRS] · col[CRS, N·P]   (+ b[k] in the store, and
//                    for conv_relu max(·, 0) there too: the epilogue, no pass of its own)
//                    col[(c,r,s), (n,oy,ox)] = x[n, c, oy+r-ph, ox+s-pw]
//   backward data    dX[C, N·H·W] += Wᵀ-ish[C, K·RS] · dcol[K·RS, N·H·W]
//                    A[c, (k,r,s)] = w[k,c,r,s],  dcol[(k,r,s), (n,iy,ix)] =
//                    dy[n, k, iy-r+ph, ix-s+pw] (zero outside the output), so every dx
//                    element is one dot product: no col2im, no atomics, any padding.
//   backward filter  dW[K, CRS] += dY[K, N·P] · colᵀ[N·P, CRS], split along N·P into a
//                    fixed number of slices (a function of the geometry only); slice z
//                    writes its partial product to a workspace and a second kernel adds
//                    the partials in a fixed order: deterministic, no float atomics.
//                    db[k] += sum dy[n,k,·]: the segmented sum of segmented_sum.cu.
// Mapping and shared memory: see tiled_gemm.h (BM×BN output tiles, BM = 16/32/64 to fit M,
// 16 deep, 4×4 outputs per thread); the M rows of the tile are output channels (forward,
// filter) or input channels (data). Each problem splits its row and column indices into a
// TileIndex (formulas at each struct) once per tile, so a gather is two adds, two
// unsigned compares and a load. Backward filter's slices give about 1024 blocks in all.
// Bytes moved, forward: x is gathered RS·ceil(K/BM) times, w read ceil(N·P/BN) times,
// y written once; backward data the same with dy and dx (dx read and written);
// backward filter x and dy once per BM rows / BN columns of dW, plus 8·slices·K·CRS for
// the partials. 1-D convolutions are the H = 1, R = 1 case.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"
#include "kernels/cuda/cudnn_conv.h"
#include "kernels/cuda/tiled_gemm.h"

namespace sg::SG_CUDA_NS {

namespace {

// The geometry in 32-bit ints, as the kernels use it, with the products they divide by.
struct ConvDims {
  int N, C, H, W, K, R, S, ph, pw, OH, OW;
  int RS, P, HW;  // R·S, OH·OW, H·W
};

// src[k.off + n.off] when (k.y + n.y, k.x + n.x) lies inside the h×w image, else 0 (the
// padding): every gather below, with the row and column halves of the index precomputed.
__device__ inline float gather(const float* src, const TileIndex& k, const TileIndex& n, int h,
                               int w) {
  const int y = k.y + n.y, x = k.x + n.x;
  return unsigned(y) < unsigned(h) && unsigned(x) < unsigned(w) ? src[k.off + n.off] : 0.0f;
}

// Forward: M = K, N = N·P, reduction over CRS.
//   q = (c, r, s):   off = c·HW + r·W + s, (y, x) = (r, s), aux = q
//   j = (n, oy, ox): off = n·C·HW + (oy-ph)·W + ox-pw, (y, x) = (oy-ph, ox-pw),
//                    aux = n·(K-1)·P, so that y[n, k, p] = y[j + aux + k·P]
struct ConvForward {
  int M, N, K, k_per_split;
  static constexpr bool a_k_fastest = true, b_n_fastest = true;
  ConvDims d;
  const float* x;
  const float* w;
  const float* bias;
  float* y;
  bool relu = false;  // conv_relu: y = max(conv + b, 0), as relu_forward computes it

  __device__ TileIndex k_index(int q) const {
    const int c = q / d.RS, rs = q % d.RS, r = rs / d.S, s = rs % d.S;
    return TileIndex{c * d.HW + r * d.W + s, r, s, q};
  }
  __device__ TileIndex n_index(int j) const {
    const int n = j / d.P, p = j % d.P, oy = p / d.OW - d.ph, ox = p % d.OW - d.pw;
    return TileIndex{n * d.C * d.HW + oy * d.W + ox, oy, ox, n * (d.K - 1) * d.P};
  }
  __device__ float a(int k, const TileIndex& q) const { return w[k * K + q.aux]; }  // K = CRS
  __device__ float b(const TileIndex& q, const TileIndex& j) const {
    return gather(x, q, j, d.H, d.W);
  }
  __device__ void store(int, int k, int j, const TileIndex& jj, float v) const {
    const float z = v + (bias ? bias[k] : 0.0f);
    y[j + jj.aux + k * d.P] = relu ? (z > 0.0f ? z : 0.0f) : z;
  }
};

// Backward data: M = C, N = N·H·W, reduction over K·RS.
//   q = (k, r, s):   off = k·P - r·OW - s, (y, x) = (-r, -s), aux = k·C·RS + r·S + s
//   j = (n, iy, ix): off = n·K·P + (iy+ph)·OW + ix+pw, (y, x) = (iy+ph, ix+pw),
//                    aux = n·(C-1)·HW, so that dx[n, c, i] = dx[j + aux + c·HW]
struct ConvBackwardData {
  int M, N, K, k_per_split;
  static constexpr bool a_k_fastest = true, b_n_fastest = true;
  ConvDims d;
  const float* dy;
  const float* w;
  float* dx;

  __device__ TileIndex k_index(int q) const {
    const int k = q / d.RS, rs = q % d.RS, r = rs / d.S, s = rs % d.S;
    return TileIndex{k * d.P - r * d.OW - s, -r, -s, k * d.C * d.RS + rs};
  }
  __device__ TileIndex n_index(int j) const {
    const int n = j / d.HW, i = j % d.HW, iy = i / d.W + d.ph, ix = i % d.W + d.pw;
    return TileIndex{n * d.K * d.P + iy * d.OW + ix, iy, ix, n * (d.C - 1) * d.HW};
  }
  __device__ float a(int c, const TileIndex& q) const { return w[q.aux + c * d.RS]; }
  __device__ float b(const TileIndex& q, const TileIndex& j) const {
    return gather(dy, q, j, d.OH, d.OW);
  }
  __device__ void store(int, int c, int j, const TileIndex& jj, float v) const {
    dx[j + jj.aux + c * d.HW] += v;
  }
};

// Backward filter: M = K, N = CRS, reduction over N·P split into slices.
//   j = (n, oy, ox): off = n·C·HW + oy·W + ox, (y, x) = (oy, ox), aux = n·K·P + oy·OW + ox
//   q = (c, r, s):   off = c·HW + (r-ph)·W + s-pw, (y, x) = (r-ph, s-pw)
struct ConvBackwardFilter {
  int M, N, K, k_per_split;
  static constexpr bool a_k_fastest = true, b_n_fastest = false;
  ConvDims d;
  const float* x;
  const float* dy;
  float* partial;  // [splits][K][CRS]

  __device__ TileIndex k_index(int j) const {
    const int n = j / d.P, p = j % d.P, oy = p / d.OW, ox = p % d.OW;
    return TileIndex{n * d.C * d.HW + oy * d.W + ox, oy, ox, n * d.K * d.P + p};
  }
  __device__ TileIndex n_index(int q) const {
    const int c = q / d.RS, rs = q % d.RS, r = rs / d.S - d.ph, s = rs % d.S - d.pw;
    return TileIndex{c * d.HW + r * d.W + s, r, s, 0};
  }
  __device__ float a(int k, const TileIndex& j) const { return dy[j.aux + k * d.P]; }
  __device__ float b(const TileIndex& j, const TileIndex& q) const {
    return gather(x, j, q, d.H, d.W);
  }
  __device__ void store(int split, int k, int q, const TileIndex&, float v) const {
    partial[(split * M + k) * N + q] = v;
  }
};

// dw[i] += sum_z partial[z, i] in a fixed order (deterministic, no atomics): thread
// (i, g) of a 32×32 block adds the slices z of group g, [g·zc, (g+1)·zc) with
// zc = ceil(used/32), in order; then thread (i, 0) adds the 32 group sums in order.
// Mapping: block b owns dW entries 32b..32b+31; a warp reads 128 contiguous bytes per
// slice. Bytes moved 4·(used + 2)·K·CRS.
constexpr int kSumGroups = 32;
__global__ void add_partials_kernel(int n, int used, const float* partial, float* dw) {
  SG_DYNAMIC_SHARED(float, group_sum);  // [kSumGroups][kWarp + 1]
  const int lane = int(threadIdx.x), g = int(threadIdx.y), i = int(blockIdx.x) * kWarp + lane;
  const int zc = (used + kSumGroups - 1) / kSumGroups, z1 = min(used, (g + 1) * zc);
  float s = 0.0f;
  int z = g * zc;
  if (i < n) {
    for (; z + 8 <= z1; z += 8) {  // 8 loads in flight, then added in order
      float v[8];
      for (int u = 0; u < 8; ++u) v[u] = partial[(z + u) * n + i];
      for (int u = 0; u < 8; ++u) s += v[u];
    }
    for (; z < z1; ++z) s += partial[z * n + i];
  }
  group_sum[g * (kWarp + 1) + lane] = s;
  __syncthreads();
  if (g == 0 && i < n) {
    float total = 0.0f;
    for (int h = 0; h < kSumGroups; ++h) total += group_sum[h * (kWarp + 1) + lane];
    dw[i] += total;
  }
}

ConvDims checked_dims(const ConvGeom& g) {
  check_geometry(g);
  check_int32(g.x_size(), "conv2d input");
  check_int32(g.y_size(), "conv2d output");
  check_int32(g.w_size(), "conv2d weights");
  ConvDims d{int(g.N),     int(g.C),     int(g.H),    int(g.W),    int(g.K), int(g.R), int(g.S),
             int(g.pad_h), int(g.pad_w), int(g.OH()), int(g.OW()), 0,        0,        0};
  d.RS = d.R * d.S, d.P = d.OH * d.OW, d.HW = d.H * d.W;
  return d;
}

int round_up_to_tile(int64_t k) { return int((k + kTileK - 1) / kTileK * kTileK); }

// Reduction slices of backward filter, whose dW (K×CRS) is a handful of tiles: enough
// slices for about 1024 blocks in all, each at least 128 terms (8 steps), at most 1024.
// A function of the geometry only, so dW has the same bits on every run and every GPU.
int filter_splits(int64_t reduction, int64_t tiles) {
  const int64_t want = (1024 + tiles - 1) / tiles, most = reduction / 128;
  const int64_t s = want < most ? want : most;
  return int(s < 1 ? 1 : (s > 1024 ? 1024 : s));
}

}  // namespace

void CudaBackend::conv2d_forward(const ConvGeom& g, const float* x, const float* w,
                                 const float* b, float* y) {
  conv_forward(g, x, w, b, y, false);
}

void CudaBackend::conv_forward(const ConvGeom& g, const float* x, const float* w, const float* b,
                               float* y, bool relu) {
  const ConvDims d = checked_dims(g);
  if (g.N == 0) return;
#if SG_WITH_CUDNN
  if (conv_impl_ == cuda::ConvImpl::Cudnn) {
    cudnn().forward(g, x, w, y);
    if (b) bias_add_channels(g.N, g.K, g.OH() * g.OW(), b, y);
    if (relu) relu_forward(g.y_size(), y, y);
    return;
  }
#endif
  const int64_t CRS = g.C * g.R * g.S;
  ConvForward p{d.K, d.N * d.P, int(CRS), round_up_to_tile(CRS), d, x, w, b, y, relu};
  launch_tiled_gemm(p, 1, stream_);
}

void CudaBackend::conv2d_backward_data(const ConvGeom& g, const float* dy, const float* w,
                                       float* dx) {
  const ConvDims d = checked_dims(g);
  if (g.N == 0 || !dx) return;
#if SG_WITH_CUDNN
  if (conv_impl_ == cuda::ConvImpl::Cudnn) return cudnn().backward_data(g, dy, w, dx);
#endif
  const int64_t KRS = g.K * g.R * g.S;
  ConvBackwardData p{d.C, d.N * d.H * d.W, int(KRS), round_up_to_tile(KRS), d, dy, w, dx};
  launch_tiled_gemm(p, 1, stream_);
}

void CudaBackend::conv2d_backward_filter(const ConvGeom& g, const float* x, const float* dy,
                                         float* dw, float* db) {
  const ConvDims d = checked_dims(g);
  if (g.N == 0) return;
  if (db) bias_backward_channels(g.N, g.K, g.OH() * g.OW(), dy, db);
  if (!dw) return;
#if SG_WITH_CUDNN
  if (conv_impl_ == cuda::ConvImpl::Cudnn) return cudnn().backward_filter(g, x, dy, dw);
#endif
  const int64_t CRS = g.C * g.R * g.S, NP = g.N * g.OH() * g.OW();
  const int splits = filter_splits(NP, tiles_for(d.K, int(CRS)));
  const int per_split = round_up_to_tile((NP + splits - 1) / splits);
  const int used = int((NP + per_split - 1) / per_split);  // slices that got any terms
  check_int32(int64_t(used) * g.K * CRS, "conv2d filter partials");
  Scratch partial(*this, int64_t(used) * g.K * CRS);
  ConvBackwardFilter p{d.K, int(CRS), int(NP), per_split, d, x, dy, partial.get()};
  launch_tiled_gemm(p, used, stream_);
  const int n = int(g.K * CRS);
  SG_LAUNCH(add_partials_kernel, unsigned(ceil_div(n, kWarp)), dim3(kWarp, kSumGroups),
            sizeof(float) * kSumGroups * (kWarp + 1), stream_, n, used,
            static_cast<const float*>(partial.get()), dw);
}

}  // namespace sg::SG_CUDA_NS

// Convolution as implicit GEMM on the tiled kernel of tiled_gemm.h: the im2col matrix is
// never stored; each operand value is gathered from x, w or dy when the tile is staged
// in shared memory (zero in the padding). With CRS = C·R·S, P = OH·OW, RS = R·S:
//
//   forward          Y[K, N·P]    = W[K, CRS] · col[CRS, N·P]   (+ b[k] in the store)
//                    col[(c,r,s), (n,oy,ox)] = x[n, c, oy+r-ph, ox+s-pw]
//   backward data    dX[C, N·H·W] += Wᵀ-ish[C, K·RS] · dcol[K·RS, N·H·W]
//                    A[c, (k,r,s)] = w[k,c,r,s],  dcol[(k,r,s), (n,iy,ix)] =
//                    dy[n, k, iy-r+ph, ix-s+pw] (zero outside the output), so every dx
//                    element is one dot product: no col2im, no atomics, any padding.
//   backward filter  dW[K, CRS] += dY[K, N·P] · colᵀ[N·P, CRS], split along N·P into a
//                    fixed number of slices (a function of the geometry only); slice z
//                    writes its partial product to a workspace and a second kernel adds
//                    the partials in slice order: deterministic, no float atomics.
//                    db[k] += sum dy[n,k,·]: the segmented sum of reduce.cu.
// Mapping and shared memory: see tiled_gemm.h (64×64 output tiles, 16 deep, 256 threads);
// the M rows of the tile are output channels (forward, filter) or input channels (data).
// Bytes moved, forward: x is gathered RS·ceil(K/64) times, w read ceil(N·P/64) times,
// y written once; backward data the same with dy and dx (dx read and written);
// backward filter x and dy once per 64 rows/columns of dW, plus 8·splits·K·CRS for the
// partials. 1-D convolutions are the H = 1, R = 1 case.
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

// Forward: M = K, N = N·P, reduction over CRS.
struct ConvForward {
  int M, N, K, k_per_split;
  bool a_k_fastest, b_n_fastest;
  ConvDims d;
  const float* x;
  const float* w;
  const float* bias;
  float* y;

  __device__ float a(int k, int q) const { return w[k * K + q]; }  // K = CRS here
  __device__ float b(int q, int j) const {
    const int c = q / d.RS, rs = q % d.RS, r = rs / d.S, s = rs % d.S;
    const int n = j / d.P, p = j % d.P, oy = p / d.OW, ox = p % d.OW;
    const int iy = oy + r - d.ph, ix = ox + s - d.pw;
    if (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W) return 0.0f;
    return x[((n * d.C + c) * d.H + iy) * d.W + ix];
  }
  __device__ void store(int, int k, int j, float v) const {
    const int n = j / d.P, p = j % d.P;
    y[(n * d.K + k) * d.P + p] = v + (bias ? bias[k] : 0.0f);
  }
};

// Backward data: M = C, N = N·H·W, reduction over K·RS.
struct ConvBackwardData {
  int M, N, K, k_per_split;
  bool a_k_fastest, b_n_fastest;
  ConvDims d;
  const float* dy;
  const float* w;
  float* dx;

  __device__ float a(int c, int q) const {
    const int k = q / d.RS, rs = q % d.RS;
    return w[(k * d.C + c) * d.RS + rs];
  }
  __device__ float b(int q, int j) const {
    const int k = q / d.RS, rs = q % d.RS, r = rs / d.S, s = rs % d.S;
    const int hw = d.HW, n = j / hw, i = j % hw, iy = i / d.W, ix = i % d.W;
    const int oy = iy - r + d.ph, ox = ix - s + d.pw;
    if (oy < 0 || oy >= d.OH || ox < 0 || ox >= d.OW) return 0.0f;
    return dy[((n * d.K + k) * d.OH + oy) * d.OW + ox];
  }
  __device__ void store(int, int c, int j, float v) const {
    const int hw = d.HW, n = j / hw, i = j % hw;
    dx[(n * d.C + c) * hw + i] += v;
  }
};

// Backward filter: M = K, N = CRS, reduction over N·P split into slices.
struct ConvBackwardFilter {
  int M, N, K, k_per_split;
  bool a_k_fastest, b_n_fastest;
  ConvDims d;
  const float* x;
  const float* dy;
  float* partial;  // [splits][K][CRS]

  __device__ float a(int k, int j) const {
    const int n = j / d.P, p = j % d.P;
    return dy[(n * d.K + k) * d.P + p];
  }
  __device__ float b(int j, int q) const {
    const int c = q / d.RS, rs = q % d.RS, r = rs / d.S, s = rs % d.S;
    const int n = j / d.P, p = j % d.P, oy = p / d.OW, ox = p % d.OW;
    const int iy = oy + r - d.ph, ix = ox + s - d.pw;
    if (iy < 0 || iy >= d.H || ix < 0 || ix >= d.W) return 0.0f;
    return x[((n * d.C + c) * d.H + iy) * d.W + ix];
  }
  __device__ void store(int split, int k, int q, float v) const {
    partial[(split * M + k) * N + q] = v;
  }
};

// dw[i] += sum_z partial[z, i], z in order. Mapping: grid-stride over the K·CRS weights;
// bytes moved 4·(splits + 2)·K·CRS.
__global__ void add_partials_kernel(int64_t n, int splits, const float* partial, float* dw) {
  SG_GRID_STRIDE(i, n) {
    float s = 0.0f;
    for (int z = 0; z < splits; ++z) s += partial[z * n + i];
    dw[i] += s;
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

// Reduction slices of backward-filter: about 2048 terms each, at most 128 slices. A
// function of the geometry only, so dW has the same bits on every run and every GPU.
int filter_splits(int64_t reduction) {
  const int64_t s = (reduction + 2047) / 2048;
  return int(s < 1 ? 1 : (s > 128 ? 128 : s));
}

}  // namespace

void CudaBackend::conv2d_forward(const ConvGeom& g, const float* x, const float* w,
                                 const float* b, float* y) {
  const ConvDims d = checked_dims(g);
  if (g.N == 0) return;
#if SG_WITH_CUDNN
  if (conv_impl_ == cuda::ConvImpl::Cudnn) {
    cudnn().forward(g, x, w, y);
    if (b) bias_add_channels(g.N, g.K, g.OH() * g.OW(), b, y);
    return;
  }
#endif
  const int64_t CRS = g.C * g.R * g.S;
  ConvForward p{d.K, d.N * d.P, int(CRS), round_up_to_tile(CRS), true, true, d, x, w, b, y};
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
  ConvBackwardData p{d.C, d.N * d.H * d.W, int(KRS), round_up_to_tile(KRS), true, true, d,
                     dy, w, dx};
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
  const int splits = filter_splits(NP);
  const int per_split = round_up_to_tile((NP + splits - 1) / splits);
  const int used = int((NP + per_split - 1) / per_split);  // slices that got any terms
  check_int32(int64_t(used) * g.K * CRS, "conv2d filter partials");
  Scratch partial(*this, int64_t(used) * g.K * CRS);
  ConvBackwardFilter p{d.K, int(CRS), int(NP), per_split, true, false, d, x, dy,
                       partial.get()};
  launch_tiled_gemm(p, used, stream_);
  const int64_t n = g.K * CRS;
  SG_LAUNCH(add_partials_kernel, blocks_for(n), kBlock, 0, stream_, n, used,
            static_cast<const float*>(partial.get()), dw);
}

}  // namespace sg::SG_CUDA_NS

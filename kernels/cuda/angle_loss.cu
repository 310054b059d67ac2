// The fused stereo loss (engine/backend.h, Backend::angle_loss_forward): the Difference
// Model's atan2 ×2, difference, wrap and mse, five launches and four [n] temporaries
// before, in one launch each way.
//   forward:  one block of kBlock threads; thread t takes rows t, t + kBlock, ... in
//             order, then the block's fixed-order sum (block_sum): same bits every run.
//             Bytes: 16n read, 4 written.
//   backward: grid-stride, thread per row: recomputes the row's error, writes both
//             gradients. Bytes: 16n read, 16n read and written (the += of dsc1, dsc2).
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

// w − t for row i, in float as the unfused kernels compute it (angle.cu).
__device__ inline float row_error(int64_t i, float P, AngleWrap wrap, float t, const float* sc1,
                                  const float* sc2) {
  const float d = atan2f(sc2[2 * i], sc2[2 * i + 1]) - atan2f(sc1[2 * i], sc1[2 * i + 1]);
  if (wrap == AngleWrap::Report) return (d < 0.0f ? d + P : d) - t;
  if (wrap == AngleWrap::Symmetric) return d - P * rintf(d / P) - t;
  const float c = d - t;  // Centred: the symmetric wrap of d − t
  return c - P * rintf(c / P);
}

// (dS, dC) += e·(C, −S)/(S² + C²); nothing at S = C = 0 (no direction)
__device__ inline void add_atan2_grad(int64_t i, float e, const float* sc, float* dsc) {
  const float S = sc[2 * i], C = sc[2 * i + 1], r2 = S * S + C * C;
  if (!dsc || r2 == 0.0f) return;
  dsc[2 * i] += e * C / r2;
  dsc[2 * i + 1] -= e * S / r2;
}

// out[0] = (1/n) Σ (w_i − t)², one block
__global__ void angle_loss_forward_kernel(int64_t n, float P, AngleWrap wrap, float t,
                                          const float* sc1, const float* sc2, float* out) {
  SG_DYNAMIC_SHARED(float, scratch);
  float acc = 0.0f;
  for (int64_t i = int64_t(threadIdx.x); i < n; i += kBlock) {
    const float e = row_error(i, P, wrap, t, sc1, sc2);
    acc += e * e;
  }
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) out[0] = n ? acc / float(n) : 0.0f;
}

// e_i = 2·dout·(w_i − t)/n; dsc1 gets −e_i's atan2 gradient, dsc2 +e_i's
__global__ void angle_loss_backward_kernel(int64_t n, float P, AngleWrap wrap, float t,
                                           const float* sc1, const float* sc2,
                                           const float* dout, float* dsc1, float* dsc2) {
  const float k = 2.0f * dout[0] / float(n);
  SG_GRID_STRIDE(i, n) {
    const float e = k * row_error(i, P, wrap, t, sc1, sc2);
    add_atan2_grad(i, -e, sc1, dsc1);
    add_atan2_grad(i, e, sc2, dsc2);
  }
}

}  // namespace

void CudaBackend::angle_loss_forward(int64_t n, float period, AngleWrap wrap, float target,
                                     const float* sc1, const float* sc2, float* out) {
  check_int32(n, "angle_loss");
  SG_LAUNCH(angle_loss_forward_kernel, 1, kBlock, kBlockSumShared, stream_, n, period, wrap,
            target, sc1, sc2, out);
}

void CudaBackend::angle_loss_backward(int64_t n, float period, AngleWrap wrap, float target,
                                      const float* sc1, const float* sc2, const float* dout,
                                      float* dsc1, float* dsc2) {
  if (n > 0 && (dsc1 || dsc2))
    SG_LAUNCH(angle_loss_backward_kernel, blocks_for(n), kBlock, 0, stream_, n, period, wrap,
              target, sc1, sc2, dout, dsc1, dsc2);
}

}  // namespace sg::SG_CUDA_NS

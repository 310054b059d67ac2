// The segmented sum, the reduction under sum (sum.cu), the mse loss (mse.cu), the bias
// gradients (bias_add.cu, bias_add_channels.cu) and conv2d's db (conv2d.cu).
//
// Segmented sum, two passes, both deterministic (the split depends only on the sizes,
// every tree has a fixed shape, no atomics):
//   pass 1, grid (chunks, segments), kBlock threads: block (k, c) sums the elements
//     e = k·kBlock + t, e + chunks·kBlock, ... of segment c (thread t, in order), then the
//     block reduces its threads by warp shuffles and a tree over warps -> partial[c, k].
//   pass 2, grid (segments), kBlock threads: block c adds partial[c, ·] the same way.
// Bytes moved: 4 per element read (8 for mse's two inputs), plus 8·chunks per segment.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

#include <algorithm>

namespace sg::SG_CUDA_NS {

namespace {

constexpr int kMaxChunks = 256;  // pass 2 is then a single strided step per thread

// partial[c·chunks + k] = sum over this block's share of segment c of a (or (a - b)²)
__global__ void segment_partials_kernel(Segments s, const float* a, const float* b,
                                        float* partial) {
  SG_DYNAMIC_SHARED(float, scratch);
  const int c = int(blockIdx.y), chunks = int(gridDim.x);
  float acc = 0.0f;
  for (int e = int(blockIdx.x) * kBlock + int(threadIdx.x); e < s.len; e += chunks * kBlock) {
    const int i = (e / s.inner) * s.outer + c * s.inner + e % s.inner;
    float v = a[i];
    if (b) {
      const float d = v - b[i];
      v = d * d;
    }
    acc += v;
  }
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) partial[c * chunks + int(blockIdx.x)] = acc;
}

// out[c] = (accumulate ? out[c] : 0) + scale · sum_k partial[c·chunks + k]
__global__ void segment_finish_kernel(int chunks, const float* partial, float scale,
                                      bool accumulate, float* out) {
  SG_DYNAMIC_SHARED(float, scratch);
  const int c = int(blockIdx.x);
  float acc = 0.0f;
  for (int k = int(threadIdx.x); k < chunks; k += kBlock) acc += partial[c * chunks + k];
  acc = block_sum(acc, scratch);
  if (threadIdx.x == 0) out[c] = (accumulate ? out[c] : 0.0f) + scale * acc;
}

}  // namespace

void CudaBackend::segmented_sum(const Segments& s, const float* a, const float* b,
                                float scale, bool accumulate, float* out) {
  if (s.count <= 0) return;
  SG_CHECK(s.count <= 65535, "segmented sum: ", s.count, " segments exceed the grid's y range");
  SG_CHECK(s.len >= 0 && int64_t(s.len) + kMaxChunks * kBlock < (int64_t(1) << 31),
           "segmented sum: ", s.len, " elements per segment exceed the 32-bit index range");
  const int chunks = s.len == 0 ? 1 : std::min(kMaxChunks, ceil_div(s.len, 4 * kBlock));
  Scratch partial(*this, int64_t(chunks) * s.count);
  SG_LAUNCH(segment_partials_kernel, dim3(unsigned(chunks), unsigned(s.count)), kBlock,
            kBlockSumShared, stream_, s, a, b, partial.get());
  SG_LAUNCH(segment_finish_kernel, unsigned(s.count), kBlock, kBlockSumShared, stream_, chunks,
            static_cast<const float*>(partial.get()), scale, accumulate, out);
}

}  // namespace sg::SG_CUDA_NS

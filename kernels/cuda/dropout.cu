// Inverted dropout: y[i] = x[i]·m_i, m_i = 0 when random_uniform32(seed, stream, i) < p, else
// 1/(1-p); the backward is the same kernel on dy (the mask drawn again, never stored). The
// draw is a pure function of (seed, stream, i) (engine/random.h, the same inline code on
// host and device), so the mask, and y, are bit-identical to the CPU backend's whatever
// the launch shape. keep = 1/(1-p) is computed on the host, as the CPU does;
// the stream's base, when given, is read from device memory by every thread.
// Mapping: grid-stride, one thread per element; bytes moved 8n (x read, y written).
#include "kernels/cuda/exec/device.h"

#include "engine/random.h"
#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

namespace {

// random_uniform32(seed, s, i) < p as random_below (engine/random.h), its threshold from the
// host. Two neighbouring threads compute the same hash (one per pair of values), each
// taking its half.
__global__ void dropout_kernel(int64_t n, uint32_t threshold, float keep, uint64_t seed,
                               uint64_t stream, const uint64_t* stream_base, const float* x,
                               float* y) {
  const uint64_t key = random_key(seed, stream_base ? stream + *stream_base : stream);
  SG_GRID_STRIDE(i, n) y[i] = x[i] * (random_below(key, uint64_t(i), threshold) ? 0.0f : keep);
}

}  // namespace

void CudaBackend::dropout(int64_t n, float p, uint64_t seed, uint64_t stream,
                          const uint64_t* stream_base, const float* x, float* y) {
  const float keep = DropoutMask{p}.keep();
  if (n > 0)
    SG_LAUNCH(dropout_kernel, blocks_for(n), kBlock, 0, stream_, n, random_below_threshold(p),
              keep, seed, stream, stream_base, x, y);
}

}  // namespace sg::SG_CUDA_NS

// The fused conv block with dropout's mask (engine/ops/conv_relu_pool_dropout.cpp): the
// block's own loops (conv_relu_pool.cpp), each sample's y multiplied by its mask while it is
// still in cache, and in the backward each sample's dy·m made in the thread's workspace.
// The products are those of the dropout kernel (dropout.h), so the bits are the two ops'.
#include "kernels/cpu/backend.h"
#include "kernels/cpu/conv_relu_pool.h"

namespace sg {

void CpuBackend::conv_relu_pool_dropout_forward(const ConvGeom& g, int64_t ph, int64_t pw,
                                                const float* x, const float* w, const float* b,
                                                const DropoutMask& m, float* y, float* at) {
  cpu::conv_relu_pool_forward(g, ph, pw, x, w, b, &m, y, at);
}

void CpuBackend::conv_relu_pool_dropout_backward(const ConvGeom& g, int64_t ph, int64_t pw,
                                                 const float* x, const float* w,
                                                 const float* at, const DropoutMask& m,
                                                 const float* dy, float* dx, float* dw,
                                                 float* db) {
  cpu::conv_relu_pool_backward(g, ph, pw, x, w, at, &m, dy, dx, dw, db);
}

}  // namespace sg

// conv_relu: y = max(conv(x, w) + b, 0), [N, K, OH, OW]. No kernel of its own: our conv
// kernel (conv2d.cu, conv_forward with relu = true) adds the bias and applies the ReLU as
// it stores each output, so y is written once instead of three times (conv, bias, relu).
// With cuDNN's convolution the bias and ReLU kernels follow it. Backward: the engine's
// (engine/ops/conv_relu.cpp: relu's mask from y, then conv2d's backward kernels).
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

void CudaBackend::conv_relu_forward(const ConvGeom& g, const float* x, const float* w,
                                    const float* b, float* y) {
  conv_forward(g, x, w, b, y, true);
}

}  // namespace sg::SG_CUDA_NS

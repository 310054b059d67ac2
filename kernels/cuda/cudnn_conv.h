// cuDNN as the alternative implementation of conv2d_* on Device::CUDA (nvcc build with
// cuDNN found; elsewhere CudnnConv is an empty placeholder that is never created).
//
// Legacy (v7-style) cuDNN API, still shipped by cuDNN 9: cross-correlation (what
// geometry.h defines), float with FMA math only (no TF32 tensor cores, so results stay
// within float rounding of our kernels), algorithms from cudnnGet*Algorithm_v7 with
// deterministic ones required for the backward passes, and workspaces taken from the
// backend's caching allocator. Descriptors and algorithm choices are cached per geometry.
#pragma once
#include "kernels/cuda/backend.h"

#if defined(__CUDACC__) && defined(STEREOGRAD_HAS_CUDNN)
#define SG_WITH_CUDNN 1
#include <cudnn.h>

#include <map>
#include <memory>
#include <tuple>
#else
#define SG_WITH_CUDNN 0
#endif

namespace sg::SG_CUDA_NS {

#if SG_WITH_CUDNN

class CudnnConv {
 public:
  explicit CudnnConv(CudaBackend& backend);
  ~CudnnConv();
  CudnnConv(const CudnnConv&) = delete;
  CudnnConv& operator=(const CudnnConv&) = delete;

  // y = conv(x, w) (the bias is added by the caller's own kernel)
  void forward(const ConvGeom& g, const float* x, const float* w, float* y);
  // dx += conv_transpose(dy, w)
  void backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx);
  // dw += sum_n dy ⋆ x
  void backward_filter(const ConvGeom& g, const float* x, const float* dy, float* dw);

 private:
  struct Plan;  // descriptors and chosen algorithms of one geometry
  Plan& plan(const ConvGeom& g);

  CudaBackend& backend_;
  cudnnHandle_t handle_ = nullptr;
  std::map<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                      int64_t>,
           std::unique_ptr<Plan>>
      plans_;
};

#else

class CudnnConv {};

#endif

}  // namespace sg::SG_CUDA_NS

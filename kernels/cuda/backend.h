// The CUDA backend: our own kernels (one file per op, kernels/cuda/<op>.cu; shared code in
// files named for what they are: common.h, tiled_gemm.h, segmented_sum.cu),
// a caching allocator and, under nvcc, cuDNN as an alternative convolution.
//
// Each op is written in three layers (STYLE.md §6): the __global__ kernel, a launcher
// that computes the grid and launches on the backend's stream, and the Backend member
// below, the public entry that checks the arguments. The class is compiled twice (see
// common.h): by nvcc into sg::cuda_dev::CudaBackend (Device::CUDA) and by the host
// compiler into sg::cuda_host::CudaBackend (Device::CudaOnCpu, run by the executor).
// Only .cu files include this header; everything else sees kernels/cuda/api.h.
#pragma once
#include <atomic>
#include <memory>

#include "kernels/cuda/allocator.h"
#include "kernels/cuda/api.h"
#include "kernels/cuda/common.h"

namespace sg::SG_CUDA_NS {

class CudnnConv;      // cudnn_conv.cu; exists in the nvcc build only
class PinnedStaging;  // backend.cu; exists in the nvcc build only
class SideStream;     // backend.cu; exists in the nvcc build only

// Segments of a segmented sum (segmented_sum.cu): segment c has `len` elements, element e
// at offset (e / inner)·outer + c·inner + e % inner. This covers the sum of a buffer (one
// segment, inner = len), the columns of a matrix (inner = 1, outer = cols) and the
// channels of an NC(S) tensor (inner = S, outer = C·S).
struct Segments {
  int count = 1, len = 0, inner = 1, outer = 0;
};

class CudaBackend : public cuda::CudaBackendBase {
 public:
  CudaBackend();
  ~CudaBackend() override;

  Device device() const override;
  std::string name() const override;
  bool supports(Op) const override { return true; }

  cuda::AllocatorStats stats() const override { return alloc_.stats(); }
  void empty_cache() override { alloc_.empty_cache(); }
  void set_conv_impl(cuda::ConvImpl impl) override;
  cuda::ConvImpl conv_impl() const override { return conv_impl_; }
  bool has_cudnn() const override;
  bool set_option(const std::string& name, const std::string& value) override;
  std::string option(const std::string& name) const override;
  std::vector<std::string> option_values(const std::string& name) const override;

  bool supports_graphs() const override;
  std::unique_ptr<CapturedWork> capture(const std::function<void()>& work) override;
  int64_t mark() override;
  void upload_side(float* dst, const float* host_src, int64_t n, int64_t after) override;
  void join_side() override;

  float* alloc(int64_t n) override;
  void release(float* p) override;
  void to_host(float* dst, const float* src, int64_t n) override;
  void from_host(float* dst, const float* src, int64_t n) override;

  void fill(int64_t n, float v, float* y) override;
  void copy(int64_t n, const float* x, float* y) override;
  void axpy(int64_t n, float a, const float* x, float* y) override;
  void add(int64_t n, const float* a, const float* b, float* y) override;
  void sub(int64_t n, const float* a, const float* b, float* y) override;
  void mul(int64_t n, const float* a, const float* b, float* y) override;
  void mul_acc(int64_t n, const float* a, const float* b, float* y) override;
  void scale(int64_t n, float s, float t, const float* x, float* y) override;
  void sum(int64_t n, const float* x, float* out) override;

  void relu_forward(int64_t n, const float* x, float* y) override;
  void relu_backward(int64_t n, const float* x, const float* dy, float* dx) override;
  void atan2_forward(int64_t n, const float* sc, float* y) override;
  void atan2_backward(int64_t n, const float* sc, const float* dy, float* dsc) override;
  void wrap_angle(int64_t n, float period, bool symmetric, const float* x, float* y) override;
  void mse_forward(int64_t n, const float* a, const float* b, float* out) override;
  void mse_backward(int64_t n, const float* a, const float* b, const float* dout, float* da,
                    float* db) override;
  void angle_loss_forward(int64_t n, float period, AngleWrap wrap, float target,
                          const float* sc1, const float* sc2, float* out) override;
  void angle_loss_backward(int64_t n, float period, AngleWrap wrap, float target,
                           const float* sc1, const float* sc2, const float* dout, float* dsc1,
                           float* dsc2) override;

  void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
            const float* B, float beta, float* C) override;
  void bias_add(int64_t rows, int64_t cols, const float* b, float* y) override;
  void bias_backward(int64_t rows, int64_t cols, const float* dy, float* db) override;
  void bias_add_channels(int64_t N, int64_t C, int64_t S, const float* b, float* y) override;
  void bias_backward_channels(int64_t N, int64_t C, int64_t S, const float* dy,
                              float* db) override;

  void conv2d_forward(const ConvGeom& g, const float* x, const float* w, const float* b,
                      float* y) override;
  void conv2d_backward_data(const ConvGeom& g, const float* dy, const float* w,
                            float* dx) override;
  void conv2d_backward_filter(const ConvGeom& g, const float* x, const float* dy, float* dw,
                              float* db) override;
  void conv_relu_forward(const ConvGeom& g, const float* x, const float* w, const float* b,
                         float* y) override;
  void conv_relu_pool_forward(const ConvGeom& g, int64_t ph, int64_t pw, const float* x,
                              const float* w, const float* b, float* y, float* at) override;
  void conv_relu_pool_backward(const ConvGeom& g, int64_t ph, int64_t pw, const float* x,
                               const float* w, const float* at, const float* dy, float* dx,
                               float* dw, float* db) override;
  void conv_relu_pool_dropout_forward(const ConvGeom& g, int64_t ph, int64_t pw, const float* x,
                                      const float* w, const float* b, const DropoutMask& m,
                                      float* y, float* at) override;
  void conv_relu_pool_dropout_backward(const ConvGeom& g, int64_t ph, int64_t pw, const float* x,
                                       const float* w, const float* at, const DropoutMask& m,
                                       const float* dy, float* dx, float* dw, float* db) override;
  void maxpool2d_forward(const PoolGeom& g, const float* x, float* y) override;
  void maxpool2d_backward(const PoolGeom& g, const float* x, const float* y, const float* dy,
                          float* dx) override;

  void dropout(int64_t n, float p, uint64_t seed, uint64_t stream, const uint64_t* stream_base,
               const float* x, float* y) override;
  void upsample2x_forward(int64_t planes, int64_t H, int64_t W, const float* x,
                          float* y) override;
  void upsample2x_backward(int64_t planes, int64_t H, int64_t W, const float* dy,
                           float* dx) override;
  void concat_channels_forward(int64_t N, int64_t Ca, int64_t Cb, int64_t S, const float* a,
                               const float* b, float* y) override;
  void concat_channels_backward(int64_t N, int64_t Ca, int64_t Cb, int64_t S, const float* dy,
                                float* da, float* db) override;

  void adam_update(int64_t n, const AdamParams& a, const float* g, float* p, float* m,
                   float* v) override;
  void adam_schedule(const AdamParams& a, float* sched) override;
  void adam_update_spans(const AdamSpan* spans, int64_t count, const AdamParams& a,
                         const float* sched) override;
  void sgd_update(int64_t n, float lr, float momentum, const float* g, float* p,
                  float* vel) override;

  int64_t host_syncs() const override { return host_syncs_; }

  // For the kernels of this backend.
  cudaStream_t stream() const { return stream_; }
  CachingAllocator& allocator() { return alloc_; }
  // out[c] = (accumulate ? out[c] : 0) + scale · sum of segment c, where an element is
  // a[i], or (a[i] - b[i])² when b is given. Fixed order: same bits on every run.
  void segmented_sum(const Segments& s, const float* a, const float* b, float scale,
                     bool accumulate, float* out);

 private:
  CudnnConv& cudnn();  // cudnn_conv.cu (nvcc with cuDNN only)
  // conv2d_forward, with the ReLU in the store when `relu` (conv2d.cu)
  void conv_forward(const ConvGeom& g, const float* x, const float* w, const float* b, float* y,
                    bool relu);

  CachingAllocator alloc_{device_alloc, device_free};
  cudaStream_t stream_{};  // the executor ignores it; nvcc: our own stream
  cuda::ConvImpl conv_impl_ = cuda::ConvImpl::Own;
  bool graphs_ = true;      // option graph: capture where the device can (nvcc build)
  bool capturing_ = false;  // inside capture(): no host copies
  std::unique_ptr<CudnnConv> cudnn_;  // created on the first use of cuDNN
  std::unique_ptr<PinnedStaging> staging_;  // from_host's pinned buffers (nvcc build)
  std::unique_ptr<SideStream> side_;        // upload_side's stream and events (nvcc build)
  std::atomic<int64_t> host_syncs_{0};  // host threads may share the backend
};

// Scratch memory from the backend's caching allocator, released at scope exit.
class Scratch {
 public:
  Scratch(CudaBackend& b, int64_t n) : b_(b), p_(b.alloc(n)) {}
  ~Scratch() { log_errors("releasing scratch memory", [&] { b_.release(p_); }); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* get() const { return p_; }

 private:
  CudaBackend& b_;
  float* p_;
};

}  // namespace sg::SG_CUDA_NS

// The CPU backend: float32 on the host, Eigen for GEMM, OpenMP with static partitions.
// Member functions are defined in one file per op (kernels/cpu/<op>.cpp); the heavy
// ones (conv2d, maxpool2d) delegate to the free functions of conv2d.h, maxpool2d.h;
// code several ops share has a name that is no op (parallel_for.h, vec16.h, conv_*.h).
#pragma once
#include "engine/backend.h"
#include "engine/caching_allocator.h"

namespace sg {

class CpuBackend : public Backend {
 public:
  Device device() const override { return Device::CPU; }
  std::string name() const override { return "cpu"; }
  bool supports(Op) const override { return true; }

  // Two options (engine/backend.h), each for the whole process: winograd = off | on | all,
  // the 3×3 conv path of conv_winograd.h (default: STEREOGRAD_WINOGRAD, else on);
  // blocking = wide | narrow, the kernels' register block (blocking.h; default: the
  // build target's register file).
  bool set_option(const std::string& name, const std::string& value) override;
  std::string option(const std::string& name) const override;
  std::vector<std::string> option_values(const std::string& name) const override;

  // From the caching allocator: 64-byte aligned (whole cache lines, full AVX-512 vectors).
  float* alloc(int64_t n) override;
  void release(float* p) override;
  void empty_cache() override { alloc_.empty_cache(); }
  AllocatorStats allocator_stats() const { return alloc_.stats(); }
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
  void maxpool2d_forward(const PoolGeom& g, const float* x, float* y) override;
  void maxpool2d_backward(const PoolGeom& g, const float* x, const float* y, const float* dy,
                          float* dx) override;
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

 private:
  CachingAllocator alloc_{host_alloc, host_free};
  static void* host_alloc(size_t bytes);
  static void host_free(void* p);
};

}  // namespace sg

// The one interface every backend implements (ggml's idea: a table of functions plus
// "does this backend support this op?"). Everything works on raw device pointers and
// sizes; the autograd ops in engine/ops/ call these and never branch on the device.
//
// Conventions: every *_backward accumulates (+=) into its gradient outputs, so a tensor
// used twice gets the sum of both contributions. A null gradient pointer means "not
// needed" and is skipped.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/geometry.h"

namespace sg {

// Every op, once: X(Enum, name); `Op` and `op_name` are generated from this list. `name`
// names the Backend members (name_forward, ...) and the op's files: engine/ops/<name>.cpp,
// kernels/{reference,cpu,cuda}/<name>.*, the op table's entry <name> (README, "An op is
// found by its name"). tests/test_op_names.cpp lists the exceptions (ops with no autograd
// op or no reference file of their own) and checks every op's files in the source tree.
#define SG_OPS(X)                                                                      \
  X(Fill, fill) X(Copy, copy) X(Axpy, axpy) X(Add, add) X(Sub, sub) X(Mul, mul)          \
  X(MulAcc, mul_acc) X(Scale, scale) X(Sum, sum) X(Relu, relu) X(Atan2, atan2)           \
  X(WrapAngle, wrap_angle) X(Mse, mse) X(Gemm, gemm) X(BiasAdd, bias_add)                \
  X(BiasAddChannels, bias_add_channels) X(Conv2d, conv2d) X(MaxPool2d, maxpool2d)        \
  X(Dropout, dropout) X(Upsample2x, upsample2x)                                          \
  X(ConcatChannels, concat_channels) X(Adam, adam) X(Sgd, sgd)                           \
  X(ConvReluPool, conv_relu_pool) X(AngleLoss, angle_loss)                       \
  X(ConvRelu, conv_relu) X(ConvReluPoolDropout, conv_relu_pool_dropout)

#define SG_OP_ENUM(e, name) e,
enum class Op { SG_OPS(SG_OP_ENUM) };
#undef SG_OP_ENUM
const char* op_name(Op op);

// The wraps of an angle difference d into one period P (Backend::angle_loss_forward):
// Report d + P·[d < 0]; Symmetric d − P·round(d/P); Centred t + Symmetric(d − t).
enum class AngleWrap { Report, Symmetric, Centred };

// Dropout's mask over an op's output (Backend::dropout's draw): rate p, element i drawn
// from (seed, stream + *stream_base, i), or (seed, stream, i) when stream_base is null.
struct DropoutMask {
  float p = 0.0f;
  uint64_t seed = 0, stream = 0;
  const uint64_t* stream_base = nullptr;
  float keep() const { return p < 1.0f ? 1.0f / (1.0f - p) : 0.0f; }  // a kept value's factor
};

struct AdamParams {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-7f;  // Keras defaults
  int64_t step = 1;                                              // t, from 1
};

// One parameter buffer of a multi-buffer Adam update (Backend::adam_update_spans).
struct AdamSpan {
  int64_t n = 0;
  const float* g = nullptr;
  float* p = nullptr;
  float* m = nullptr;
  float* v = nullptr;
};

// Adam's schedule, kept in device memory so that a training step hands the backend no
// value that changes from one step to the next (the step can then be captured once and
// replayed): sched[kAdamT] = t, the step count (a float: exact up to 2^24 steps),
// sched[kAdamLr] = lr, sched[kAdamLrT] = the bias-corrected step lr_t of step t.
constexpr int64_t kAdamT = 0, kAdamLr = 1, kAdamLrT = 2, kAdamScheduleSize = 3;
constexpr int64_t kAdamMaxSteps = int64_t(1) << 24;

// Kernels recorded once and replayed with one launch (a CUDA graph; Backend::capture).
class CapturedWork {
 public:
  virtual ~CapturedWork() = default;
  // Queues the recorded kernels again, with the arguments they were recorded with.
  virtual void replay() = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() const = 0;
  virtual std::string name() const = 0;
  virtual bool supports(Op op) const = 0;

  // Settings only some backends have, by name, so that a program passes them on without
  // knowing the backend's class (`--conv cudnn`: set_option("conv", "cudnn")). Today:
  //   conv  own | cudnn   the convolution of the CUDA backends (cudnn only on Device::CUDA
  //                       in a build that found cuDNN)
  //   graph on | off      capture a training step as a CUDA graph (`--no-graph`: off);
  //                       the CUDA backends have it, and only Device::CUDA captures
  //   winograd off | on | all   the CPU backend's Winograd F(2×2, 3×3) path for 3×3
  //                       convs: where it pays, or every one (kernels/cpu/conv_winograd.h)
  // set_option returns false for a name this backend does not have and throws sg::Error
  // for a value it does not accept; option gives the current value and option_values the
  // accepted ones, both empty for a name it does not have.
  virtual bool set_option(const std::string& name, const std::string& value);
  virtual std::string option(const std::string& name) const;
  virtual std::vector<std::string> option_values(const std::string& name) const;

  // Capture (docs/cuda_backend.md, "Graph capture, ..."). supports_graphs(): capture() works
  // now (Device::CUDA with option graph=on); where it is false a caller runs its work
  // itself, uncaptured, and the base capture() throws. capture(work) calls work() once,
  // recording the kernels it queues without running them; every block the backend
  // allocates meanwhile belongs to a private pool kept for the capture's life, so the
  // replays' intermediate tensors keep their addresses. work() must not copy to or from
  // the host (an upload would replay its first data): the backend throws if it does.
  virtual bool supports_graphs() const;
  virtual std::unique_ptr<CapturedWork> capture(const std::function<void()>& work);

  // Uploads on a second stream, to fill one buffer while the kernels read another
  // (double buffering). mark() returns a token for the point the kernels queued so far
  // reach; upload_side copies n floats from the host to dst on the copy stream, through
  // pinned staging, once the kernels have passed mark `after` (the last work that read
  // dst; 0: none), without the host waiting; join_side() makes every kernel queued after
  // it wait for the side uploads queued before it. Backends with one stream (the base
  // class): mark() is 0, upload_side is from_host, join_side does nothing.
  virtual int64_t mark();
  virtual void upload_side(float* dst, const float* host_src, int64_t n, int64_t after);
  virtual void join_side();

  // Memory. alloc returns uninitialised storage for n floats.
  virtual float* alloc(int64_t n) = 0;
  virtual void release(float* p) = 0;
  // Gives the blocks a caching allocator keeps for reuse back to the system (live tensors
  // stay): between phases whose tensors differ in size, such as training and evaluation.
  virtual void empty_cache() {}
  virtual void to_host(float* host_dst, const float* src, int64_t n) = 0;
  virtual void from_host(float* dst, const float* host_src, int64_t n) = 0;

  // Element-wise.            y = v | y = x | y += a*x | y = a+b | y = a-b | y = a*b
  virtual void fill(int64_t n, float v, float* y) = 0;
  virtual void copy(int64_t n, const float* x, float* y) = 0;
  virtual void axpy(int64_t n, float a, const float* x, float* y) = 0;
  virtual void add(int64_t n, const float* a, const float* b, float* y) = 0;
  virtual void sub(int64_t n, const float* a, const float* b, float* y) = 0;
  virtual void mul(int64_t n, const float* a, const float* b, float* y) = 0;
  // y += a*b (the backward of mul).       y = s*x + t
  virtual void mul_acc(int64_t n, const float* a, const float* b, float* y) = 0;
  virtual void scale(int64_t n, float s, float t, const float* x, float* y) = 0;
  // out[0] = sum x, in a fixed order (same bits for any thread count).
  virtual void sum(int64_t n, const float* x, float* out) = 0;

  // y = max(x, 0);  dx += dy * [x > 0]
  virtual void relu_forward(int64_t n, const float* x, float* y) = 0;
  virtual void relu_backward(int64_t n, const float* x, const float* dy, float* dx) = 0;
  // The angle head: sc holds n (S, C) pairs, sc[2i] = S, sc[2i+1] = C.
  //   y[i] = atan2(S, C);  dS += dy·C/(S²+C²),  dC += -dy·S/(S²+C²)
  virtual void atan2_forward(int64_t n, const float* sc, float* y) = 0;
  virtual void atan2_backward(int64_t n, const float* sc, const float* dy, float* dsc) = 0;
  // The report's wrap of an angle difference into one period P:
  //   y = x + P·[x < 0] (one-sided), or y = x - P·round(x/P) (symmetric). dx = dy.
  virtual void wrap_angle(int64_t n, float period, bool symmetric, const float* x,
                          float* y) = 0;
  // out[0] = mean (a-b)²;  da += g·2(a-b)/n,  db -= g·2(a-b)/n, g = dout[0]
  virtual void mse_forward(int64_t n, const float* a, const float* b, float* out) = 0;
  virtual void mse_backward(int64_t n, const float* a, const float* b, const float* dout,
                            float* da, float* db) = 0;

  // The Difference Model's stereo loss from the two images' (S, C) rows in one op: atan2
  // of both, their difference, its wrap and the mean square error against t. sc1, sc2
  // hold n (S, C) pairs; φ = atan2(S, C):
  //   d_i = φ2_i − φ1_i,  w_i = wrap(d_i) (AngleWrap, period P),  out[0] = (1/n) Σ (w_i − t)²
  //   e_i = 2·dout[0]·(w_i − t)/n:  (dS2, dC2)_i += e_i·(C2, −S2)/(S2² + C2²),
  //                                 (dS1, dC1)_i −= e_i·(C1, −S1)/(S1² + C1²)
  // (the wrap's derivative is 1; a row with S = C = 0 gets no gradient).
  virtual void angle_loss_forward(int64_t n, float period, AngleWrap wrap, float target,
                                  const float* sc1, const float* sc2, float* out) = 0;
  virtual void angle_loss_backward(int64_t n, float period, AngleWrap wrap, float target,
                                   const float* sc1, const float* sc2, const float* dout,
                                   float* dsc1, float* dsc2) = 0;

  // Row-major C[M,N] = alpha·op(A)·op(B) + beta·C, op(A) is [M,K], op(B) is [K,N].
  virtual void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                    const float* A, const float* B, float beta, float* C) = 0;
  // y[r,c] += b[c] (Dense);  db[c] += sum_r dy[r,c]
  virtual void bias_add(int64_t rows, int64_t cols, const float* b, float* y) = 0;
  virtual void bias_backward(int64_t rows, int64_t cols, const float* dy, float* db) = 0;
  // y[n,c,s] += b[c] for NC(S) tensors;  db[c] += sum_{n,s} dy[n,c,s]
  virtual void bias_add_channels(int64_t N, int64_t C, int64_t S, const float* b,
                                 float* y) = 0;
  virtual void bias_backward_channels(int64_t N, int64_t C, int64_t S, const float* dy,
                                      float* db) = 0;

  // Convolution (geometry.h). b may be null.  dx += conv_transpose(dy, w);
  // dw += sum_n dy ⋆ x, db += sum dy (db may be null).
  virtual void conv2d_forward(const ConvGeom& g, const float* x, const float* w,
                              const float* b, float* y) = 0;
  virtual void conv2d_backward_data(const ConvGeom& g, const float* dy, const float* w,
                                    float* dx) = 0;
  virtual void conv2d_backward_filter(const ConvGeom& g, const float* x, const float* dy,
                                      float* dw, float* db) = 0;

  // Conv + bias + ReLU (Op::ConvRelu): y = max(conv(x, w) + b, 0), b may be null. The
  // base class runs conv2d_forward and relu_forward; the CUDA backends fold the bias and
  // the ReLU into the conv kernel's store. Backward: the engine's (relu's mask from y,
  // then the conv backward kernels).
  virtual void conv_relu_forward(const ConvGeom& g, const float* x, const float* w,
                                 const float* b, float* y);

  // Max pooling; backward routes dy to the first maximum of each window (found again
  // from x and y, so no index tensor is stored).
  virtual void maxpool2d_forward(const PoolGeom& g, const float* x, float* y) = 0;
  virtual void maxpool2d_backward(const PoolGeom& g, const float* x, const float* y,
                                  const float* dy, float* dx) = 0;

  // The fused conv block, Conv (ReLU) + MaxPooling (Op::ConvReluPool, optional: a backend
  // without it gets the three ops composed by engine/ops/conv_relu_pool.cpp, and the base
  // class throws). z = relu(conv(x, w) + b) never leaves the backend:
  //   y = maxpool_{ph×pw}(z) over the planes of [N, K, OH, OW];
  //   at[i] = a·pw + b, the offset in its window of y[i]'s first maximum, or -1 where
  //           y[i] = 0 (the ReLU cut every value, so no gradient flows).
  // Backward: dz = dy scattered to `at` (0 elsewhere), then the conv backward with dz:
  //   dx += conv2d_backward_data(dz, w),  dw += Σ_n dz ⋆ x,  db += Σ dz.
  virtual void conv_relu_pool_forward(const ConvGeom& g, int64_t ph, int64_t pw,
                                      const float* x, const float* w, const float* b,
                                      float* y, float* at);
  virtual void conv_relu_pool_backward(const ConvGeom& g, int64_t ph, int64_t pw,
                                       const float* x, const float* w, const float* at,
                                       const float* dy, float* dx, float* dw, float* db);
  // The block with dropout's mask m on y (Op::ConvReluPoolDropout, optional as the block):
  //   y = maxpool(relu(conv)) · m,  at as above and −1 where m drops the value;
  //   backward: the block's with dy · m.keep() (at = −1 routes nothing, so no second draw).
  // The pre-dropout y is never written and dy · m never leaves the backend.
  virtual void conv_relu_pool_dropout_forward(const ConvGeom& g, int64_t ph, int64_t pw,
                                              const float* x, const float* w, const float* b,
                                              const DropoutMask& m, float* y, float* at);
  virtual void conv_relu_pool_dropout_backward(const ConvGeom& g, int64_t ph, int64_t pw,
                                               const float* x, const float* w, const float* at,
                                               const DropoutMask& m, const float* dy, float* dx,
                                               float* dw, float* db);

  // Inverted dropout: y[i] = x[i]·m_i, m_i = 0 with probability p, else 1/(1-p); element
  // i draws random_uniform32(seed, s, i) (engine/random.h), whatever the launch shape, where
  // s = stream + *stream_base, or s = stream when stream_base is null. The backward is the
  // same call on dy (the mask is drawn again, never stored). stream_base is a device
  // pointer: a training step keeps the step's part of its streams on the device, so it
  // hands the backend the same arguments every step (and can be replayed).
  virtual void dropout(int64_t n, float p, uint64_t seed, uint64_t stream,
                       const uint64_t* stream_base, const float* x, float* y) = 0;

  // Nearest-neighbour ×2 over planes of H×W: y[p, 2i+a, 2j+b] = x[p,i,j];
  // dx[p,i,j] += sum_{a,b} dy[p,2i+a,2j+b].
  virtual void upsample2x_forward(int64_t planes, int64_t H, int64_t W, const float* x,
                                  float* y) = 0;
  virtual void upsample2x_backward(int64_t planes, int64_t H, int64_t W, const float* dy,
                                   float* dx) = 0;

  // y[n] = [a[n] (Ca·S values), b[n] (Cb·S values)];  backward splits dy back.
  virtual void concat_channels_forward(int64_t N, int64_t Ca, int64_t Cb, int64_t S,
                                       const float* a, const float* b, float* y) = 0;
  virtual void concat_channels_backward(int64_t N, int64_t Ca, int64_t Cb, int64_t S,
                                        const float* dy, float* da, float* db) = 0;

  // Optimisers over one parameter buffer.
  //   Adam (Keras form): m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
  //   p -= lr·sqrt(1-β2^t)/(1-β1^t) · m / (sqrt(v) + ε)
  virtual void adam_update(int64_t n, const AdamParams& a, const float* g, float* p,
                           float* m, float* v) = 0;
  // The same update with t on the device (sched: see kAdamT). adam_schedule advances it:
  //   t += 1;  lr_t = lr·sqrt(1-β2^t)/(1-β1^t)  (in double, rounded to float, as above);
  // adam_update_spans then updates every span with that lr_t, in one launch where the
  // backend can (a.lr and a.step are not read: they are sched's). Same bits as adam_update.
  virtual void adam_schedule(const AdamParams& a, float* sched) = 0;
  virtual void adam_update_spans(const AdamSpan* spans, int64_t count, const AdamParams& a,
                                 const float* sched) = 0;
  //   SGD with momentum μ: vel = μ vel - lr g;  p += vel   (vel may be null when μ = 0)
  virtual void sgd_update(int64_t n, float lr, float momentum, const float* g, float* p,
                          float* vel) = 0;
};

// The registry: one backend per device. The engine knows no backend: each program
// registers the ones it links before it makes a tensor (sg::register_builtin_backends()
// of kernels/registry.h, called by train/main.cpp, tests/main.cpp, bench/, examples/).
Backend& backend_for(Device d);
bool has_backend(Device d);
void register_backend(Device d, std::unique_ptr<Backend> b);

}  // namespace sg

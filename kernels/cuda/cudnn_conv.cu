// cuDNN convolution (cudnn_conv.h). Compiled only by nvcc with cuDNN found; the CPU
// executor's build of this file is empty.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/cudnn_conv.h"

#if SG_WITH_CUDNN

#include <cstdio>
#include <vector>

namespace sg::SG_CUDA_NS {

namespace {

void check_cudnn(cudnnStatus_t s, const char* call, const char* file, int line) {
  if (s != CUDNN_STATUS_SUCCESS)
    fail(file, ":", line, ": ", call, " failed: ", cudnnGetErrorString(s));
}
void log_cudnn(cudnnStatus_t s, const char* call, const char* file, int line) {
  if (s != CUDNN_STATUS_SUCCESS)
    std::fprintf(stderr, "stereograd: %s:%d: %s failed: %s\n", file, line, call,
                 cudnnGetErrorString(s));
}

}  // namespace

}  // namespace sg::SG_CUDA_NS

#define SG_CUDNN_CHECK(call) ::sg::SG_CUDA_NS::check_cudnn((call), #call, __FILE__, __LINE__)
#define SG_CUDNN_LOG(call) ::sg::SG_CUDA_NS::log_cudnn((call), #call, __FILE__, __LINE__)

namespace sg::SG_CUDA_NS {

namespace {

// The first algorithm of cuDNN's heuristic ranking that succeeded, uses FMA math (no
// TF32) and, when asked, is deterministic; falls back to any successful one rather
// than failing when the FMA filter leaves none.
template <typename Perf>
decltype(Perf{}.algo) pick(const std::vector<Perf>& perf, int count, bool deterministic,
                           const char* what) {
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < count; ++i) {
      const Perf& p = perf[size_t(i)];
      if (p.status != CUDNN_STATUS_SUCCESS) continue;
      if (deterministic && p.determinism != CUDNN_DETERMINISTIC) continue;
      if (pass == 0 && p.mathType != CUDNN_FMA_MATH) continue;
      return p.algo;
    }
  fail("cuDNN offers no ", deterministic ? "deterministic " : "", what,
       " algorithm for this convolution");
}

// Workspace in floats from the caching allocator (at least one, so the pointer is valid).
int64_t floats_for(size_t bytes) { return int64_t((bytes + 3) / 4) + 1; }

}  // namespace

struct CudnnConv::Plan {
  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnConvolutionFwdAlgo_t fwd{};
  cudnnConvolutionBwdDataAlgo_t bwd_data{};
  cudnnConvolutionBwdFilterAlgo_t bwd_filter{};
  size_t fwd_bytes = 0, bwd_data_bytes = 0, bwd_filter_bytes = 0;

  ~Plan() {
    if (x) SG_CUDNN_LOG(cudnnDestroyTensorDescriptor(x));
    if (y) SG_CUDNN_LOG(cudnnDestroyTensorDescriptor(y));
    if (w) SG_CUDNN_LOG(cudnnDestroyFilterDescriptor(w));
    if (conv) SG_CUDNN_LOG(cudnnDestroyConvolutionDescriptor(conv));
  }
};

CudnnConv::CudnnConv(CudaBackend& backend) : backend_(backend) {
  SG_CUDNN_CHECK(cudnnCreate(&handle_));
  SG_CUDNN_CHECK(cudnnSetStream(handle_, backend_.stream()));
}

CudnnConv::~CudnnConv() {
  plans_.clear();  // destroys the descriptors before the handle
  if (handle_) SG_CUDNN_LOG(cudnnDestroy(handle_));
}

CudnnConv::Plan& CudnnConv::plan(const ConvGeom& g) {
  const auto key = std::make_tuple(g.N, g.C, g.H, g.W, g.K, g.R, g.S, g.pad_h, g.pad_w);
  auto it = plans_.find(key);
  if (it != plans_.end()) return *it->second;

  // Built aside and stored only when complete, so a failure leaves no half-made plan.
  auto owned = std::make_unique<Plan>();
  Plan* p = owned.get();
  SG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->x));
  SG_CUDNN_CHECK(cudnnCreateTensorDescriptor(&p->y));
  SG_CUDNN_CHECK(cudnnCreateFilterDescriptor(&p->w));
  SG_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&p->conv));
  SG_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(g.N),
                                            int(g.C), int(g.H), int(g.W)));
  SG_CUDNN_CHECK(cudnnSetTensor4dDescriptor(p->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(g.N),
                                            int(g.K), int(g.OH()), int(g.OW())));
  SG_CUDNN_CHECK(cudnnSetFilter4dDescriptor(p->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, int(g.K),
                                            int(g.C), int(g.R), int(g.S)));
  SG_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(p->conv, int(g.pad_h), int(g.pad_w), 1, 1, 1,
                                                 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  SG_CUDNN_CHECK(cudnnSetConvolutionMathType(p->conv, CUDNN_FMA_MATH));
  int n = 0, c = 0, h = 0, w = 0;
  SG_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(p->conv, p->x, p->w, &n, &c, &h, &w));
  SG_CHECK(h == g.OH() && w == g.OW(), "cuDNN's output ", h, "x", w, " differs from ",
           g.OH(), "x", g.OW());

  constexpr int kMax = 16;
  int count = 0;
  std::vector<cudnnConvolutionFwdAlgoPerf_t> fwd(kMax);
  SG_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(handle_, p->x, p->w, p->conv, p->y, kMax,
                                                        &count, fwd.data()));
  p->fwd = pick(fwd, count, false, "forward");
  SG_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(handle_, p->x, p->w, p->conv, p->y,
                                                         p->fwd, &p->fwd_bytes));

  std::vector<cudnnConvolutionBwdDataAlgoPerf_t> data(kMax);
  SG_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle_, p->w, p->y, p->conv, p->x,
                                                             kMax, &count, data.data()));
  p->bwd_data = pick(data, count, true, "backward-data");
  SG_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(handle_, p->w, p->y, p->conv, p->x,
                                                              p->bwd_data, &p->bwd_data_bytes));

  std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> filter(kMax);
  SG_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
      handle_, p->x, p->y, p->conv, p->w, kMax, &count, filter.data()));
  p->bwd_filter = pick(filter, count, true, "backward-filter");
  SG_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
      handle_, p->x, p->y, p->conv, p->w, p->bwd_filter, &p->bwd_filter_bytes));
  plans_.emplace(key, std::move(owned));
  return *p;
}

void CudnnConv::forward(const ConvGeom& g, const float* x, const float* w, float* y) {
  Plan& p = plan(g);
  Scratch ws(backend_, floats_for(p.fwd_bytes));
  const float one = 1.0f, zero = 0.0f;
  SG_CUDNN_CHECK(cudnnConvolutionForward(handle_, &one, p.x, x, p.w, w, p.conv, p.fwd, ws.get(),
                                         p.fwd_bytes, &zero, p.y, y));
}

void CudnnConv::backward_data(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  Plan& p = plan(g);
  Scratch ws(backend_, floats_for(p.bwd_data_bytes));
  const float one = 1.0f;  // beta = 1: accumulate into dx
  SG_CUDNN_CHECK(cudnnConvolutionBackwardData(handle_, &one, p.w, w, p.y, dy, p.conv,
                                              p.bwd_data, ws.get(), p.bwd_data_bytes, &one,
                                              p.x, dx));
}

void CudnnConv::backward_filter(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  Plan& p = plan(g);
  Scratch ws(backend_, floats_for(p.bwd_filter_bytes));
  const float one = 1.0f;  // beta = 1: accumulate into dw
  SG_CUDNN_CHECK(cudnnConvolutionBackwardFilter(handle_, &one, p.x, x, p.y, dy, p.conv,
                                                p.bwd_filter, ws.get(), p.bwd_filter_bytes,
                                                &one, p.w, dw));
}

CudnnConv& CudaBackend::cudnn() {
  if (!cudnn_) cudnn_ = std::make_unique<CudnnConv>(*this);
  return *cudnn_;
}

}  // namespace sg::SG_CUDA_NS

#endif  // SG_WITH_CUDNN

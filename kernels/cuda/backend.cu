// CudaBackend's construction, memory and registration entry points. The ops live in one
// file per op, named for it (kernels/cuda/<op>.cu: fill.cu ... conv_relu_pool.cu), the
// reduction they share in segmented_sum.cu.
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/cuda/cudnn_conv.h"

namespace sg::SG_CUDA_NS {

#if defined(__CUDACC__)
// from_host's staging: a ring of pinned host buffers. An upload is copied on the host into
// the next buffer and from there to the device by a copy queued on the stream, so the host
// does not wait (a copy from pageable memory may make the driver wait for the stream).
// A buffer is reused once the event recorded after its copy has passed; with kSlots
// buffers and about four uploads per step (the batch, the dropout streams' base) the
// device may be about four steps behind before an upload waits. Uploads above kMaxBytes are not staged.
class PinnedStaging {
 public:
  static constexpr size_t kSlots = 16, kMaxBytes = size_t(16) << 20;
  ~PinnedStaging() {
    for (Slot& s : slots_) {
      if (s.done) SG_CUDA_LOG(cudaEventSynchronize(s.done));
      if (s.done) SG_CUDA_LOG(cudaEventDestroy(s.done));
      if (s.host) SG_CUDA_LOG(cudaFreeHost(s.host));
    }
  }
  // Queues dst <- src (bytes <= kMaxBytes) on `stream`; returns how many times it waited.
  int upload(void* dst, const void* src, size_t bytes, cudaStream_t stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    Slot& s = slots_[next_];
    next_ = (next_ + 1) % kSlots;
    int waits = 0;
    if (s.done && cudaEventQuery(s.done) == cudaErrorNotReady) {
      SG_CUDA_CHECK(cudaEventSynchronize(s.done));
      ++waits;
    }
    (void)cudaGetLastError();  // cudaEventQuery's "not ready" is no error
    if (!s.done) SG_CUDA_CHECK(cudaEventCreateWithFlags(&s.done, cudaEventDisableTiming));
    if (s.bytes < bytes) {  // grows during warm-up only: cudaFreeHost may wait for the device
      if (s.host) {
        SG_CUDA_CHECK(cudaFreeHost(s.host));
        ++waits;
      }
      s.host = nullptr;
      SG_CUDA_CHECK(cudaHostAlloc(&s.host, bytes, cudaHostAllocDefault));
      s.bytes = bytes;
    }
    std::memcpy(s.host, src, bytes);
    SG_CUDA_CHECK(cudaMemcpyAsync(dst, s.host, bytes, cudaMemcpyHostToDevice, stream));
    SG_CUDA_CHECK(cudaEventRecord(s.done, stream));
    return waits;
  }

 private:
  struct Slot {
    void* host = nullptr;
    size_t bytes = 0;
    cudaEvent_t done = nullptr;
  };
  std::mutex mutex_;
  std::array<Slot, kSlots> slots_{};
  size_t next_ = 0;
};

// upload_side's second stream. A mark is an event recorded on the compute stream, in a
// ring of kMarks: a token older than the ring waits for a later mark, later than needed
// but still safe. `uploaded` is recorded after each upload, and join() makes the compute
// stream wait for it.
class SideStream {
 public:
  static constexpr int64_t kMarks = 8;
  SideStream() {
    SG_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_, cudaStreamNonBlocking));
    SG_CUDA_CHECK(cudaEventCreateWithFlags(&uploaded_, cudaEventDisableTiming));
    for (cudaEvent_t& e : marks_) SG_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  }
  ~SideStream() {
    SG_CUDA_LOG(cudaStreamSynchronize(copy_));
    for (cudaEvent_t e : marks_) SG_CUDA_LOG(cudaEventDestroy(e));
    SG_CUDA_LOG(cudaEventDestroy(uploaded_));
    SG_CUDA_LOG(cudaStreamDestroy(copy_));
  }
  int64_t mark(cudaStream_t compute) {
    const int64_t token = ++last_;
    SG_CUDA_CHECK(cudaEventRecord(marks_[size_t(token % kMarks)], compute));
    return token;
  }
  // dst <- src on the copy stream after mark `after`, through `staging` in pieces it
  // takes; returns how many times the host waited.
  int upload(void* dst, const void* src, size_t bytes, int64_t after, PinnedStaging& staging) {
    SG_CHECK(after >= 0 && after <= last_, "upload_side: mark ", after, " was never made");
    if (after > 0) SG_CUDA_CHECK(cudaStreamWaitEvent(copy_, marks_[size_t(after % kMarks)], 0));
    int waits = 0;
    for (size_t off = 0; off < bytes; off += PinnedStaging::kMaxBytes)
      waits += staging.upload(static_cast<char*>(dst) + off, static_cast<const char*>(src) + off,
                              std::min(PinnedStaging::kMaxBytes, bytes - off), copy_);
    SG_CUDA_CHECK(cudaEventRecord(uploaded_, copy_));
    pending_ = true;
    return waits;
  }
  void join(cudaStream_t compute) {
    if (pending_) SG_CUDA_CHECK(cudaStreamWaitEvent(compute, uploaded_, 0));
    pending_ = false;
  }

 private:
  cudaStream_t copy_{};
  cudaEvent_t uploaded_{};
  std::array<cudaEvent_t, kMarks> marks_{};
  int64_t last_ = 0;
  bool pending_ = false;
};
#else
class PinnedStaging {};  // the executor's memory is host memory: nothing to stage
class SideStream {};     // nor a second stream: its kernels run in the order queued
#endif

CudaBackend::CudaBackend() {
#if defined(__CUDACC__)
  SG_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  // STEREOGRAD_CONV picks the default convolution of the GPU backend.
  if (const char* env = std::getenv("STEREOGRAD_CONV")) {
    const std::string v = env;
    SG_CHECK(v == "own" || v == "cudnn", "STEREOGRAD_CONV='", v,
             "': expected 'own' or 'cudnn'");
    if (v == "cudnn") set_conv_impl(cuda::ConvImpl::Cudnn);
  }
#endif
}

CudaBackend::~CudaBackend() {
#if defined(__CUDACC__)
  side_.reset();
  staging_.reset();
  cudnn_.reset();
  if (stream_) SG_CUDA_LOG(cudaStreamDestroy(stream_));
#endif
}

Device CudaBackend::device() const {
#if defined(__CUDACC__)
  return Device::CUDA;
#else
  return Device::CudaOnCpu;
#endif
}

// Literal names (device_name's, engine/backend.cpp) keep this library free of links back
// into stereograd_core.
std::string CudaBackend::name() const {
#if defined(__CUDACC__)
  return "cuda";
#else
  return "cuda-cpu";
#endif
}

bool CudaBackend::has_cudnn() const { return SG_WITH_CUDNN; }

void CudaBackend::set_conv_impl(cuda::ConvImpl impl) {
  SG_CHECK(impl == cuda::ConvImpl::Own || has_cudnn(), "backend '", name(),
           "' has no cuDNN (it exists only on Device::CUDA in a build that found cuDNN)");
  conv_impl_ = impl;
}

// The backend-neutral face of the two calls above (engine/backend.h): "conv" = own | cudnn;
// and "graph" = on | off (both builds take it; only the nvcc one captures).
bool CudaBackend::set_option(const std::string& name, const std::string& value) {
  if (name == "graph") {
    SG_CHECK(value == "on" || value == "off", "backend '", this->name(), "': option graph='",
             value, "': expected 'on' or 'off'");
    graphs_ = value == "on";
    return true;
  }
  if (name != "conv") return false;
  SG_CHECK(value == "own" || value == "cudnn", "backend '", this->name(), "': option conv='",
           value, "': expected 'own' or 'cudnn'");
  set_conv_impl(value == "cudnn" ? cuda::ConvImpl::Cudnn : cuda::ConvImpl::Own);
  return true;
}

std::string CudaBackend::option(const std::string& name) const {
  if (name == "graph") return graphs_ ? "on" : "off";
  if (name != "conv") return "";
  return conv_impl_ == cuda::ConvImpl::Cudnn ? "cudnn" : "own";
}

std::vector<std::string> CudaBackend::option_values(const std::string& name) const {
  if (name == "graph") return {"on", "off"};
  if (name != "conv") return {};
  if (has_cudnn()) return {"own", "cudnn"};
  return {"own"};
}

float* CudaBackend::alloc(int64_t n) {
  SG_CHECK(n >= 0, "alloc of ", n, " floats");
  return static_cast<float*>(alloc_.alloc(size_t(n) * sizeof(float)));
}

void CudaBackend::release(float* p) { alloc_.release(p); }

// to_host waits for the kernels queued before it (a host synchronisation, counted);
// from_host is queued behind them without waiting, through the pinned staging buffers.
void CudaBackend::to_host(float* dst, const float* src, int64_t n) {
  if (n <= 0) return;
  SG_CHECK(!capturing_, "to_host inside a graph capture: the captured work must not read the host");
  ++host_syncs_;
#if defined(__CUDACC__)
  SG_CUDA_CHECK(cudaMemcpyAsync(dst, src, size_t(n) * sizeof(float), cudaMemcpyDeviceToHost,
                                stream_));
  SG_CUDA_CHECK(cudaStreamSynchronize(stream_));
#else
  std::memcpy(dst, src, size_t(n) * sizeof(float));
#endif
}

void CudaBackend::from_host(float* dst, const float* src, int64_t n) {
  if (n <= 0) return;
  SG_CHECK(!capturing_, "from_host inside a graph capture: each replay would upload the first "
           "step's data again");
#if defined(__CUDACC__)
  const size_t bytes = size_t(n) * sizeof(float);
  if (bytes <= PinnedStaging::kMaxBytes) {
    if (!staging_) staging_ = std::make_unique<PinnedStaging>();
    host_syncs_ += staging_->upload(dst, src, bytes, stream_);
    return;
  }
  SG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
  SG_CUDA_CHECK(cudaStreamSynchronize(stream_));  // src may be freed when we return
  ++host_syncs_;
#else
  std::memcpy(dst, src, size_t(n) * sizeof(float));
#endif
}

// The second stream (SideStream above); the executor runs everything in the order queued.
int64_t CudaBackend::mark() {
#if defined(__CUDACC__)
  if (!side_) side_ = std::make_unique<SideStream>();
  return side_->mark(stream_);
#else
  return 0;
#endif
}

void CudaBackend::upload_side(float* dst, const float* host_src, int64_t n, int64_t after) {
  if (n <= 0) return;
  SG_CHECK(!capturing_, "upload_side inside a graph capture");
#if defined(__CUDACC__)
  if (!side_) side_ = std::make_unique<SideStream>();
  if (!staging_) staging_ = std::make_unique<PinnedStaging>();
  host_syncs_ += side_->upload(dst, host_src, size_t(n) * sizeof(float), after, *staging_);
#else
  (void)after;
  std::memcpy(dst, host_src, size_t(n) * sizeof(float));
#endif
}

void CudaBackend::join_side() {
#if defined(__CUDACC__)
  if (side_) side_->join(stream_);
#endif
}

std::unique_ptr<cuda::CudaBackendBase> make_backend() {
  return std::make_unique<CudaBackend>();
}

#if defined(__CUDACC__)
int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // no driver or no device: not an error for us
    return 0;
  }
  return n;
}
#endif

}  // namespace sg::SG_CUDA_NS

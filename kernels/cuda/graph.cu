// Graph capture (Backend::capture, docs/cuda_backend.md "Graph capture"): the kernels a
// piece of work queues on the backend's stream, recorded once by CUDA stream capture and
// replayed by one cudaGraphLaunch, so a training step costs one launch instead of about a
// hundred. The executor has no graph API: there supports_graphs() is false and callers
// run their work uncaptured (train/step_graph.h).
#include "kernels/cuda/exec/device.h"

#include "kernels/cuda/backend.h"

namespace sg::SG_CUDA_NS {

#if defined(__CUDACC__)
namespace {

// An instantiated graph and the allocator pool that holds its tensors' blocks: the pool
// goes back to the general cache only when no replay can write it any more.
class CudaGraph final : public CapturedWork {
 public:
  CudaGraph(cudaGraphExec_t exec, cudaStream_t stream, CachingAllocator& alloc, int pool)
      : exec_(exec), stream_(stream), alloc_(alloc), pool_(pool) {}
  ~CudaGraph() override {
    SG_CUDA_LOG(cudaStreamSynchronize(stream_));  // a replay in flight still writes the pool
    SG_CUDA_LOG(cudaGraphExecDestroy(exec_));
    alloc_.release_pool(pool_);
  }
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;
  void replay() override { SG_CUDA_CHECK(cudaGraphLaunch(exec_, stream_)); }

 private:
  cudaGraphExec_t exec_;
  cudaStream_t stream_;
  CachingAllocator& alloc_;
  int pool_;
};

}  // namespace
#endif

bool CudaBackend::supports_graphs() const {
#if defined(__CUDACC__)
  return graphs_;
#else
  return false;
#endif
}

std::unique_ptr<CapturedWork> CudaBackend::capture(const std::function<void()>& work) {
#if defined(__CUDACC__)
  SG_CHECK(graphs_, "backend '", name(), "': capture with option graph=off");
  SG_CHECK(!capturing_, "backend '", name(), "': a capture inside a capture");
  // Relaxed: a miss of the caching allocator may still cudaMalloc during the capture.
  const int pool = alloc_.begin_pool();
  capturing_ = true;
  cudaGraph_t graph = nullptr;
  try {
    SG_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeRelaxed));
    try {
      work();
    } catch (...) {
      if (cudaStreamEndCapture(stream_, &graph) == cudaSuccess && graph) cudaGraphDestroy(graph);
      (void)cudaGetLastError();
      throw;
    }
    SG_CUDA_CHECK(cudaStreamEndCapture(stream_, &graph));
  } catch (...) {
    capturing_ = false;
    alloc_.end_pool();
    alloc_.release_pool(pool);
    throw;
  }
  capturing_ = false;
  alloc_.end_pool();
  cudaGraphExec_t exec = nullptr;
  const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
  SG_CUDA_LOG(cudaGraphDestroy(graph));
  if (e != cudaSuccess) alloc_.release_pool(pool);
  SG_CUDA_CHECK(e);
  return std::make_unique<CudaGraph>(exec, stream_, alloc_, pool);
#else
  return Backend::capture(work);
#endif
}

}  // namespace sg::SG_CUDA_NS

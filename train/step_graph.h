// A training step captured as one CUDA graph and replayed (issue 20): the step's ~100
// kernel launches become one cudaGraphLaunch. The first step of each key (the batch's
// shape and input buffer) runs plainly, a warm-up: it allocates the gradients, cached
// blocks and cuDNN's plans, none of which a capture may do. The second is captured and
// replayed, and every later step of that key is a replay. A short last batch is a new key: captured once, then replayed
// in every epoch, beside the full batch's graph. Where the backend cannot capture
// (supports_graphs() false: the CPU, the CUDA kernels on the executor, `--no-graph`),
// run() calls the step itself: the same code path, uncaptured.
//
// What a captured step may read (a replay reads the same addresses and arguments):
//   - the batch, in device buffers that keep their address for the key (train_step.h);
//   - the dropout streams' base, a device word the host uploads before the step;
//   - Adam's schedule (t, lr, lr_t) on the device, advanced by the step itself;
//   - the parameters, their gradients and Adam's moments, allocated before the capture.
// It must not upload or read back (the backend throws), and it writes its loss into a
// device scalar allocated before the capture.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "engine/backend.h"

namespace sg {

class StepGraph {
 public:
  explicit StepGraph(Backend& backend) : backend_(backend) {}
  // Runs `step`, the work of the step of inputs `key`: plainly, captured then replayed,
  // or replayed (see above).
  void run(int64_t key, const std::function<void()>& step);
  bool captures() const { return backend_.supports_graphs(); }
  int64_t captured() const { return int64_t(graphs_.size()); }  // graphs held, one per key
  int64_t replays() const { return replays_; }

 private:
  Backend& backend_;
  std::set<int64_t> warm_;  // keys whose warm-up step has run
  int64_t replays_ = 0;
  std::map<int64_t, std::unique_ptr<CapturedWork>> graphs_;
};

}  // namespace sg

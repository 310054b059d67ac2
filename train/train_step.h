// One training step as the trainer and bench_train run it (issue 20): no host
// synchronisation, the input double-buffered, the device work captured as one graph.
//
//   upload(b)   gathers nothing: queues b's images (and targets) on the backend's copy
//               stream, through pinned staging, into the input buffer the previous step
//               did not read, once the step before that is done with it (a mark);
//   run(base)   uploads the dropout streams' base, counts Adam's step on the host, makes
//               the kernels wait for the upload, and runs the device work through
//               StepGraph (train/step_graph.h): zero_grad, the loss, its copy into
//               loss(), backward, Adam's update. Key: (batch size, buffer).
//
// Two buffers per batch size, each keeping its address for the run, so a graph captured
// on one replays on it. On a backend with one stream (the CPU, the executor) the upload
// is a plain copy and the step runs as today's, with the same bits.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>

#include "engine/ops.h"
#include "engine/optim/optimizer.h"
#include "train/batch.h"
#include "train/step_graph.h"

namespace sg {

class TrainStep {
 public:
  // The step's loss from a batch on the device (first, second, and targets when uploaded).
  using LossFn = std::function<Tensor(const PairBatch&, Context&)>;
  TrainStep(Adam& opt, Device device, uint64_t seed, LossFn loss);

  void upload(const HostBatch& b);
  // The step on the batch uploaded last; its dropout streams are (seed, stream_base + k).
  void run(uint64_t stream_base);
  // The last step's loss, a one-element tensor on the device (read it when needed).
  const Tensor& loss() const { return loss_; }
  const StepGraph& graph() const { return graph_; }

 private:
  struct Slot {
    PairBatch batch;
    int64_t read_until = 0;  // the mark after the last step that read it
  };

  Adam& opt_;
  Device device_;
  Backend& backend_;
  uint64_t seed_;
  LossFn loss_fn_;
  StepGraph graph_;
  Tensor loss_, stream_base_;  // stream_base_: a uint64 in two floats
  std::map<int64_t, std::array<Slot, 2>> slots_;  // by batch size
  int64_t batch_ = 0;
  int buffer_ = 1;  // the slot uploaded last
};

}  // namespace sg

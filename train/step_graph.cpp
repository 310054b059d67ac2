#include "train/step_graph.h"

namespace sg {

void StepGraph::run(int64_t key, const std::function<void()>& step) {
  if (!captures() || warm_.insert(key).second) {  // no graphs, or this key's warm-up
    step();
    return;
  }
  auto it = graphs_.find(key);
  if (it == graphs_.end()) it = graphs_.emplace(key, backend_.capture(step)).first;
  it->second->replay();  // the capture ran nothing: its first replay is this step
  ++replays_;
}

}  // namespace sg

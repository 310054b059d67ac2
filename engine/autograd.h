// Reverse-mode autograd, micrograd's idea in C++: each op computes its output and, when
// an input needs a gradient, attaches a Node whose backward closure accumulates (+=)
// into the inputs' gradients. Tensor::backward() walks the nodes in reverse
// topological order. Nothing is recorded while a NoGradGuard is alive (inference).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace sg {

struct Node {
  std::string name;                                   // the op, for error messages
  std::vector<std::shared_ptr<TensorImpl>> inputs;    // edges of the graph
  std::function<void(const Tensor& grad_out)> backward;
};

bool grad_enabled();

// Inference mode: ops record nothing while one is alive (nestable, per thread).
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when grad mode is on and any input requires a gradient.
bool needs_grad(std::initializer_list<const Tensor*> inputs);

// Makes `out` a graph node: requires_grad, produced by `name` from `inputs`. The closure
// must not capture `out` itself (that would be a cycle); capture out.detach() instead.
void attach_grad(Tensor& out, const char* name, std::vector<Tensor> inputs,
                 std::function<void(const Tensor& grad_out)> backward);

}  // namespace sg

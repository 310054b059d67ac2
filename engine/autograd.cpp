#include "engine/autograd.h"

#include <unordered_set>

#include "engine/error.h"

namespace sg {

namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = prev_; }

bool needs_grad(std::initializer_list<const Tensor*> inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor* t : inputs)
    if (t->requires_grad()) return true;
  return false;
}

void attach_grad(Tensor& out, const char* name, std::vector<Tensor> inputs,
                 std::function<void(const Tensor& grad_out)> backward) {
  auto node = std::make_shared<Node>();
  node->name = name;
  for (const Tensor& t : inputs)
    if (t.defined()) node->inputs.push_back(t.impl_ptr());
  node->backward = std::move(backward);
  out.impl()->requires_grad = true;
  out.impl()->grad_fn = std::move(node);
}

// Reverse topological order by an explicit-stack DFS (graphs can be deep; no recursion).
void Tensor::backward() const {
  SG_CHECK(numel() == 1, "backward: the loss must have one element, got shape ",
           shape_str(shape()));
  SG_CHECK(requires_grad(), "backward: the loss does not depend on any tensor that "
                            "requires a gradient");
  std::vector<TensorImpl*> order;
  std::unordered_set<TensorImpl*> seen;
  std::vector<std::pair<TensorImpl*, size_t>> stack{{impl(), 0}};
  seen.insert(impl());
  while (!stack.empty()) {
    auto& [t, next] = stack.back();
    if (t->grad_fn && next < t->grad_fn->inputs.size()) {
      TensorImpl* child = t->grad_fn->inputs[next++].get();
      if (child->requires_grad && seen.insert(child).second) stack.push_back({child, 0});
    } else {
      order.push_back(t);
      stack.pop_back();
    }
  }
  Tensor root = *this;
  root.backend().fill(1, 1.0f, root.grad_data());
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    TensorImpl* t = *it;
    if (!t->grad_fn || !t->grad) continue;
    auto g = std::make_shared<TensorImpl>();
    g->shape = t->shape;
    g->data = t->grad;
    t->grad_fn->backward(Tensor(std::move(g)));
    // Like PyTorch, only leaves keep their gradient: a second backward() through the
    // same graph then adds the same amount again to the leaves, nothing more.
    t->grad.reset();
  }
}

}  // namespace sg

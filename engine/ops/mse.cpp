// The loss: mean squared error over every element.
//   y = (1/n) Σ (p - t)²;  dp += g·2(p-t)/n,  dt -= g·2(p-t)/n
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor mse(const Tensor& prediction, const Tensor& target) {
  check_same_shape(prediction, target, "mse");
  Tensor y = Tensor::empty({}, prediction.device());
  const int64_t n = prediction.numel();
  prediction.backend().mse_forward(n, prediction.data(), target.data(), y.data());
  if (needs_grad({&prediction, &target}))
    attach_grad(y, "mse", {prediction, target}, [prediction, target, n](const Tensor& g) {
      prediction.backend().mse_backward(n, prediction.data(), target.data(), g.data(),
                                        grad_or_null(prediction), grad_or_null(target));
    });
  return y;
}

}  // namespace sg

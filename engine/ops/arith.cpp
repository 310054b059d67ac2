// Element-wise arithmetic and reductions.
//   add: da += g, db += g;   sub: da += g, db -= g;   mul: da += g·b, db += g·a
//   scale (s·x + t): dx += s·g;   sum: dx += g[0];   mean: dx += g[0]/n
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor add(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "add");
  Tensor y = Tensor::empty(a.shape(), a.device());
  a.backend().add(a.numel(), a.data(), b.data(), y.data());
  if (needs_grad({&a, &b}))
    attach_grad(y, "add", {a, b}, [a, b](const Tensor& g) {
      if (float* da = grad_or_null(a)) a.backend().axpy(a.numel(), 1.0f, g.data(), da);
      if (float* db = grad_or_null(b)) b.backend().axpy(b.numel(), 1.0f, g.data(), db);
    });
  return y;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "sub");
  Tensor y = Tensor::empty(a.shape(), a.device());
  a.backend().sub(a.numel(), a.data(), b.data(), y.data());
  if (needs_grad({&a, &b}))
    attach_grad(y, "sub", {a, b}, [a, b](const Tensor& g) {
      if (float* da = grad_or_null(a)) a.backend().axpy(a.numel(), 1.0f, g.data(), da);
      if (float* db = grad_or_null(b)) b.backend().axpy(b.numel(), -1.0f, g.data(), db);
    });
  return y;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  check_same_shape(a, b, "mul");
  Tensor y = Tensor::empty(a.shape(), a.device());
  a.backend().mul(a.numel(), a.data(), b.data(), y.data());
  if (needs_grad({&a, &b}))
    attach_grad(y, "mul", {a, b}, [a, b](const Tensor& g) {
      if (float* da = grad_or_null(a)) a.backend().mul_acc(a.numel(), g.data(), b.data(), da);
      if (float* db = grad_or_null(b)) b.backend().mul_acc(b.numel(), g.data(), a.data(), db);
    });
  return y;
}

Tensor scale(const Tensor& x, float s, float t) {
  check_defined(x, "scale", "input");
  Tensor y = Tensor::empty(x.shape(), x.device());
  x.backend().scale(x.numel(), s, t, x.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, "scale", {x}, [x, s](const Tensor& g) {
      x.backend().axpy(x.numel(), s, g.data(), grad_or_null(x));
    });
  return y;
}

Tensor relu(const Tensor& x) {
  check_defined(x, "relu", "input");
  Tensor y = Tensor::empty(x.shape(), x.device());
  x.backend().relu_forward(x.numel(), x.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, "relu", {x}, [x](const Tensor& g) {
      x.backend().relu_backward(x.numel(), x.data(), g.data(), grad_or_null(x));
    });
  return y;
}

// sum and mean share one body: y = k · Σx, dx += k · g.
static Tensor scaled_sum(const Tensor& x, const char* name, bool average) {
  check_defined(x, name, "input");
  const float k = average ? (x.numel() ? 1.0f / float(x.numel()) : 0.0f) : 1.0f;
  Tensor y = Tensor::empty({}, x.device());
  x.backend().sum(x.numel(), x.data(), y.data());
  if (average) x.backend().scale(1, k, 0.0f, y.data(), y.data());
  if (needs_grad({&x}))
    attach_grad(y, name, {x}, [x, k](const Tensor& g) {
      // dx[n×1] += k · ones[n×1] · g[1×1]: a broadcast that keeps g on the device.
      Tensor ones = Tensor::full({x.numel()}, 1.0f, x.device());
      x.backend().gemm(false, false, x.numel(), 1, 1, k, ones.data(), g.data(), 1.0f,
                       grad_or_null(x));
    });
  return y;
}

Tensor sum(const Tensor& x) { return scaled_sum(x, "sum", false); }
Tensor mean(const Tensor& x) { return scaled_sum(x, "mean", true); }

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined(x, "reshape", "input");
  SG_CHECK(shape_numel(shape) == x.numel(), "reshape: cannot view ", shape_str(x.shape()),
           " (", x.numel(), " values) as ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->data = x.impl()->data;
  Tensor y(std::move(impl));
  if (needs_grad({&x}))
    attach_grad(y, "reshape", {x}, [x](const Tensor& g) {
      x.backend().axpy(x.numel(), 1.0f, g.data(), grad_or_null(x));
    });
  return y;
}

}  // namespace sg

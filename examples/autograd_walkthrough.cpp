// Reverse-mode autograd on a graph small enough to check by hand (docs/autograd.md
// derives every number this prints):
//
//   u = x * w          element-wise product
//   v = u + x          x is used twice: its gradient is the sum of both paths
//   r = relu(v)        the gradient passes where v > 0 and stops where v <= 0
//   L = mse(r, t)      mean over the 3 elements of (r - t)²
//
// The engine records each op as it runs; L.backward() visits the ops in reverse and each
// adds (+=) its inputs' share of the gradient. Only leaves (x, w) keep theirs, so the
// gradients of u, v and r are computed here by the chain rule, and the engine's dL/dx
// and dL/dw are checked against them.
#include <cmath>
#include <cstdio>
#include <vector>

#include "engine/ops.h"     // mul, add, relu, mse
#include "engine/tensor.h"  // Tensor, backward()
#include "kernels/registry.h"  // register_builtin_backends

using namespace sg;
using Values = std::vector<double>;

// + 0.0 prints −0 as 0: a gradient that a product writes first (g·x with g = 0, x < 0) is −0.
static void print(const char* what, const Values& v) {
  std::printf("%-26s [%g, %g, %g]\n", what, v[0] + 0.0, v[1] + 0.0, v[2] + 0.0);
}
static Values values(const Tensor& t) {
  const std::vector<float> f = t.to_vector();
  return Values(f.begin(), f.end());
}

int main() {
  register_builtin_backends();  // the engine has none until the program registers them
  // The leaves we want gradients for, and a constant target.
  Tensor x = Tensor::from_vector({2, -1, 3}, {3}).set_requires_grad(true);
  Tensor w = Tensor::from_vector({0.5f, 1, -0.5f}, {3}).set_requires_grad(true);
  Tensor t = Tensor::from_vector({1, 1, 1}, {3});

  // Forward: each op computes its output and remembers how to send a gradient back.
  Tensor u = mul(x, w), v = add(u, x), r = relu(v), L = mse(r, t);
  std::printf("forward\n");
  print("u = x * w", values(u));
  print("v = u + x", values(v));
  print("r = relu(v)", values(r));
  std::printf("%-26s %g\n", "L = mean((r - t)^2)", double(L.item()));

  // Backward by hand, from the loss down (n = 3 elements).
  const Values X = values(x), W = values(w), V = values(v), R = values(r), T = values(t);
  Values dr(3), dv(3), du(3), dw(3), dx(3);
  for (int i = 0; i < 3; ++i) {
    dr[i] = 2.0 * (R[i] - T[i]) / 3.0;  // d mean((r-t)²) / dr = 2 (r - t) / n
    dv[i] = V[i] > 0 ? dr[i] : 0.0;     // relu passes the gradient where v > 0
    du[i] = dv[i];                      // v = u + x: both inputs get dv
    dw[i] = du[i] * X[i];               // u = x * w: dw = du * x
    dx[i] = du[i] * W[i] + dv[i];       // x's two paths add up: du * w  +  dv
  }
  std::printf("backward (chain rule)\n");
  print("dL/dr = 2 (r - t) / 3", dr);
  print("dL/dv = dL/dr * [v > 0]", dv);
  print("dL/du = dL/dv", du);

  L.backward();  // the engine's reverse pass: fills x.grad() and w.grad()
  std::printf("backward (engine)\n");
  print("dL/dw = dL/du * x", values(w.grad()));
  print("dL/dx = dL/du * w + dL/dv", values(x.grad()));

  // The engine's float gradients must agree with the chain rule.
  const Values gx = values(x.grad()), gw = values(w.grad());
  for (int i = 0; i < 3; ++i)
    if (std::abs(gx[i] - dx[i]) > 1e-6 || std::abs(gw[i] - dw[i]) > 1e-6) {
      std::printf("MISMATCH at element %d\n", i);
      return 1;
    }
  std::printf("engine == chain rule\n");
  return 0;
}

// The op table's entries: every kernel of the backend interface with its shapes (odd
// sizes, sizes that are not multiples of the CUDA kernels' tiles or of a warp, 1-D
// rows), its tolerances and its finite-difference step, stated once and run by
// run_op() (tests/op_table.h) on every backend against kernels/reference/. The
// convolution family (conv2d, conv_relu, maxpool2d, conv_relu_pool) is in
// tests/test_op_table_conv.cpp.
#include <cmath>

#include "engine/random.h"
#include "kernels/reference/adam.h"
#include "kernels/reference/angle_loss.h"
#include "kernels/reference/atan2.h"
#include "kernels/reference/concat_channels.h"
#include "kernels/reference/relu.h"
#include "kernels/reference/upsample2x.h"
#include "kernels/reference/wrap_angle.h"
#include "tests/op_table.h"

using namespace sg;
using namespace sg::test;

namespace {

// C = alpha·op(A)·op(B) + beta·C0 in every transpose, odd sizes, K = 0, and the wide
// 32x128 and 16x256 tiles (N = 32800, 65600). With beta = 0, C0 is NaN: it must not be read.
OpEntry gemm_entry() {
  OpEntry e;
  e.name = "gemm";
  e.op = Op::Gemm;
  e.forward = {1e-4, 1e-5};
  struct Size {
    int64_t M, N, K;
  };
  for (Size z : {Size{1, 1, 1}, Size{70, 33, 17}, Size{64, 64, 16}, Size{3, 130, 100},
                 Size{129, 5, 65}, Size{4, 6, 0}, Size{20, 32800, 3}, Size{9, 65600, 5}})
    for (int t = 0; t < 4; ++t)
      for (float beta : {0.0f, 0.75f}) {
        const bool ta = t & 1, tb = t & 2;
        const float alpha = 1.5f;
        // The wide tiles: every transpose with beta, the epilogue without it once.
        if (z.N > 10000 && beta == 0 && t != 0) continue;
        OpCase c;
        c.shape = "M=" + std::to_string(z.M) + " N=" + std::to_string(z.N) + " K=" +
                  std::to_string(z.K) + (ta ? " Aᵀ" : "") + (tb ? " Bᵀ" : "") +
                  (beta == 0 ? " beta=0" : " beta=0.75");
        c.in = {z.M * z.K, z.K * z.N, z.M * z.N};
        c.out = {z.M * z.N};
        c.draws = {Draw{}, Draw{}, beta == 0 ? Draw{Draw::Nan} : Draw{}};
        c.size_only = z.N > 10000;
        c.forward = [z, ta, tb, alpha, beta](Backend& be, const Ptrs& in, const Ptrs& out) {
          be.copy(z.M * z.N, in[2], out[0]);
          be.gemm(ta, tb, z.M, z.N, z.K, alpha, in[0], in[1], beta, out[0]);
        };
        c.ref_forward = [z, ta, tb, alpha, beta](const DPtrs& in, const DPtrs& out) {
          for (int64_t m = 0; m < z.M; ++m)
            for (int64_t n = 0; n < z.N; ++n) {
              double s = 0;
              for (int64_t k = 0; k < z.K; ++k)
                s += (ta ? in[0][k * z.M + m] : in[0][m * z.K + k]) *
                     (tb ? in[1][n * z.K + k] : in[1][k * z.N + n]);
              const int64_t i = m * z.N + n;
              out[0][i] = alpha * s + (beta == 0 ? 0.0 : beta * in[2][i]);
            }
        };
        e.cases.push_back(c);
      }
  return e;
}

// Reductions: sum (empty, one, not a multiple of a warp or a block, 300,001) and the
// mean squared error with its backward; a fixed order makes them bit-reproducible.
OpEntry sum_entry() {
  OpEntry e;
  e.name = "sum";
  e.op = Op::Sum;
  e.forward = {1e-5, 1e-4};
  for (int64_t n : {0, 1, 33, 1000, 300001}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in = {n};
    c.out = {1};
    c.forward = [n](Backend& be, const Ptrs& in, const Ptrs& out) { be.sum(n, in[0], out[0]); };
    c.ref_forward = [n](const DPtrs& in, const DPtrs& out) {
      out[0][0] = 0;
      for (int64_t i = 0; i < n; ++i) out[0][0] += in[0][i];
    };
    e.cases.push_back(c);
  }
  return e;
}

OpEntry mse_entry() {
  OpEntry e;
  e.name = "mse";
  e.op = Op::Mse;
  e.forward = {1e-5, 1e-6};
  e.backward = {1e-5, 2e-7};
  e.grad = {0.1, 1e-2, 1e-6, 8};  // quadratic: central differences are exact
  e.ref_h = 1e-3;
  for (int64_t n : {0, 1, 33, 1000, 300001}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in = {n, n};
    c.out = {1};
    if (n > 1000) c.max_checked = 3;
    c.forward = [n](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.mse_forward(n, in[0], in[1], out[0]);
    };
    c.ref_forward = [n](const DPtrs& in, const DPtrs& out) {  // mean (a-b)², 0 when empty
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += (in[0][i] - in[1][i]) * (in[0][i] - in[1][i]);
      out[0][0] = n ? s / double(n) : 0.0;
    };
    if (n > 0) {  // da += g·2(a-b)/n, db -= g·2(a-b)/n
      c.backward = [n](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
        be.mse_backward(n, in[0], in[1], dy[0], din[0], din[1]);
      };
      c.ref_backward = [n](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
        for (int64_t i = 0; i < n; ++i) {
          const double g = dy[0][0] * 2 * (in[0][i] - in[1][i]) / double(n);
          if (din[0]) din[0][i] += g;
          if (din[1]) din[1][i] -= g;
        }
      };
    }
    e.cases.push_back(c);
  }
  return e;
}

// Bias of Dense (y[r,c] = y0[r,c] + b[c]) and of NC(S) tensors (y[n,c,s] = y0 + b[c]);
// db sums dy over everything but c. y0 is the layer's output before the bias.
OpEntry bias_entry(bool channels) {
  OpEntry e;
  e.name = channels ? "bias_add_channels" : "bias_add";
  e.op = channels ? Op::BiasAddChannels : Op::BiasAdd;
  e.forward = {1e-6, 1e-6};
  e.backward = {1e-5, 1e-4};
  e.grad = {0.25, 1e-3, 1e-3, 8};  // linear
  e.ref_rtol = 1e-7;
  struct Size {
    int64_t N, C, S;  // Dense: N rows of C columns, S = 1
  };
  const std::vector<Size> sizes = channels
      ? std::vector<Size>{{5, 4, 777}, {2, 3, 1}, {3, 5, 33}, {1, 1, 1}}
      : std::vector<Size>{{1000, 3, 1}, {5, 7, 1}, {1, 1, 1}, {33, 17, 1}};
  for (Size z : sizes) {
    OpCase c;
    c.shape = "N=" + std::to_string(z.N) + " C=" + std::to_string(z.C) + " S=" + std::to_string(z.S);
    const int64_t n = z.N * z.C * z.S;
    c.in = {n, z.C};
    c.out = {n};
    c.differentiable = {false, true};
    c.forward = [z, n, channels](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.copy(n, in[0], out[0]);
      if (channels) be.bias_add_channels(z.N, z.C, z.S, in[1], out[0]);
      else be.bias_add(z.N, z.C, in[1], out[0]);
    };
    c.backward = [z, channels](Backend& be, const Ptrs&, const Ptrs&, const Ptrs& dy,
                               const Ptrs& din) {
      if (channels) be.bias_backward_channels(z.N, z.C, z.S, dy[0], din[1]);
      else be.bias_backward(z.N, z.C, dy[0], din[1]);
    };
    c.ref_forward = [z, n](const DPtrs& in, const DPtrs& out) {
      for (int64_t i = 0; i < n; ++i) out[0][i] = in[0][i] + in[1][(i / z.S) % z.C];
    };
    c.ref_backward = [z, n](const DPtrs&, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
      if (din[1])
        for (int64_t i = 0; i < n; ++i) din[1][(i / z.S) % z.C] += dy[0][i];
    };
    e.cases.push_back(c);
  }
  return e;
}

// ReLU on values at least 0.05 from the kink (so differences stay on one side).
OpEntry relu_entry() {
  OpEntry e;
  e.name = "relu";
  e.op = Op::Relu;
  e.forward = {0, 0};
  e.backward = {1e-6, 1e-7};
  e.grad = {1e-2, 1e-3, 1e-4, 24};
  e.ref_h = 1e-3;
  for (int64_t n : {1, 33, 300, 4097}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in = {n};
    c.out = {n};
    c.draws = {Draw{Draw::AwayFromZero, 0.05}};
    c.forward = [n](Backend& be, const Ptrs& in, const Ptrs& out) { be.relu_forward(n, in[0], out[0]); };
    c.backward = [n](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
      be.relu_backward(n, in[0], dy[0], din[0]);
    };
    c.ref_forward = [n](const DPtrs& in, const DPtrs& out) { ref::relu_forward(n, in[0], out[0]); };
    c.ref_backward = [n](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
      for (int64_t i = 0; i < n; ++i)
        if (din[0] && in[0][i] > 0) din[0][i] += dy[0][i];
    };
    e.cases.push_back(c);
  }
  return e;
}

// The angle head: y = atan2(S, C) of n pairs; dS += dy·C/(S²+C²), dC -= dy·S/(S²+C²).
// (S, C) in all four quadrants, and in [0.3, 1)² where the differences are well conditioned.
OpEntry atan2_entry() {
  OpEntry e;
  e.name = "atan2";
  e.op = Op::Atan2;
  e.forward = {1e-6, 1e-6};
  e.backward = {1e-5, 1e-6};
  e.grad = {1e-2, 1e-2, 2e-3, 24};
  e.ref_h = 1e-5;
  e.ref_rtol = 1e-6;
  for (int64_t n : {9, 33, 1000})
    for (bool quadrants : {true, false}) {
      OpCase c;
      c.shape = "n=" + std::to_string(n) + (quadrants ? ", all quadrants" : ", S, C in [0.3, 1)");
      c.in = {2 * n};
      c.out = {n};
      if (!quadrants) c.draws = {Draw{Draw::Uniform, 0.3, 1.0}};
      else c.max_checked = 0;
      c.forward = [n](Backend& be, const Ptrs& in, const Ptrs& out) { be.atan2_forward(n, in[0], out[0]); };
      c.backward = [n](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
        be.atan2_backward(n, in[0], dy[0], din[0]);
      };
      c.ref_forward = [n](const DPtrs& in, const DPtrs& out) { ref::atan2_forward(n, in[0], out[0]); };
      c.ref_backward = [n](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
        if (!din[0]) return;
        for (int64_t i = 0; i < n; ++i) {
          const double S = in[0][2 * i], C = in[0][2 * i + 1], r2 = S * S + C * C;
          din[0][2 * i] += dy[0][i] * C / r2;
          din[0][2 * i + 1] -= dy[0][i] * S / r2;
        }
      };
      e.cases.push_back(c);
    }
  return e;
}

// The wrap of an angle difference into one period (one-sided and symmetric); its
// backward is the identity, done by the engine.
OpEntry wrap_angle_entry() {
  OpEntry e;
  e.name = "wrap_angle";
  e.op = Op::WrapAngle;
  e.forward = {1e-6, 1e-6};
  const double P = 2 * M_PI;
  for (int64_t n : {7, 1000})
    for (bool sym : {false, true}) {
      OpCase c;
      c.shape = "n=" + std::to_string(n) + (sym ? ", symmetric" : ", one-sided");
      c.in = {n};
      c.out = {n};
      c.draws = {Draw{Draw::Uniform, -7, 7}};
      c.forward = [n, sym, P](Backend& be, const Ptrs& in, const Ptrs& out) {
        be.wrap_angle(n, float(P), sym, in[0], out[0]);
      };
      c.ref_forward = [n, sym, P](const DPtrs& in, const DPtrs& out) {
        ref::wrap_angle(n, double(float(P)), sym, in[0], out[0]);
      };
      e.cases.push_back(c);
    }
  return e;
}

// An op that only copies or adds values: exact forward, one float add per gradient element,
// linear (any finite-difference step is exact).
OpEntry moves_values(const char* name, Op op) {
  OpEntry e;
  e.name = name;
  e.op = op;
  e.forward = {0, 0};
  e.backward = {1e-6, 1e-6};
  e.grad = {0.25, 1e-3, 1e-3, 16};
  e.ref_rtol = 1e-7;
  return e;
}

// Nearest-neighbour x2 up-sampling over planes of HxW; dx sums each 2x2 block of dy.
OpEntry upsample2x_entry() {
  OpEntry e = moves_values("upsample2x", Op::Upsample2x);
  struct Size {
    int64_t P, H, W;
  };
  for (Size z : {Size{6, 4, 5}, Size{3, 7, 9}, Size{1, 1, 1}, Size{2, 17, 33}}) {
    OpCase c;
    c.shape = std::to_string(z.P) + " planes of " + std::to_string(z.H) + "x" + std::to_string(z.W);
    c.in = {z.P * z.H * z.W};
    c.out = {4 * z.P * z.H * z.W};
    c.forward = [z](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.upsample2x_forward(z.P, z.H, z.W, in[0], out[0]);
    };
    c.backward = [z](Backend& be, const Ptrs&, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
      be.upsample2x_backward(z.P, z.H, z.W, dy[0], din[0]);
    };
    c.ref_forward = [z](const DPtrs& in, const DPtrs& out) {
      ref::upsample2x_forward(z.P, z.H, z.W, in[0], out[0]);
    };
    c.ref_backward = [z](const DPtrs&, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
      if (!din[0]) return;
      for (int64_t p = 0; p < z.P; ++p)
        for (int64_t i = 0; i < 2 * z.H; ++i)
          for (int64_t j = 0; j < 2 * z.W; ++j)
            din[0][(p * z.H + i / 2) * z.W + j / 2] += dy[0][(p * 2 * z.H + i) * 2 * z.W + j];
    };
    e.cases.push_back(c);
  }
  return e;
}

// y[n] = [a[n], b[n]] along the channels; the backward splits dy back.
OpEntry concat_entry() {
  OpEntry e = moves_values("concat_channels", Op::ConcatChannels);
  struct Size {
    int64_t N, Ca, Cb, S;
  };
  for (Size z : {Size{2, 3, 5, 16}, Size{3, 1, 2, 7}, Size{1, 4, 1, 33}}) {
    OpCase c;
    c.shape = "N=" + std::to_string(z.N) + " Ca=" + std::to_string(z.Ca) + " Cb=" +
              std::to_string(z.Cb) + " S=" + std::to_string(z.S);
    c.in = {z.N * z.Ca * z.S, z.N * z.Cb * z.S};
    c.out = {z.N * (z.Ca + z.Cb) * z.S};
    c.forward = [z](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.concat_channels_forward(z.N, z.Ca, z.Cb, z.S, in[0], in[1], out[0]);
    };
    c.backward = [z](Backend& be, const Ptrs&, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
      be.concat_channels_backward(z.N, z.Ca, z.Cb, z.S, dy[0], din[0], din[1]);
    };
    c.ref_forward = [z](const DPtrs& in, const DPtrs& out) {
      ref::concat_channels_forward(z.N, z.Ca, z.Cb, z.S, in[0], in[1], out[0]);
    };
    c.ref_backward = [z](const DPtrs&, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
      const int64_t a = z.Ca * z.S, b = z.Cb * z.S;
      for (int64_t n = 0; n < z.N; ++n)
        for (int64_t i = 0; i < a + b; ++i) {
          double* d = i < a ? din[0] : din[1];
          if (d) d[n * (i < a ? a : b) + (i < a ? i : i - a)] += dy[0][n * (a + b) + i];
        }
    };
    e.cases.push_back(c);
  }
  return e;
}

// The element-wise kernels, y[i] = f(inputs[i]), on n = 0, 1, not a multiple of a warp or
// a block, and past the CPU's threshold for OpenMP (2^15). axpy and mul_acc accumulate:
// their y0 is the last input, copied to the output before the kernel runs (as gemm's C0).
OpEntry elementwise_entry(const char* name, Op op, int inputs,
                          std::function<void(Backend&, int64_t n, const Ptrs& in, float* y)> run,
                          std::function<double(const double* v)> f) {
  OpEntry e;
  e.name = name;
  e.op = op;
  e.forward = {1e-6, 1e-6};  // one or two float roundings (the GPU may fuse them)
  for (int64_t n : {0, 1, 33, 1000, 40000}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in.assign(size_t(inputs), n);
    c.out = {n};
    c.forward = [n, run](Backend& be, const Ptrs& in, const Ptrs& out) { run(be, n, in, out[0]); };
    c.ref_forward = [n, inputs, f](const DPtrs& in, const DPtrs& out) {
      std::vector<double> v(static_cast<size_t>(inputs));
      for (int64_t i = 0; i < n; ++i) {
        for (int k = 0; k < inputs; ++k) v[size_t(k)] = in[size_t(k)][i];
        out[0][i] = f(v.data());
      }
    };
    e.cases.push_back(c);
  }
  return e;
}

OpEntry fill_entry() {
  return elementwise_entry("fill", Op::Fill, 0,
      [](Backend& be, int64_t n, const Ptrs&, float* y) { be.fill(n, 0.375f, y); },
      [](const double*) { return 0.375; });
}
OpEntry copy_entry() {
  return elementwise_entry("copy", Op::Copy, 1,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.copy(n, in[0], y); },
      [](const double* v) { return v[0]; });
}
OpEntry axpy_entry() {  // y = y0 + a·x
  return elementwise_entry("axpy", Op::Axpy, 2,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) {
        be.copy(n, in[1], y);
        be.axpy(n, -1.5f, in[0], y);
      },
      [](const double* v) { return v[1] - 1.5 * v[0]; });
}
OpEntry add_entry() {
  return elementwise_entry("add", Op::Add, 2,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.add(n, in[0], in[1], y); },
      [](const double* v) { return v[0] + v[1]; });
}
OpEntry sub_entry() {
  return elementwise_entry("sub", Op::Sub, 2,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.sub(n, in[0], in[1], y); },
      [](const double* v) { return v[0] - v[1]; });
}
OpEntry mul_entry() {
  return elementwise_entry("mul", Op::Mul, 2,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.mul(n, in[0], in[1], y); },
      [](const double* v) { return v[0] * v[1]; });
}
OpEntry mul_acc_entry() {  // y = y0 + a·b
  return elementwise_entry("mul_acc", Op::MulAcc, 3,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) {
        be.copy(n, in[2], y);
        be.mul_acc(n, in[0], in[1], y);
      },
      [](const double* v) { return v[2] + v[0] * v[1]; });
}
OpEntry scale_entry() {  // y = s·x + t
  return elementwise_entry("scale", Op::Scale, 1,
      [](Backend& be, int64_t n, const Ptrs& in, float* y) { be.scale(n, 2.5f, -0.5f, in[0], y); },
      [](const double* v) { return 2.5 * v[0] - 0.5; });
}

// Inverted dropout: y[i] = x[i]·m_i, m_i = 0 where random_uniform32(seed, stream, i) < p,
// else 1/(1-p), the same draw on every backend (engine/random.h), whatever the launch
// shape. (Its backward is the same kernel on dy: tests/test_dropout.cpp.)
OpEntry dropout_entry() {
  OpEntry e;
  e.name = "dropout";
  e.op = Op::Dropout;
  e.forward = {3e-7, 0};  // 1/(1-p) rounded to float, then the product: two roundings
  for (int64_t n : {1, 1000, 100003})
    for (float p : {0.0f, 0.1f, 0.5f}) {
      OpCase c;
      c.shape = "n=" + std::to_string(n) + " p=" + std::to_string(p);
      c.in = {n};
      c.out = {n};
      c.forward = [n, p](Backend& be, const Ptrs& in, const Ptrs& out) {
        be.dropout(n, p, 1234, 77, nullptr, in[0], out[0]);
      };
      c.ref_forward = [n, p](const DPtrs& in, const DPtrs& out) {
        for (int64_t i = 0; i < n; ++i)
          out[0][i] = random_uniform32(1234, 77, uint64_t(i)) < p ? 0.0 : in[0][i] / (1.0 - double(p));
      };
      e.cases.push_back(c);
    }
  return e;
}

// Adam, one step t = 3 on (p0, m0, v0) copied to the outputs (p, m, v): the update runs in
// place. v0 >= 0, as a running mean of squares is.
OpEntry adam_entry() {
  OpEntry e;
  e.name = "adam";
  e.op = Op::Adam;
  e.forward = {1e-5, 1e-6};
  AdamParams a;
  a.lr = 0.01f;
  a.step = 3;
  for (int64_t n : {1, 33, 1000}) {
    OpCase c;
    c.shape = "n=" + std::to_string(n);
    c.in = {n, n, n, n};  // g, p0, m0, v0
    c.out = {n, n, n};    // p, m, v
    c.draws = {Draw{}, Draw{}, Draw{}, Draw{Draw::Uniform, 0, 1}};
    c.forward = [n, a](Backend& be, const Ptrs& in, const Ptrs& out) {
      for (int k = 0; k < 3; ++k) be.copy(n, in[size_t(k + 1)], out[size_t(k)]);
      be.adam_update(n, a, in[0], out[0], out[1], out[2]);
    };
    c.ref_forward = [n, a](const DPtrs& in, const DPtrs& out) {
      for (int k = 0; k < 3; ++k) std::copy(in[size_t(k + 1)], in[size_t(k + 1)] + n, out[size_t(k)]);
      ref::adam_update(n, a, in[0], out[0], out[1], out[2]);
    };
    e.cases.push_back(c);
  }
  return e;
}

// SGD on (p0, vel0) copied to the outputs: vel = μ·vel0 - lr·g, p = p0 + vel; without a
// velocity buffer p = p0 - lr·g.
OpEntry sgd_entry() {
  OpEntry e;
  e.name = "sgd";
  e.op = Op::Sgd;
  e.forward = {1e-6, 1e-6};
  const float lr = 0.1f, mu = 0.9f;
  for (int64_t n : {1, 33, 1000})
    for (bool momentum : {false, true}) {
      OpCase c;
      c.shape = "n=" + std::to_string(n) + (momentum ? ", momentum" : ", no velocity");
      c.in = momentum ? std::vector<int64_t>{n, n, n} : std::vector<int64_t>{n, n};
      c.out = momentum ? std::vector<int64_t>{n, n} : std::vector<int64_t>{n};
      c.forward = [n, momentum, lr, mu](Backend& be, const Ptrs& in, const Ptrs& out) {
        be.copy(n, in[1], out[0]);
        if (momentum) be.copy(n, in[2], out[1]);
        be.sgd_update(n, lr, mu, in[0], out[0], momentum ? out[1] : nullptr);
      };
      c.ref_forward = [n, momentum, lr, mu](const DPtrs& in, const DPtrs& out) {
        for (int64_t i = 0; i < n; ++i) {
          const double step = momentum ? double(mu) * in[2][i] - double(lr) * in[0][i]
                                       : -double(lr) * in[0][i];
          out[0][i] = in[1][i] + step;
          if (momentum) out[1][i] = step;
        }
      };
      e.cases.push_back(c);
    }
  return e;
}

// Shapes: rows in the first quadrant for both images (differences in (-1, 1): away from
// the symmetric and centred wraps' jumps at ±π), or for the one-sided wrap the second
// image in the third quadrant (differences in (-4.1, -2.1): away from its jump at 0), so
// that central differences see a smooth loss; all four quadrants forward only; a size.
OpEntry angle_loss_entry(AngleWrap wrap) {
  OpEntry e;
  e.name = std::string("angle_loss ") + wrap_name(wrap);
  e.op = Op::AngleLoss;
  e.forward = {1e-5, 1e-6};
  e.backward = {1e-4, 1e-6};
  e.grad = {1e-2, 2e-2, 2e-4, 24};  // a float sum over n rows: a smaller step is rounding noise
  e.ref_h = 1e-5;
  e.ref_rtol = 1e-5;
  const double P = 2 * M_PI, t = 0.5;
  struct Shape {
    int64_t n;
    bool quadrants, size;
  };
  for (Shape s : {Shape{0, false, false}, Shape{1, false, false}, Shape{37, false, false},
                  Shape{300, false, false}, Shape{37, true, false}, Shape{5000, false, true}}) {
    const int64_t n = s.n;
    OpCase c;
    c.shape = "n=" + std::to_string(n) + (s.quadrants ? ", all quadrants" : "");
    c.in = {2 * n, 2 * n};
    c.out = {1};
    const Draw first{Draw::Uniform, 0.3, 1.0};
    const Draw second = wrap == AngleWrap::Report ? Draw{Draw::Uniform, -1.0, -0.3} : first;
    if (!s.quadrants) c.draws = {first, second};
    if (s.quadrants) c.max_checked = 0;
    c.size_only = s.size;
    c.forward = [=](Backend& be, const Ptrs& in, const Ptrs& out) {
      be.angle_loss_forward(n, float(P), wrap, float(t), in[0], in[1], out[0]);
    };
    c.ref_forward = [=](const DPtrs& in, const DPtrs& out) {
      out[0][0] = ref::angle_loss_forward(n, double(float(P)), wrap, double(float(t)), in[0], in[1]);
    };
    if (n > 0) {
      c.backward = [=](Backend& be, const Ptrs& in, const Ptrs&, const Ptrs& dy, const Ptrs& din) {
        be.angle_loss_backward(n, float(P), wrap, float(t), in[0], in[1], dy[0], din[0], din[1]);
      };
      c.ref_backward = [=](const DPtrs& in, const DPtrs&, const DPtrs& dy, const DPtrs& din) {
        ref::angle_loss_backward(n, double(float(P)), wrap, double(float(t)), in[0], in[1], dy[0][0],
                                 din[0], din[1]);
      };
    }
    e.cases.push_back(c);
  }
  return e;
}

}  // namespace

TEST_CASE("op table: angle_loss") {
  for (AngleWrap w : {AngleWrap::Report, AngleWrap::Symmetric, AngleWrap::Centred}) run_op(angle_loss_entry(w));
}
TEST_CASE("op table: gemm") { run_op(gemm_entry()); }
TEST_CASE("op table: sum") { run_op(sum_entry()); }
TEST_CASE("op table: mse") { run_op(mse_entry()); }
TEST_CASE("op table: bias_add") { run_op(bias_entry(false)); }
TEST_CASE("op table: bias_add_channels") { run_op(bias_entry(true)); }
TEST_CASE("op table: relu") { run_op(relu_entry()); }
TEST_CASE("op table: atan2") { run_op(atan2_entry()); }
TEST_CASE("op table: wrap_angle") { run_op(wrap_angle_entry()); }
TEST_CASE("op table: upsample2x") { run_op(upsample2x_entry()); }
TEST_CASE("op table: concat_channels") { run_op(concat_entry()); }
TEST_CASE("op table: fill") { run_op(fill_entry()); }
TEST_CASE("op table: copy") { run_op(copy_entry()); }
TEST_CASE("op table: axpy") { run_op(axpy_entry()); }
TEST_CASE("op table: add") { run_op(add_entry()); }
TEST_CASE("op table: sub") { run_op(sub_entry()); }
TEST_CASE("op table: mul") { run_op(mul_entry()); }
TEST_CASE("op table: mul_acc") { run_op(mul_acc_entry()); }
TEST_CASE("op table: scale") { run_op(scale_entry()); }
TEST_CASE("op table: dropout") { run_op(dropout_entry()); }
TEST_CASE("op table: adam") { run_op(adam_entry()); }
TEST_CASE("op table: sgd") { run_op(sgd_entry()); }

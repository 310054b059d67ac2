// The op table: each kernel of the backend interface registers once (tests/test_op_table.cpp)
// with its shapes, tolerances, finite-difference step and a cap on the elements that
// check samples, and run_op() runs every shape on every registered backend:
//   forward   against the double-precision reference (outputs start as NaN: all written);
//   backward  against the reference's backward, accumulated onto nonzero gradients, each
//             gradient also alone (the others null) and all of them null;
//   gradient  the backend's backward against central differences of its own forward,
//             with the step actually applied in float;
//   reference the reference backward against differences of the reference forward;
//   threads   1 and 2 OpenMP threads give the same bits on the CPU; on the others two
//             runs do (no atomics);
// and every output, gradient and input buffer is followed by guard values that must stay
// untouched (inputs must also keep their values).
#pragma once
#include <omp.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/op_harness.h"

namespace sg::test {

using Ptrs = std::vector<float*>;
using DPtrs = std::vector<double*>;

// How an input's values are drawn (exact floats, so float and double runs see the same).
struct Draw {
  enum Kind { Uniform, Levels, Distinct, AwayFromZero, Nan } kind = Uniform;
  double lo = -1, hi = 1;  // Uniform, AwayFromZero (|v| >= lo); Levels: 0..hi-1
};

// One shape of an op: its buffers' sizes and the op's functions bound to that shape.
struct OpCase {
  std::string shape;                      // printed with every failure
  std::vector<int64_t> in, out;           // sizes of inputs and outputs
  std::vector<Draw> draws;                // per input (default Uniform)
  std::vector<bool> differentiable;       // per input (default: all)
  // Per output (default: all); false for an output of indices (conv_relu_pool's `at`),
  // which no gradient flows through: its dy is 0, so it adds nothing to the loss either.
  std::vector<bool> output_has_gradient;
  int64_t max_checked = -1;               // overrides the op's cap (0: no differences)
  // A shape that is there for its size (tiles, many blocks): forward and backward against
  // the reference and the guards only (and the CPU's 1 vs 2 threads).
  bool size_only = false;
  std::function<void(Backend&, const Ptrs& in, const Ptrs& out)> forward;
  // Accumulates into din (a null entry is not wanted); out holds the forward's results.
  std::function<void(Backend&, const Ptrs& in, const Ptrs& out, const Ptrs& dy,
                     const Ptrs& din)> backward;  // empty: forward only
  std::function<void(const DPtrs& in, const DPtrs& out)> ref_forward;
  std::function<void(const DPtrs& in, const DPtrs& out, const DPtrs& dy, const DPtrs& din)>
      ref_backward;
};

struct Tol {
  double rtol = 1e-5, atol = 1e-6;
};

// An op's entry: everything about it that the table needs, stated once.
struct OpEntry {
  std::string name;
  Op op;                    // the backend must support() it
  Tol forward, backward;    // against the reference
  GradTol grad;             // the backend's backward against its own differences
  double ref_h = 1e-3;      // the reference's own difference check, in double
  double ref_rtol = 1e-6;
  std::vector<OpCase> cases;
};

void run_op(const OpEntry& e);  // tests/op_table.cpp

// The wrap's name as configs spell it (train/config.h), for the names of cases.
inline const char* wrap_name(AngleWrap w) {
  return w == AngleWrap::Report ? "report" : w == AngleWrap::Symmetric ? "symmetric" : "centred";
}

}  // namespace sg::test

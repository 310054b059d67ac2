// The check of an element-wise autograd op of two inputs (add, sub, mul), shared by their
// tests: on every backend, its values against the formula in double and its gradients
// against finite differences. The kernels themselves are the op table's.
#pragma once
#include "tests/op_harness.h"

namespace sg::test {

inline void check_binary_op(const char* name, Tensor (*op)(const Tensor&, const Tensor&),
                            double (*formula)(double a, double b)) {
  for (Device d : backends()) {
    CAPTURE(device_name(d));
    const Shape s{3, 5, 7};
    Tensor a = random_tensor(s, 1, d), b = random_tensor(s, 2, d);
    const std::vector<double> va = to_double(a), vb = to_double(b);
    std::vector<double> want;
    for (size_t i = 0; i < va.size(); ++i) want.push_back(formula(va[i], vb[i]));
    check_close(op(a, b).to_vector(), want, 1e-6, 1e-7, name);
    gradcheck(name, [op](auto& in) { return op(in[0], in[1]); }, {a, b});
  }
}

}  // namespace sg::test

// Concatenation on the channel axis (the U-Net's skip connections):
//   y = [a, b] on axis 1;  da += g[:, :Ca], db += g[:, Ca:]
#include <algorithm>

#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor concat_channels(const Tensor& a, const Tensor& b) {
  check_defined(a, "concat", "first operand");
  check_defined(b, "concat", "second operand");
  check_same_device(a, b, "concat");
  Shape sa = a.shape(), sb = b.shape();
  bool ok = sa.size() >= 2 && sa.size() == sb.size() && sa[0] == sb[0] &&
            std::equal(sa.begin() + 2, sa.end(), sb.begin() + 2);
  SG_CHECK(ok, "concat: shapes ", shape_str(sa), " and ", shape_str(sb),
           " differ outside the channel axis");
  const int64_t N = sa[0], Ca = sa[1], Cb = sb[1], S = a.numel() / std::max<int64_t>(1, N * Ca);
  Shape so = sa;
  so[1] = Ca + Cb;
  Tensor y = Tensor::empty(so, a.device());
  a.backend().concat_channels_forward(N, Ca, Cb, S, a.data(), b.data(), y.data());
  if (needs_grad({&a, &b}))
    attach_grad(y, "concat", {a, b}, [a, b, N, Ca, Cb, S](const Tensor& g) {
      a.backend().concat_channels_backward(N, Ca, Cb, S, g.data(), grad_or_null(a),
                                           grad_or_null(b));
    });
  return y;
}

}  // namespace sg

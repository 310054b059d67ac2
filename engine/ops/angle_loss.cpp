// The Difference Model's stereo loss as one op: loss = (1/n) Σ (wrap(φ2 − φ1) − t)², φ =
// atan2(S, C) of each row of sc1, sc2 [n, 2]. Backward, e_i = 2g(w_i − t)/n:
//   (dS2, dC2) += e·(C2, −S2)/r2²,  (dS1, dC1) −= e·(C1, −S1)/r1²   (Backend::angle_loss_*)
#include "engine/ops.h"
#include "engine/ops/common.h"

namespace sg {
using namespace detail;

Tensor angle_loss(const Tensor& sc1, const Tensor& sc2, float period, AngleWrap wrap, float target) {
  check_same_shape(sc1, sc2, "angle_loss");
  check_rank(sc1, 2, "angle_loss", "input");
  SG_CHECK(sc1.dim(1) == 2, "angle_loss: inputs must be [N, 2] (S, C) pairs, got ", shape_str(sc1.shape()));
  SG_CHECK(period > 0.0f, "angle_loss: period must be positive, got ", period);
  const int64_t n = sc1.dim(0);
  Tensor y = Tensor::empty({}, sc1.device());
  sc1.backend().angle_loss_forward(n, period, wrap, target, sc1.data(), sc2.data(), y.data());
  if (needs_grad({&sc1, &sc2}))
    attach_grad(y, "angle_loss", {sc1, sc2}, [sc1, sc2, n, period, wrap, target](const Tensor& g) {
      sc1.backend().angle_loss_backward(n, period, wrap, target, sc1.data(), sc2.data(), g.data(),
                                        grad_or_null(sc1), grad_or_null(sc2));
    });
  return y;
}

}  // namespace sg

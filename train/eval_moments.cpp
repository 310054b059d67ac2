#include "train/eval_moments.h"

#include <cmath>

#include "engine/error.h"

namespace sg {

std::string moments_not_applicable(const Dataset& ds) {
  if (ds.params.projection) return "it reads 2-D images, these are 1-D projections";
  if (ds.order() < 2)
    return "shape '" + ds.params.shape + "' has order 1: the first moment about the centroid is zero";
  return "";
}

MomentEvaluation evaluate_moments(const Dataset& ds, std::ostream& warnings, const std::string& prefix) {
  const std::string why = moments_not_applicable(ds);
  SG_CHECK(why.empty(), prefix, "the closed form does not apply: ", why);
  SG_CHECK(ds.has_angles() && ds.count() > 0, prefix, "the pairs have no true angles");
  MomentOptions opt;
  opt.order = ds.order();
  const int64_t S = ds.params.size;
  const std::vector<MomentResult> r =
      moment_angles(ds.images.data(), ds.count(), ds.sample_floats(), S, S, opt);
  MomentEvaluation e;
  e.flagged = report_flags(r, prefix, warnings);
  e.angles_deg = angles_as_float(r, opt.order);
  std::vector<float> pred, truth;
  for (size_t k = 0; k < r.size(); ++k) {
    if (r[k].flag != MomentFlag::None) continue;
    pred.push_back(e.angles_deg[k]);
    truth.push_back(ds.angles[k]);
  }
  SG_CHECK(!pred.empty(), prefix, "the closed form flagged all ", r.size(), " images: nothing to score");
  e.accuracy = evaluate_angles(pred, truth, opt.order);
  return e;
}

}  // namespace sg

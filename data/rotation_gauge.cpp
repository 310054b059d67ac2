#include "data/rotation_gauge.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace sg {

namespace {
constexpr double kInlierDeg = 15;   // Procrustes refits on predictions this close
constexpr size_t kCandidates = 64;  // samples whose C_i = R_i^T P_i are tried
constexpr size_t kScoreSamples = 256;
}  // namespace

std::vector<MirrorOption> mirror_options(const Quat& improper, bool with_mirror) {
  std::vector<MirrorOption> o{{Quat{}, Quat{}}};
  if (with_mirror) o.push_back({axis_angle({0, 0, 1}, 180), improper});
  return o;
}

Mat3 nearest_rotation(const Mat3& m) {
  Eigen::Matrix3d a;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) a(i, j) = m.m[i][j];
  Eigen::JacobiSVD<Eigen::Matrix3d> svd(a, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::Matrix3d d = Eigen::Matrix3d::Identity();
  d(2, 2) = (svd.matrixU() * svd.matrixV().transpose()).determinant() < 0 ? -1 : 1;
  const Eigen::Matrix3d r = svd.matrixU() * d * svd.matrixV().transpose();
  Mat3 out;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) out.m[i][j] = r(i, j);
  return out;
}

OrientationMatch match_orientation(const Quat& truth, const Quat& pred, const Quat& gauge,
                                   const std::vector<Quat>& group,
                                   const std::vector<MirrorOption>& options, int only) {
  OrientationMatch best;
  const Quat pc = mul(pred, conj(gauge));
  for (size_t o = 0; o < options.size(); ++o) {
    if (only >= 0 && size_t(only) != o) continue;
    const Quat b = mul(mul(conj(options[o].left), pc), conj(options[o].right));
    for (size_t g = 0; g < group.size(); ++g) {
      const double e = geodesic_deg(truth, mul(b, group[g]));
      if (e < best.error_deg) best = {e, int(o), int(g)};
    }
  }
  return best;
}

GaugeFit fit_gauge(const std::vector<Quat>& pred, const std::vector<Quat>& truth,
                   const std::vector<Quat>& group, const std::vector<MirrorOption>& options,
                   const std::vector<int>& only) {
  SG_CHECK(!pred.empty() && pred.size() == truth.size(), "gauge fit: ", pred.size(),
           " predictions for ", truth.size(), " true orientations");
  SG_CHECK(only.empty() || only.size() == pred.size(), "gauge fit: ", only.size(),
           " option restrictions for ", pred.size(), " predictions");
  const size_t n = pred.size();
  auto restrict_to = [&](size_t i) { return only.empty() ? -1 : only[i]; };
  // Robust score of a gauge on an evenly spaced subset: sum of min(e, 2 * inlier).
  auto score = [&](const Quat& c) {
    const size_t step = std::max<size_t>(1, n / kScoreSamples);
    double s = 0;
    for (size_t i = 0; i < n; i += step)
      s += std::min(2 * kInlierDeg,
                    match_orientation(truth[i], pred[i], c, group, options, restrict_to(i)).error_deg);
    return s;
  };
  Quat best = mul(conj(truth[0]), pred[0]);
  double best_score = score(best);
  const size_t step = std::max<size_t>(1, n / kCandidates);
  for (size_t i = step; i < n; i += step) {
    const Quat c = mul(conj(truth[i]), pred[i]);
    const double s = score(c);
    if (s < best_score) best = c, best_score = s;
  }
  // Procrustes on the inliers' matched (L, g, Rt): C maximises tr(C^T sum A_i^T P_i),
  // A_i = L R_i g^-1 Rt.
  for (int iter = 0; iter < 5; ++iter) {
    Mat3 m;
    m.m[0][0] = m.m[1][1] = m.m[2][2] = 0;
    int inliers = 0;
    for (size_t i = 0; i < n; ++i) {
      const OrientationMatch k = match_orientation(truth[i], pred[i], best, group, options, restrict_to(i));
      if (k.error_deg > kInlierDeg) continue;
      ++inliers;
      const MirrorOption& o = options[size_t(k.option)];
      // e's match R = L^T P C^T Rt^T g, so P = L R g^-1 Rt C.
      const Mat3 a = to_matrix(mul(mul(mul(o.left, truth[i]), conj(group[size_t(k.g)])), o.right));
      const Mat3 p = to_matrix(pred[i]);
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c)
          for (int k3 = 0; k3 < 3; ++k3) m.m[r][c] += a.m[k3][r] * p.m[k3][c];
    }
    if (inliers < 3) break;
    best = to_quat(nearest_rotation(m));
  }
  GaugeFit fit{best, std::vector<double>(n)};
  for (size_t i = 0; i < n; ++i)
    fit.error_deg[i] = match_orientation(truth[i], pred[i], best, group, options, restrict_to(i)).error_deg;
  return fit;
}

}  // namespace sg

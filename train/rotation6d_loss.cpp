#include "train/rotation6d_loss.h"

#include <cmath>

#include "engine/error.h"

namespace sg {

namespace {
constexpr double kTiny = 1e-8;  // below this a column of the 6-D output has no direction

using V = Vec3;
V operator-(const V& a, const V& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
V operator+(const V& a, const V& b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
V operator*(double s, const V& a) { return {s * a.x, s * a.y, s * a.z}; }
double norm(const V& a) { return std::sqrt(dot(a, a)); }
V column(const Mat3& m, int j) { return {m.m[0][j], m.m[1][j], m.m[2][j]}; }
Mat3 transpose(const Mat3& a) {
  Mat3 t;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) t.m[i][j] = a.m[j][i];
  return t;
}
// The Gram-Schmidt steps shared by forward and backward.
struct Steps {
  V a1, a2, b1, u2, b2, b3;
  double n1 = 0, n2 = 0;
};
Steps steps(const float* x) {
  Steps s;
  s.a1 = {x[0], x[1], x[2]};
  s.a2 = {x[3], x[4], x[5]};
  s.n1 = norm(s.a1);
  SG_CHECK(std::isfinite(s.n1) && s.n1 > kTiny, "rotation head: the first 3-vector is zero or not finite");
  s.b1 = (1 / s.n1) * s.a1;
  s.u2 = s.a2 - dot(s.b1, s.a2) * s.b1;
  s.n2 = norm(s.u2);
  SG_CHECK(std::isfinite(s.n2) && s.n2 > kTiny, "rotation head: the second 3-vector is parallel to the first");
  s.b2 = (1 / s.n2) * s.u2;
  s.b3 = cross(s.b1, s.b2);
  return s;
}
}  // namespace

Mat3 rotation_from_6d(const float* x) {
  const Steps s = steps(x);
  Mat3 f;
  const V cols[3] = {s.b1, s.b2, s.b3};
  for (int j = 0; j < 3; ++j) f.m[0][j] = cols[j].x, f.m[1][j] = cols[j].y, f.m[2][j] = cols[j].z;
  return f;
}

// Backward, step by step in reverse (g_v = dL/dv):
//   b3 = b1 x b2:        g_b1 += b2 x g_b3,  g_b2 += g_b3 x b1
//   b2 = u2/|u2|:        g_u2 = (g_b2 - b2 (b2.g_b2)) / |u2|
//   u2 = a2 - (b1.a2)b1: g_a2 = g_u2 - b1 (b1.g_u2),  g_b1 -= (b1.a2) g_u2 + a2 (b1.g_u2)
//   b1 = a1/|a1|:        g_a1 = (g_b1 - b1 (b1.g_b1)) / |a1|
void rotation_from_6d_backward(const float* x, const Mat3& dF, double* dx) {
  const Steps s = steps(x);
  const V g3 = column(dF, 2);
  V g1 = column(dF, 0) + cross(s.b2, g3);
  const V g2 = column(dF, 1) + cross(g3, s.b1);
  const V gu = (1 / s.n2) * (g2 - dot(s.b2, g2) * s.b2);
  const V ga2 = gu - dot(s.b1, gu) * s.b1;
  g1 = g1 - (dot(s.b1, s.a2) * gu + dot(s.b1, gu) * s.a2);
  const V ga1 = (1 / s.n1) * (g1 - dot(s.b1, g1) * s.b1);
  const double out[6] = {ga1.x, ga1.y, ga1.z, ga2.x, ga2.y, ga2.z};
  for (int i = 0; i < 6; ++i) dx[i] = out[i];
}

// E = A - M F1 N at the minimiser: dL/dA = 2E, dL/dF1 = -2 M^T E N^T.
double group_min_residual(const Mat3& a, const Mat3& f1, const std::vector<Relation>& relations,
                          double weight, Mat3& da, Mat3& df1) {
  double best = -1;
  Mat3 be, bm, bn;
  for (const Relation& r : relations) {
    const Mat3& m = r.left;
    const Mat3 mf = mul(m, f1);
    for (const Mat3& n : *r.rights) {
      const Mat3 p = mul(mf, n);
      Mat3 e;
      double l = 0;
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          e.m[i][j] = a.m[i][j] - p.m[i][j];
          l += e.m[i][j] * e.m[i][j];
        }
      if (best < 0 || l < best) best = l, be = e, bm = m, bn = n;
    }
  }
  const Mat3 g = mul(mul(transpose(bm), be), transpose(bn));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      da.m[i][j] += weight * 2 * be.m[i][j];
      df1.m[i][j] -= weight * 2 * g.m[i][j];
    }
  return best;
}

namespace {
// G and G h as matrices.
void group_matrices(const std::vector<Quat>& group, const Quat& improper, std::vector<Mat3>& g, std::vector<Mat3>& gh) {
  for (const Quat& q : group) {
    g.push_back(to_matrix(q));
    gh.push_back(to_matrix(mul(q, improper)));
  }
}
}  // namespace

double supervised_rotation_loss(const float* x, const std::vector<Quat>& truth, const std::vector<Quat>& group,
                                const Quat& improper, std::vector<float>& grad) {
  std::vector<Mat3> g, gh;
  group_matrices(group, improper, g, gh);
  const Mat3 flip = to_matrix(axis_angle({0, 0, 1}, 180));
  const size_t n = truth.size();
  grad.assign(6 * n, 0.0f);
  double loss = 0;
  const double w = 1.0 / double(std::max<size_t>(n, 1));
  for (size_t i = 0; i < n; ++i) {
    const Mat3 f = rotation_from_6d(x + 6 * i);
    Mat3 df, unused;
    df.m[0][0] = df.m[1][1] = df.m[2][2] = 0;
    loss += w * group_min_residual(f, to_matrix(truth[i]), {{Mat3{}, &g}, {flip, &gh}}, w, df, unused);
    double dx[6];
    rotation_from_6d_backward(x + 6 * i, df, dx);
    for (int c = 0; c < 6; ++c) grad[6 * i + size_t(c)] = float(dx[c]);
  }
  return loss;
}

EquivarianceTerms equivariance_loss(const EquivarianceBatch& b, const std::vector<Quat>& group,
                                    const Quat& improper, std::vector<float>& grad) {
  const int64_t B = b.pairs;
  SG_CHECK(B > 0 && int64_t(b.gamma_rad.size()) == B, "equivariance loss: ", b.gamma_rad.size(),
           " in-plane angles for ", B, " pairs");
  std::vector<Mat3> g, gh;
  group_matrices(group, improper, g, gh);
  const double deg = 180 / M_PI;
  const Mat3 tilt = to_matrix(axis_angle({1, 0, 0}, b.delta_rad * deg)),
             untilt = to_matrix(axis_angle({1, 0, 0}, -b.delta_rad * deg));
  grad.assign(size_t(3 * B * 6), 0.0f);
  EquivarianceTerms t;
  t.weight = b.pair_weight;
  const double w = 1.0 / double(B);
  for (int64_t i = 0; i < B; ++i) {
    const float* x1 = b.x + 6 * i;
    const float* x2 = b.x + 6 * (B + i);
    const float* x3 = b.x + 6 * (2 * B + i);
    const Mat3 f1 = rotation_from_6d(x1), f2 = rotation_from_6d(x2), f3 = rotation_from_6d(x3);
    Mat3 d1, d2, d3;
    for (Mat3* d : {&d1, &d2, &d3}) d->m[0][0] = d->m[1][1] = d->m[2][2] = 0;
    t.pair += w * group_min_residual(f2, f1, {{tilt, &g}, {untilt, &g}}, w * b.pair_weight, d2, d1);
    const double gam = b.gamma_rad[size_t(i)] * deg;
    t.inplane += w * group_min_residual(f3, f1,
                                        {{to_matrix(axis_angle({0, 0, 1}, gam)), &g},
                                         {to_matrix(axis_angle({0, 0, 1}, gam + 180)), &gh}},
                                        w, d3, d1);
    const float* xs[3] = {x1, x2, x3};
    const Mat3* ds[3] = {&d1, &d2, &d3};
    for (int k = 0; k < 3; ++k) {
      double dx[6];
      rotation_from_6d_backward(xs[k], *ds[k], dx);
      for (int c = 0; c < 6; ++c) grad[size_t(6 * (k * B + i) + c)] = float(dx[c]);
    }
  }
  return t;
}

}  // namespace sg

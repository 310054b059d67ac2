#include "data/polyhedra.h"

#include <algorithm>
#include <cmath>

#include "engine/error.h"

namespace sg {

namespace {

constexpr double kPhi = 1.6180339887498948482;
constexpr double kTol = 1e-9;

bool same_rotation(const Quat& a, const Quat& b) {
  return std::fabs(a.w * b.w + a.x * b.x + a.y * b.y + a.z * b.z) > 1 - 1e-12;
}

// Solves [a; b; c] u = (da, db, dc) by Cramer's rule; false when the planes do not meet
// in one point.
bool meet(const Vec3& a, const Vec3& b, const Vec3& c, double da, double db, double dc, Vec3& u) {
  const Vec3 bc = cross(b, c), ca = cross(c, a), ab = cross(a, b);
  const double det = dot(a, bc);
  if (std::fabs(det) < 1e-12) return false;
  u = {(da * bc.x + db * ca.x + dc * ab.x) / det, (da * bc.y + db * ca.y + dc * ab.y) / det,
       (da * bc.z + db * ca.z + dc * ab.z) / det};
  return true;
}

std::vector<Vec3> compute_vertices(const Polyhedron& p) {
  const size_t f = p.normals.size();
  std::vector<Vec3> out;
  for (size_t i = 0; i < f; ++i)
    for (size_t j = i + 1; j < f; ++j)
      for (size_t k = j + 1; k < f; ++k) {
        Vec3 u;
        if (!meet(p.normals[i], p.normals[j], p.normals[k], p.offsets[i], p.offsets[j],
                  p.offsets[k], u))
          continue;
        bool inside = true;
        for (size_t q = 0; q < f && inside; ++q) inside = dot(p.normals[q], u) <= p.offsets[q] + kTol;
        const bool seen = std::any_of(out.begin(), out.end(), [&](const Vec3& v) {
          return std::fabs(v.x - u.x) + std::fabs(v.y - u.y) + std::fabs(v.z - u.z) < 1e-7;
        });
        if (inside && !seen) out.push_back(u);
      }
  return out;
}

// Divergence theorem with the field u/3: V = (1/3) sum_f (n_f . u) A_f = (1/3) sum_f d_f A_f.
// A face's vertices are sorted by angle about their centroid in the face plane; its area
// is half the sum of (v_i x v_i+1) . n.
double compute_volume(const Polyhedron& p) {
  double v = 0;
  for (size_t f = 0; f < p.normals.size(); ++f) {
    const Vec3 n = p.normals[f];
    std::vector<Vec3> face;
    for (const Vec3& u : p.vertices)
      if (std::fabs(dot(n, u) - p.offsets[f]) < 1e-7) face.push_back(u);
    if (face.size() < 3) continue;
    Vec3 c;
    for (const Vec3& u : face) c = {c.x + u.x / face.size(), c.y + u.y / face.size(), c.z + u.z / face.size()};
    const Vec3 e1 = normalised(Vec3{face[0].x - c.x, face[0].y - c.y, face[0].z - c.z});
    const Vec3 e2 = cross(n, e1);
    auto angle = [&](const Vec3& u) {
      const Vec3 d{u.x - c.x, u.y - c.y, u.z - c.z};
      return std::atan2(dot(d, e2), dot(d, e1));
    };
    std::sort(face.begin(), face.end(), [&](const Vec3& a, const Vec3& b) { return angle(a) < angle(b); });
    double area = 0;
    for (size_t i = 0; i < face.size(); ++i) area += dot(cross(face[i], face[(i + 1) % face.size()]), n);
    v += p.offsets[f] * 0.5 * area / 3;
  }
  return v;
}

void add_face(Polyhedron& p, const Vec3& n, double d) {
  p.normals.push_back(normalised(n));
  p.offsets.push_back(d);
}

// Every sign combination of (a, b, c), each distinct vector once.
void add_signed(Polyhedron& p, const Vec3& n, double d) {
  for (int s = 0; s < 8; ++s) {
    const Vec3 m{s & 1 ? -n.x : n.x, s & 2 ? -n.y : n.y, s & 4 ? -n.z : n.z};
    bool dup = false;
    for (const Vec3& q : p.normals) dup = dup || dot(q, normalised(m)) > 1 - 1e-12;
    if (!dup) add_face(p, m, d);
  }
}

}  // namespace

const std::vector<std::string>& polyhedron_names() {
  static const std::vector<std::string> names{"cube", "octahedron", "cuboctahedron", "decahedron",
                                              "icosahedron"};
  return names;
}

std::string polyhedron_names_text() {
  std::string s;
  for (const auto& n : polyhedron_names()) s += (s.empty() ? "" : "|") + n;
  return s;
}

bool is_polyhedron(const std::string& name) {
  const auto& n = polyhedron_names();
  return std::find(n.begin(), n.end(), name) != n.end();
}

std::vector<Quat> close_group(const std::vector<Quat>& generators, size_t limit) {
  std::vector<Quat> g{Quat{}};
  for (size_t i = 0; i < g.size(); ++i)
    for (const Quat& s : generators) {
      const Quat h = mul(g[i], s);
      if (std::none_of(g.begin(), g.end(), [&](const Quat& e) { return same_rotation(e, h); }))
        g.push_back(h);
      SG_CHECK(g.size() <= limit, "close_group: more than ", limit, " elements");
    }
  return g;
}

bool maps_onto_itself(const Polyhedron& p, const Quat& g, bool inverted) {
  const Mat3 r = to_matrix(g);
  const double sign = inverted ? -1 : 1;
  for (size_t f = 0; f < p.normals.size(); ++f) {
    const Vec3 gm = apply(r, p.normals[f]), m{sign * gm.x, sign * gm.y, sign * gm.z};
    bool found = false;
    for (size_t e = 0; e < p.normals.size() && !found; ++e)
      found = dot(m, p.normals[e]) > 1 - kTol && std::fabs(p.offsets[e] - p.offsets[f]) < kTol;
    if (!found) return false;
  }
  return true;
}

Polyhedron make_polyhedron(const std::string& name, double ino) {
  SG_CHECK(is_polyhedron(name), "unknown polyhedron '", one_line(name), "': use ",
           polyhedron_names_text());
  Polyhedron p;
  p.name = name;
  const Quat z90 = axis_angle({0, 0, 1}, 90), x90 = axis_angle({1, 0, 0}, 90);
  std::vector<Quat> gens{z90, x90};
  p.group_name = "O";
  size_t order = 24;
  if (name == "cube" || name == "cuboctahedron") {
    for (const Vec3& e : {Vec3{1, 0, 0}, Vec3{0, 1, 0}, Vec3{0, 0, 1}}) {
      add_face(p, e, 1);
      add_face(p, {-e.x, -e.y, -e.z}, 1);
    }
  }
  if (name == "octahedron" || name == "cuboctahedron")
    add_signed(p, {1, 1, 1}, name == "octahedron" ? 1 : 2 / std::sqrt(3.0));
  if (name == "icosahedron") {
    // The 20 face planes of a regular icosahedron are all at one distance (1 here).
    add_signed(p, {1, 1, 1}, 1);
    for (const Vec3& n : {Vec3{0, kPhi, 1 / kPhi}, Vec3{kPhi, 1 / kPhi, 0}, Vec3{1 / kPhi, 0, kPhi}})
      add_signed(p, n, 1);
    gens = {axis_angle({0, 1, kPhi}, 72), axis_angle({1, 1, 1}, 120)};
    p.group_name = "I";
    order = 60;
  }
  if (name == "decahedron") {
    SG_CHECK(ino > std::cos(72 * M_PI / 180) && ino <= 1,
             "decahedron: ino (the {100} facets' distance from the axis, a fraction of the "
             "equatorial radius) must be in (0.309, 1], got ", ino);
    const double rho = 1, h = rho * std::sin(M_PI / 5), rm = rho * std::cos(M_PI / 5);
    for (int k = 0; k < 5; ++k) {
      const double a = (72.0 * k + 36) * M_PI / 180;
      // The face through the apex (0, 0, +-h) and the equatorial edge at distance rm:
      // normal proportional to (h cos a, h sin a, +-rm), offset n . apex.
      for (double s : {1.0, -1.0}) {
        const Vec3 n = normalised(Vec3{h * std::cos(a), h * std::sin(a), s * rm});
        add_face(p, n, std::fabs(n.z) * h);
      }
      if (ino < 1) add_face(p, {std::cos(72.0 * k * M_PI / 180), std::sin(72.0 * k * M_PI / 180), 0}, ino * rho);
    }
    gens = {axis_angle({0, 0, 1}, 72), axis_angle({1, 0, 0}, 180)};
    p.improper = axis_angle({0, 0, 1}, 180);
    p.group_name = "D5";
    order = 10;
  }
  p.vertices = compute_vertices(p);
  double r = 0;
  for (const Vec3& v : p.vertices) r = std::max(r, std::sqrt(dot(v, v)));
  for (double& d : p.offsets) d /= r;
  for (Vec3& v : p.vertices) v = {v.x / r, v.y / r, v.z / r};
  p.volume = compute_volume(p);
  p.group = close_group(gens);
  SG_CHECK(p.group.size() == order, name, ": rotation group has ", p.group.size(),
           " elements, expected ", order);
  for (const Quat& g : p.group)
    SG_CHECK(maps_onto_itself(p, g), name, ": a group element does not map the faces onto themselves");
  SG_CHECK(maps_onto_itself(p, p.improper, true), name, ": its improper symmetry does not map the faces onto themselves");
  return p;
}

}  // namespace sg

#include "data/shapes.h"

#include <algorithm>
#include <cmath>

#include "data/angles.h"
#include "data/polyhedra.h"
#include "engine/error.h"

namespace sg {

namespace {
// Sub-samples lie within sqrt(2)/2 * (k-1)/k of the pixel centre; a pixel whose centre
// is farther than this from the boundary is uniform (the distance bound is 1-Lipschitz).
constexpr double kUniformMargin = 0.7072;

// The pose's inverse rotation and scale, shared by render() and render_reference() so
// the two compute every sub-sample with the same operations.
struct Frame {
  double cx, cy, cr, sr, msr;  // cos/radius, sin/radius, -sin/radius
  // (x, y) in pixel coordinates -> (u, v) in the shape's frame.
  void map(double x, double y, double& u, double& v) const {
    const double dx = x - cx, dy = y - cy;
    u = cr * dx + sr * dy;
    v = msr * dx + cr * dy;
  }
};

Frame make_frame(const Pose& p) {
  double c, s;
  cos_sin_deg(p.theta_deg, c, s);
  return Frame{p.cx, p.cy, c / p.radius, s / p.radius, -(s / p.radius)};
}

// Fraction of the k x k sub-samples of pixel (i, j) inside the shape.
float coverage(const ParticleShape& shape, const Frame& f, int k, int64_t i, int64_t j) {
  int count = 0;
  for (int b = 0; b < k; ++b) {
    const double y = double(i) + (b + 0.5) / k;
    for (int a = 0; a < k; ++a) {
      double u, v;
      f.map(double(j) + (a + 0.5) / k, y, u, v);
      count += shape.inside(u, v);
    }
  }
  return float(count) / float(k * k);
}
}  // namespace

void cos_sin_deg(double deg, double& c, double& s) {
  double r = std::fmod(deg, 360.0);
  if (r < 0) r += 360.0;
  const int quadrant = std::min(3, int(r / 90.0));
  const double rem = (r - 90.0 * quadrant) * (kPi / 180.0);  // exact subtraction
  const double c0 = rem == 0.0 ? 1.0 : std::cos(rem), s0 = rem == 0.0 ? 0.0 : std::sin(rem);
  switch (quadrant) {
    case 0:
      c = c0, s = s0;
      break;
    case 1:
      c = -s0, s = c0;
      break;
    case 2:
      c = -c0, s = -s0;
      break;
    default:
      c = s0, s = -c0;
      break;
  }
}

const char* shape_names() { return "square|polygon|s|t"; }

ParticleShape::ParticleShape(ShapeKind kind, std::string name, int sides, int order)
    : kind_(kind), name_(std::move(name)), sides_(sides), order_(order) {}

ParticleShape ParticleShape::make(const std::string& name, int sides) {
  if (name == "square") return square();
  if (name == "polygon") return polygon(sides);
  if (name == "s" || name == "S") return letter_s();
  if (name == "t" || name == "T") return letter_t();
  fail("unknown shape '", name, "' (expected one of ", shape_names(), "; 3-D, gen only: ",
       polyhedron_names_text(), ")");
}

ParticleShape ParticleShape::polygon(int sides) {
  SG_CHECK(sides >= 3 && sides <= 360, "a regular polygon needs 3 to 360 sides, got ", sides);
  ParticleShape p(sides == 4 ? ShapeKind::Square : ShapeKind::Polygon,
                  sides == 4 ? "square" : "polygon", sides, sides);
  // Edge normals at 360 k / n degrees; the corners sit halfway between them, so n = 4
  // is the axis-aligned square.
  for (int k = 0; k < sides; ++k) {
    double c, s;
    cos_sin_deg(360.0 * k / sides, c, s);
    p.nx_.push_back(c);
    p.ny_.push_back(s);
  }
  p.apothem_ = std::cos(kPi / sides);
  return p;
}

ParticleShape ParticleShape::square() { return polygon(4); }

// Rectangles in design units (y down); from_boxes moves the centroid to the origin and
// scales the circumradius to 1.
ParticleShape ParticleShape::letter_s() {
  // top bar (long, overhangs right), upper-left stem, middle bar, lower-right stem,
  // bottom bar (short): a blocky S whose arms differ, so it has no symmetry at all.
  return from_boxes(ShapeKind::S, "s",
                    {{-1.5, -2.5, 2.0, -1.5},
                     {-1.5, -1.5, -0.5, -0.5},
                     {-1.5, -0.5, 1.5, 0.5},
                     {0.5, 0.5, 1.5, 1.5},
                     {-1.0, 1.5, 1.5, 2.5}});
}

ParticleShape ParticleShape::letter_t() {
  return from_boxes(ShapeKind::T, "t", {{-1.5, -1.5, 1.5, -0.5}, {-0.5, -0.5, 0.5, 1.5}});
}

ParticleShape ParticleShape::from_boxes(ShapeKind kind, std::string name, std::vector<Box> boxes) {
  ParticleShape p(kind, std::move(name), 0, 1);
  double area = 0, mx = 0, my = 0;
  for (const Box& b : boxes) {
    const double a = (b.x1 - b.x0) * (b.y1 - b.y0);
    area += a;
    mx += a * 0.5 * (b.x0 + b.x1);
    my += a * 0.5 * (b.y0 + b.y1);
  }
  mx /= area;
  my /= area;
  double r2 = 0;
  for (const Box& b : boxes)
    for (double x : {b.x0, b.x1})
      for (double y : {b.y0, b.y1}) r2 = std::max(r2, (x - mx) * (x - mx) + (y - my) * (y - my));
  const double scale = 1.0 / std::sqrt(r2);
  for (Box& b : boxes)
    b = Box{(b.x0 - mx) * scale, (b.y0 - my) * scale, (b.x1 - mx) * scale, (b.y1 - my) * scale};
  for (const Box& b : boxes)
    p.centred_.push_back(CentredBox{0.5 * (b.x0 + b.x1), 0.5 * (b.y0 + b.y1), 0.5 * (b.x1 - b.x0),
                                    0.5 * (b.y1 - b.y0)});
  p.boxes_ = std::move(boxes);
  return p;
}

double ParticleShape::area(double radius) const {
  if (boxes_.empty()) return 0.5 * sides_ * std::sin(2 * kPi / sides_) * radius * radius;
  double a = 0;
  for (const Box& b : boxes_) a += (b.x1 - b.x0) * (b.y1 - b.y0);
  return a * radius * radius;
}

double ParticleShape::perimeter(double radius) const {
  if (boxes_.empty()) return 2.0 * sides_ * std::sin(kPi / sides_) * radius;
  // Sum of the rectangles' perimeters less twice every edge two rectangles share.
  auto overlap = [](double a0, double a1, double b0, double b1) {
    return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
  };
  auto touch = [](double a, double b) { return std::abs(a - b) < 1e-9; };
  double p = 0;
  for (size_t i = 0; i < boxes_.size(); ++i) {
    const Box& a = boxes_[i];
    p += 2 * ((a.x1 - a.x0) + (a.y1 - a.y0));
    for (size_t j = i + 1; j < boxes_.size(); ++j) {
      const Box& b = boxes_[j];
      if (touch(a.x1, b.x0) || touch(b.x1, a.x0)) p -= 2 * overlap(a.y0, a.y1, b.y0, b.y1);
      if (touch(a.y1, b.y0) || touch(b.y1, a.y0)) p -= 2 * overlap(a.x0, a.x1, b.x0, b.x1);
    }
  }
  return p * radius;
}

double ParticleShape::distance(double u, double v) const {
  if (boxes_.empty()) {
    // Convex polygon: the largest signed distance to an edge's line.
    double d = -1e300;
    for (size_t k = 0; k < nx_.size(); ++k) d = std::max(d, nx_[k] * u + ny_[k] * v - apothem_);
    return d;
  }
  // Union of rectangles: the smallest of their exact signed distances.
  double d = 1e300;
  for (const CentredBox& b : centred_) {
    const double dx = std::abs(u - b.mx) - b.hx, dy = std::abs(v - b.my) - b.hy;
    const double ox = std::max(dx, 0.0), oy = std::max(dy, 0.0);
    d = std::min(d, std::sqrt(ox * ox + oy * oy) + std::min(std::max(dx, dy), 0.0));
  }
  return d;
}

bool ParticleShape::inside(double u, double v) const {
  // The same comparisons as distance() <= 0: for a polygon every edge term is <= 0;
  // a rectangle's distance is <= 0 exactly when both dx and dy are.
  if (centred_.empty()) {
    for (size_t k = 0; k < nx_.size(); ++k)
      if (nx_[k] * u + ny_[k] * v - apothem_ > 0) return false;
    return true;
  }
  for (const CentredBox& b : centred_)
    if (std::abs(u - b.mx) - b.hx <= 0 && std::abs(v - b.my) - b.hy <= 0) return true;
  return false;
}

void render(const ParticleShape& shape, const Pose& pose, int supersample, int64_t h, int64_t w,
            float* out) {
  SG_CHECK(supersample >= 1, "render: supersample must be >= 1, got ", supersample);
  SG_CHECK(pose.radius > 0, "render: radius must be positive, got ", pose.radius);
  std::fill(out, out + h * w, 0.0f);
  const Frame f = make_frame(pose);
  // Only pixels whose centre is within radius + 1 of the centroid can be touched.
  const double reach = pose.radius + 1.0;
  const int64_t i0 = std::max<int64_t>(0, int64_t(std::floor(pose.cy - reach)));
  const int64_t i1 = std::min<int64_t>(h, int64_t(std::ceil(pose.cy + reach)) + 1);
  const int64_t j0 = std::max<int64_t>(0, int64_t(std::floor(pose.cx - reach)));
  const int64_t j1 = std::min<int64_t>(w, int64_t(std::ceil(pose.cx + reach)) + 1);
  for (int64_t i = i0; i < i1; ++i) {
    for (int64_t j = j0; j < j1; ++j) {
      if (supersample == 1) {
        out[i * w + j] = coverage(shape, f, 1, i, j);
        continue;
      }
      double u, v;
      f.map(double(j) + 0.5, double(i) + 0.5, u, v);
      const double d = shape.distance(u, v) * pose.radius;  // pixels
      if (d > kUniformMargin) continue;
      out[i * w + j] = d < -kUniformMargin ? 1.0f : coverage(shape, f, supersample, i, j);
    }
  }
}

Image render(const ParticleShape& shape, const Pose& pose, int supersample, int64_t size) {
  Image img(size, size);
  render(shape, pose, supersample, size, size, img.px.data());
  return img;
}

Image render_reference(const ParticleShape& shape, const Pose& pose, int supersample,
                       int64_t size) {
  Image img(size, size);
  const Frame f = make_frame(pose);
  for (int64_t i = 0; i < size; ++i)
    for (int64_t j = 0; j < size; ++j) img.at(i, j) = coverage(shape, f, supersample, i, j);
  return img;
}

}  // namespace sg

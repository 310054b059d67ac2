// The particle shapes of the report (§2.1, figures 2.5-2.7) and their rasteriser.
//
// Every shape lives in its own frame: origin at its centroid, y pointing down like the
// image rows, scaled so its farthest point is at distance 1 (circumradius 1). A Pose
// places it in an image: centroid at (cx, cy) in pixel coordinates, circumradius
// `radius` pixels, rotated by theta degrees. Rotation is the plain rotation matrix in
// pixel coordinates (x right, y down), i.e. clockwise as displayed; this is the
// convention of skimage.transform.radon, so a sinogram of our shapes is skimage's
// radon transform of the shape at theta = 0.
//
//   square       order n = 4, edges parallel to the axes at theta = 0
//   polygon N    regular N-gon, order n = N (N = 4 is the square)
//   s            blocky 'S' with unequal arms: no rotational and no mirror symmetry,
//                so no two orientations share a projection (figure 2.7); n = 1
//   t            'T' (figure 2.6): n = 1 but mirror symmetric, so its projections at
//                theta and -theta are mirror images
//
// Rasterising with supersampling factor k: each pixel holds the fraction of its k x k
// sub-samples, at ((j + (a + 0.5)/k), (i + (b + 0.5)/k)), that fall inside the shape.
// k = 1 samples the pixel centre only and gives the report's binary images.
#pragma once
#include <string>
#include <vector>

#include "data/image.h"

namespace sg {

enum class ShapeKind { Square, Polygon, S, T };

class ParticleShape {
 public:
  // "square", "polygon" (sides >= 3), "s" or "t"; throws sg::Error otherwise.
  static ParticleShape make(const std::string& name, int sides = 0);
  static ParticleShape square();
  static ParticleShape polygon(int sides);
  static ParticleShape letter_s();
  static ParticleShape letter_t();

  ShapeKind kind() const { return kind_; }
  const std::string& name() const { return name_; }  // "square", "polygon", "s", "t"
  int sides() const { return sides_; }               // polygon corners; 0 for s and t
  int order() const { return order_; }               // rotational order n
  bool mirror_symmetric() const { return kind_ != ShapeKind::S; }

  // Exact area and perimeter at circumradius `radius` (pixels).
  double area(double radius) const;
  double perimeter(double radius) const;

  // Signed distance bound at (u, v) in the shape's frame: negative inside, positive
  // outside, never larger in magnitude than the true distance to the boundary (so it
  // is 1-Lipschitz).
  double distance(double u, double v) const;
  // Exactly distance(u, v) <= 0, without the square root.
  bool inside(double u, double v) const;

 private:
  struct Box {
    double x0, y0, x1, y1;
  };
  struct CentredBox {
    double mx, my, hx, hy;  // centre and half sizes
  };
  ParticleShape(ShapeKind kind, std::string name, int sides, int order);
  static ParticleShape from_boxes(ShapeKind kind, std::string name, std::vector<Box> boxes);

  ShapeKind kind_;
  std::string name_;
  int sides_ = 0, order_ = 1;
  std::vector<double> nx_, ny_;      // polygon edge normals
  double apothem_ = 0;               // polygon: distance of the edges from the centre
  std::vector<Box> boxes_;           // s, t: non-overlapping rectangles, normalised frame
  std::vector<CentredBox> centred_;  // the same rectangles, as the distance tests use them
};

// Names accepted by ParticleShape::make, for help texts: "square|polygon|s|t".
const char* shape_names();

struct Pose {
  double cx = 0, cy = 0;  // centroid, pixel coordinates
  double radius = 1;      // circumradius, pixels
  double theta_deg = 0;   // rotation, degrees, clockwise as displayed
};

// cos and sin of an angle in degrees, exact at multiples of 90 degrees, so a square at
// theta and at theta + 90 is rasterised to identical bytes.
void cos_sin_deg(double deg, double& c, double& s);

// Rasterises into out[h * w] (overwritten). Fast path: pixels farther than half a
// pixel diagonal from the boundary are filled without sub-sampling.
void render(const ParticleShape& shape, const Pose& pose, int supersample, int64_t h, int64_t w,
            float* out);
Image render(const ParticleShape& shape, const Pose& pose, int supersample, int64_t size);

// The plain reference: every sub-sample of every pixel is tested. render() must match
// it bit for bit (tests/test_data_shapes.cpp).
Image render_reference(const ParticleShape& shape, const Pose& pose, int supersample, int64_t size);

}  // namespace sg

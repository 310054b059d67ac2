// The closed-form orientation of an n-fold symmetric particle: the phase of its n-th
// complex moment about the intensity centroid (docs/moments.md derives it).
//
//   M_n = Σ_{x ∈ support} w(x) · (z − z₀)ⁿ,   z = x + i·y (pixel coordinates, y down),
//   w = I − b (background removed),            z₀ = Σ w·z / Σ w,
//   θ = arg(−M_n) / n, in degrees in [0°, 360°/n).
//
// The renderer (data/shapes.h) turns a shape by z → e^{iθ}·z about its centroid, which
// multiplies M_n by e^{inθ}. Its regular n-gon at θ = 0 has edge normals at 360°·k/n and
// corners at 180°/n + 360°·k/n, where the phase of M_n points: M_n is a negative real
// number there, so the minus sign makes θ the renderer's angle exactly (no offset).
// n = 1 is refused: the first moment about the centroid is zero by definition.
//
// The support is found from the image alone: background b = median of the border
// pixels, noise σ = 1.4826 · their median absolute deviation; the image's 3x3 box mean
// (white noise's variance / 9) is cut at Otsu's threshold into 8-connected components;
// the largest is the particle, grown by `dilate` pixels so that partly covered edge
// pixels below the threshold count. The moment sums the unsmoothed I − b. An image is
// flagged, and gets no angle (NaN), when
//   no particle       the largest component is smaller than min_area pixels, or its mean
//                     stands less than min_contrast·σ above b (a threshold inside noise)
//   touches border    the particle's component reaches the outermost row or column
//   several particles a second component holds at least several_fraction of its pixels
//   no n-fold shape   |M_n| / Σ |w|·|z − z₀|ⁿ < min_anisotropy (a disc: no phase to read)
#pragma once
#include <complex>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace sg {

struct MomentOptions {
  int order = 4;                   // rotational order n >= 2
  int dilate = 1;                  // grow the particle's component by this many pixels
  int64_t min_area = 4;            // pixels, for a component to be a particle
  double min_contrast = 2.0;       // particle mean above the background, in noise σ
  double several_fraction = 0.1;   // a second component this large (of the first) is a particle
  double min_anisotropy = 0.002;   // |M_n| / Σ|w||z − z₀|ⁿ below this: no n-fold shape

  void validate() const;  // throws sg::Error naming the bad option
};

enum class MomentFlag { None, NoParticle, TouchesBorder, SeveralParticles, NoAnisotropy };

// What the flag means, for a warning line: "no particle (all background)", ...
const char* flag_text(MomentFlag f);

struct MomentResult {
  double angle_deg = 0;  // in [0, 360/n); NaN when flagged
  MomentFlag flag = MomentFlag::None;
  double background = 0, noise = 0, threshold = 0;
  int64_t area = 0;        // pixels of the particle's component (3x3 mean above the threshold)
  int64_t support = 0;     // pixels summed over (the component grown by `dilate`)
  int components = 0;      // components of at least min_area pixels
  double anisotropy = 0;   // |M_n| / Σ |w|·|z − z₀|ⁿ, in [0, 1]
};

// The plain sum over a given support (mask[i·w + j] != 0), the math the estimator rests
// on: M_n about the weighted centroid of w = I − background. `centroid` (may be null)
// receives z₀ = x₀ + i·y₀ in pixel coordinates (pixel (i, j) centred at (j + ½, i + ½)),
// `absolute` (may be null) Σ |w|·|z − z₀|ⁿ. Throws when Σ w is not positive.
std::complex<double> central_moment(const float* px, int64_t h, int64_t w,
                                    const std::vector<uint8_t>& mask, double background, int n,
                                    std::complex<double>* centroid = nullptr,
                                    double* absolute = nullptr);

// θ = arg(−M_n)/n in degrees, reduced into [0, 360/n).
double moment_phase_angle_deg(std::complex<double> m, int n);

// The support of the image's particle (mask of h·w bytes) and the diagnostics above;
// result.angle_deg is left 0. Empty mask when no particle was found.
std::vector<uint8_t> find_support(const float* px, int64_t h, int64_t w, const MomentOptions& opt,
                                  MomentResult& result);

// Support, moment and flags of one image [h, w].
MomentResult moment_angle(const float* px, int64_t h, int64_t w, const MomentOptions& opt);

// `count` images of [h, w], image k at images + k·stride (stride = h·w for a stack, 2·h·w
// for the first images of stereo pairs); in parallel, the same result for any thread count.
std::vector<MomentResult> moment_angles(const float* images, int64_t count, int64_t stride,
                                        int64_t h, int64_t w, const MomentOptions& opt);

// The angles as float32, NaN where flagged; a double just below 360/n that rounds up to
// it becomes 0, so every angle stays in [0, 360/n).
std::vector<float> angles_as_float(const std::vector<MomentResult>& results, int order);

// One line per flagged image, "<prefix>image 12: touches the border: angle NaN", then,
// if any were flagged, a summary "<prefix>3 of 1000 images flagged (angle NaN): 1 no
// particle, 2 touches the border". Returns the number flagged.
int64_t report_flags(const std::vector<MomentResult>& results, const std::string& prefix,
                     std::ostream& os);

}  // namespace sg

// The input of the full-orientation model (docs/particles3d.md, "Task full"): an image
// resampled about its centre of mass, optionally turned in plane, and scaled to mean 1.
//
// Turning the image by gamma about the particle's centre gives the projection of
// R_z(gamma) R (the beam is z, so a rotation about it moves the projection rigidly; exact
// up to the pixel grid): with c the frame centre ((h-1)/2, (w-1)/2) and m the centre of
// mass, both in index coordinates (x = column, y = row),
//   out(p) = in(m + R(-gamma) (p - c)),   R(a) = [[cos a, -sin a], [sin a, cos a]],
// bilinear, zero outside the frame. gamma = 0 only centres. Then out is scaled to mean 1:
// a thickness image's total is the particle's volume, so this removes the size's and the
// dose's scale and leaves the network inputs of order 1. An empty image stays zero.
#pragma once
#include <cstdint>

namespace sg {

void turned_input(const float* in, int64_t h, int64_t w, double gamma_deg, float* out);

}  // namespace sg

// Reference convolution: plain loops in double precision, the documentation of what
// every backend's conv computes (geometry.h gives the formula). Stride 1, zero padding.
#pragma once
#include "engine/geometry.h"

namespace sg::ref {

// y[n,k,oy,ox] = b[k] + sum_{c,r,s} x[n,c,oy+r-ph,ox+s-pw] · w[k,c,r,s]; b may be null.
void conv2d_forward(const ConvGeom& g, const double* x, const double* w, const double* b,
                    double* y);
// dx[n,c,iy,ix] += sum_{k,r,s} dy[n,k,iy-r+ph,ix-s+pw] · w[k,c,r,s]   (in-range terms only)
void conv2d_backward_data(const ConvGeom& g, const double* dy, const double* w, double* dx);
// dw[k,c,r,s] += sum_{n,oy,ox} dy[n,k,oy,ox] · x[n,c,oy+r-ph,ox+s-pw];  db[k] += sum dy[n,k,·,·]
void conv2d_backward_filter(const ConvGeom& g, const double* x, const double* dy, double* dw,
                            double* db);

}  // namespace sg::ref

// Angles in degrees on a circle of some period: the reductions every angle-handling file
// of data/ and train/ uses, in one place.
#pragma once
#include <cmath>

namespace sg {

constexpr double kPi = 3.14159265358979323846;

// x reduced into [0, period).
inline double wrap_positive(double x, double period = 360.0) {
  const double r = x - period * std::floor(x / period);
  return r >= period ? 0.0 : r;  // x a hair below a multiple of the period
}

// x reduced into [−period/2, period/2).
inline double wrap_symmetric(double x, double period = 360.0) {
  return wrap_positive(x + 0.5 * period, period) - 0.5 * period;
}

}  // namespace sg

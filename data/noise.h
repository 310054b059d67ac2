// Detector noise for the synthetic HAADF-STEM images.
//
//   uniform background   v += U[0, a): the report's model (§2.1) of the carbon support
//                        film under the particle, added to every pixel.
//   shot noise           v = Poisson(dose * v) / dose: electron counting at `dose`
//                        electrons per pixel of full coverage, the more realistic HAADF
//                        option. The mean is kept and the variance is v / dose.
//
// Both draw from the caller's Rng in pixel order, so a sample's noise depends only on
// its own generator (data/pairs.h gives sample i the generator Rng(seed, i)).
#pragma once
#include <cstddef>
#include <cstdint>

#include "engine/random.h"

namespace sg {

void add_uniform_noise(float* px, size_t n, double amplitude, Rng& rng);
void add_shot_noise(float* px, size_t n, double dose, Rng& rng);

// A Poisson(mean) draw: multiplication of uniforms below mean 10, Hormann's transformed
// rejection (PTRS, the method NumPy uses) above.
uint64_t sample_poisson(double mean, Rng& rng);

}  // namespace sg

// The Difference Model's CNN (report figures 2.1 and 2.9): three blocks of
// Conv (3-wide, ReLU) → MaxPooling (2) → Dropout (0.1), Flatten, Dense 16 (ReLU),
// Dense 2 (linear) giving (S, C) ≈ (sin nθ, cos nθ). 2-D convs are 'valid'
// (64 → 62 → … → 6×6×16 = 576); the 1-D convs are 'same' (64 → … → 8×16 = 128).
#pragma once
#include <memory>

#include "engine/layers/sequential.h"

namespace sg {

enum class Dims { One, Two };

// An unbuilt CNN for inputs of `size` pixels (size×size in 2-D, size in 1-D).
std::unique_ptr<Sequential> make_difference_cnn(Dims dims);
// The per-sample input shape: [1, size, size] or [1, size].
Shape difference_input_shape(Dims dims, int64_t size);

}  // namespace sg

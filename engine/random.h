// Counter-based random numbers: the value at (seed, stream, index) is a pure function,
// so results never depend on the thread count or on the order work is scheduled in.
// The mixer is SplitMix64's finaliser (Steele, Lea, Flood 2014), applied twice.
#pragma once
#include <cmath>
#include <cstdint>

// Marks the counter-based functions callable from CUDA kernels too (nvcc only).
#if defined(__CUDACC__)
#define SG_HOST_DEVICE __host__ __device__
#else
#define SG_HOST_DEVICE
#endif

namespace sg {

// U is uint64_t, or a vector of them (GCC's vector extension: the CPU's dropout mixes 8
// lanes at once).
template <class U>
SG_HOST_DEVICE inline U mix64_lanes(U z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
SG_HOST_DEVICE inline uint64_t mix64(uint64_t z) { return mix64_lanes(z); }

// The part of random_bits shared by every index of a stream.
SG_HOST_DEVICE inline uint64_t random_key(uint64_t seed, uint64_t stream) {
  return mix64(seed ^ mix64(stream));
}

// 64 random bits for element `index` of stream `stream` under `seed`.
SG_HOST_DEVICE inline uint64_t random_bits(uint64_t seed, uint64_t stream, uint64_t index) {
  return mix64(random_key(seed, stream) + index);
}

// Uniform float in [0, 1) with 24 random bits (exactly representable).
SG_HOST_DEVICE inline float random_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return float(random_bits(seed, stream, index) >> 40) * (1.0f / 16777216.0f);
}

// 32 random bits for element `index`, two elements per hash: of h = mix64(key + index/2),
// the low half for an even index and the high half for an odd one (each half of SplitMix64's
// output is as well mixed as the whole). Dropout's draw: half the 64-bit multiplies of
// random_bits per element, which are its whole cost.
SG_HOST_DEVICE inline uint32_t random_bits32(uint64_t key, uint64_t index) {
  return uint32_t(mix64(key + (index >> 1)) >> (32 * (index & 1)));
}

// The same as a uniform double in [0, 1) (exact: 32 bits), for references and tests.
SG_HOST_DEVICE inline double random_uniform32(uint64_t seed, uint64_t stream, uint64_t index) {
  return double(random_bits32(random_key(seed, stream), index)) * (1.0 / 4294967296.0);
}

// random_uniform32(seed, stream, index) < p for p in [0, 1), without the double:
// u·2⁻³² < p ⟺ u < ⌈p·2³²⌉ (at most 2³² − 2⁸ for a float p < 1). The threshold once per
// call, then per index one integer compare:
SG_HOST_DEVICE inline uint32_t random_below_threshold(float p) {
  return uint32_t(ceil(double(p) * 4294967296.0));
}
SG_HOST_DEVICE inline bool random_below(uint64_t key, uint64_t index, uint32_t threshold) {
  return random_bits32(key, index) < threshold;
}

// A sequential generator over the same function, for code that draws one value after
// another (initialisers, data generation). Its whole state is (seed, stream, counter),
// which is what a checkpoint stores to resume bit-identically.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) : seed_(seed), stream_(stream) {}
  uint64_t next_u64() { return random_bits(seed_, stream_, counter_++); }
  // Uniform double in [0, 1) with 53 random bits.
  double uniform() { return double(next_u64() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Standard normal by Box-Muller (two draws per value; keeps the state simple).
  double normal() {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Integer in [0, n).
  uint64_t below(uint64_t n) { return n ? next_u64() % n : 0; }

  uint64_t seed() const { return seed_; }
  uint64_t stream() const { return stream_; }
  uint64_t counter() const { return counter_; }
  void set_counter(uint64_t c) { counter_ = c; }

 private:
  uint64_t seed_, stream_, counter_ = 0;
};

}  // namespace sg

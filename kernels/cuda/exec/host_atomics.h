// CUDA's atomic functions for the CPU executor (included by host_exec.h). They are real
// atomics (GCC __atomic builtins), so they stay correct if host threads ever share the
// memory; each one also tells the race detector that a shared-memory update is atomic.
#pragma once
#include <cstddef>

namespace sg::exec::detail {

void note_atomic(const void* p);  // host_exec.cpp

// old = *p; *p = f(old); return old — for the operations GCC has no builtin for.
template <typename T, typename F>
T atomic_update(T* p, F f) {
  note_atomic(p);
  T old;
  __atomic_load(p, &old, __ATOMIC_RELAXED);
  T desired;
  do {
    desired = f(old);
  } while (!__atomic_compare_exchange(p, &old, &desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return old;
}

template <typename T>
T atomic_fetch_add(T* p, T v) {
  note_atomic(p);
  return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

template <typename T>
T exchange(T* p, T v) {
  return atomic_update(p, [v](T) { return v; });
}

template <typename T>
T compare_swap(T* p, T compare, T v) {
  return atomic_update(p, [compare, v](T old) { return old == compare ? v : old; });
}

}  // namespace sg::exec::detail

inline int atomicAdd(int* p, int v) { return sg::exec::detail::atomic_fetch_add(p, v); }
inline unsigned atomicAdd(unsigned* p, unsigned v) { return sg::exec::detail::atomic_fetch_add(p, v); }
inline unsigned long long atomicAdd(unsigned long long* p, unsigned long long v) {
  return sg::exec::detail::atomic_fetch_add(p, v);
}
inline float atomicAdd(float* p, float v) {
  return sg::exec::detail::atomic_update(p, [v](float old) { return old + v; });
}
inline double atomicAdd(double* p, double v) {
  return sg::exec::detail::atomic_update(p, [v](double old) { return old + v; });
}
inline int atomicSub(int* p, int v) { return sg::exec::detail::atomic_fetch_add(p, -v); }
inline unsigned atomicSub(unsigned* p, unsigned v) { return sg::exec::detail::atomic_fetch_add(p, 0u - v); }

inline int atomicExch(int* p, int v) { return sg::exec::detail::exchange(p, v); }
inline unsigned atomicExch(unsigned* p, unsigned v) { return sg::exec::detail::exchange(p, v); }
inline unsigned long long atomicExch(unsigned long long* p, unsigned long long v) { return sg::exec::detail::exchange(p, v); }
inline float atomicExch(float* p, float v) { return sg::exec::detail::exchange(p, v); }

inline int atomicMax(int* p, int v) {
  return sg::exec::detail::atomic_update(p, [v](int old) { return old > v ? old : v; });
}
inline unsigned atomicMax(unsigned* p, unsigned v) {
  return sg::exec::detail::atomic_update(p, [v](unsigned old) { return old > v ? old : v; });
}
inline unsigned long long atomicMax(unsigned long long* p, unsigned long long v) {
  return sg::exec::detail::atomic_update(p, [v](unsigned long long old) { return old > v ? old : v; });
}
inline int atomicMin(int* p, int v) {
  return sg::exec::detail::atomic_update(p, [v](int old) { return old < v ? old : v; });
}
inline unsigned atomicMin(unsigned* p, unsigned v) {
  return sg::exec::detail::atomic_update(p, [v](unsigned old) { return old < v ? old : v; });
}
inline unsigned long long atomicMin(unsigned long long* p, unsigned long long v) {
  return sg::exec::detail::atomic_update(p, [v](unsigned long long old) { return old < v ? old : v; });
}

inline int atomicCAS(int* p, int compare, int v) { return sg::exec::detail::compare_swap(p, compare, v); }
inline unsigned atomicCAS(unsigned* p, unsigned compare, unsigned v) { return sg::exec::detail::compare_swap(p, compare, v); }
inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long compare, unsigned long long v) {
  return sg::exec::detail::compare_swap(p, compare, v);
}

inline int atomicAnd(int* p, int v) { return sg::exec::detail::atomic_update(p, [v](int o) { return o & v; }); }
inline unsigned atomicAnd(unsigned* p, unsigned v) {
  return sg::exec::detail::atomic_update(p, [v](unsigned o) { return o & v; });
}
inline int atomicOr(int* p, int v) { return sg::exec::detail::atomic_update(p, [v](int o) { return o | v; }); }
inline unsigned atomicOr(unsigned* p, unsigned v) {
  return sg::exec::detail::atomic_update(p, [v](unsigned o) { return o | v; });
}
inline int atomicXor(int* p, int v) { return sg::exec::detail::atomic_update(p, [v](int o) { return o ^ v; }); }
inline unsigned atomicXor(unsigned* p, unsigned v) {
  return sg::exec::detail::atomic_update(p, [v](unsigned o) { return o ^ v; });
}
// ((old >= v) ? 0 : old + 1) and (((old == 0) || (old > v)) ? v : old - 1), as on a device.
inline unsigned atomicInc(unsigned* p, unsigned v) {
  return sg::exec::detail::atomic_update(p, [v](unsigned o) { return o >= v ? 0u : o + 1; });
}
inline unsigned atomicDec(unsigned* p, unsigned v) {
  return sg::exec::detail::atomic_update(p, [v](unsigned o) { return (o == 0 || o > v) ? v : o - 1; });
}

// Cooperative fibers for the CPU executor: each CUDA thread of a block runs on its own
// small stack, and control passes explicitly between a fiber and the scheduler that
// owns the OS thread. Nothing here knows about CUDA; host_exec.cpp builds on it.
//
// On x86-64 a switch is a dozen instructions (the callee-saved registers); elsewhere it
// falls back to ucontext, whose swapcontext makes a sigprocmask system call per switch
// (~0.3 us). Define SG_EXEC_UCONTEXT to force the fallback.
// Under AddressSanitizer every switch is announced with __sanitizer_start_switch_fiber /
// __sanitizer_finish_switch_fiber, so ASan checks kernels like any other code.
#pragma once
#include <cstddef>
#include <deque>
#include <vector>

#include "engine/asan.h"  // SG_ASAN

#if !defined(__x86_64__) && !defined(SG_EXEC_UCONTEXT)
#define SG_EXEC_UCONTEXT 1
#endif
#if defined(SG_EXEC_UCONTEXT)
#include <ucontext.h>
#endif

namespace sg::exec::detail {

using FiberEntry = void (*)(void*);

// A place execution can be suspended in and resumed from: the scheduler's own stack
// (stack_lo == nullptr until ASan tells us its bounds) or a fiber's stack.
struct Fiber {
  char* stack_lo = nullptr;  // lowest usable byte of the stack
  std::size_t stack_size = 0;
  FiberEntry entry = nullptr;
  void* arg = nullptr;
#if defined(SG_EXEC_UCONTEXT)
  ucontext_t uc{};
#else
  void* sp = nullptr;  // saved stack pointer while suspended
#endif
  void* asan_fake_stack = nullptr;
};

// Prepares `f` (which must own a stack) to run entry(arg) when it is next switched to.
// The entry function must never return: it ends by switching away for good.
void fiber_start(Fiber& f, FiberEntry entry, void* arg);

// Suspends the caller into `from` and resumes `to`. `from_finished` says the caller will
// never be resumed (lets ASan drop its fake stack).
void fiber_switch(Fiber& from, Fiber& to, bool from_finished = false);

// Fiber stacks, allocated once per pool with a PROT_NONE guard page below each stack
// (a stack overflow faults instead of corrupting a neighbour) and reused by every launch.
class FiberPool {
 public:
  FiberPool() = default;
  FiberPool(const FiberPool&) = delete;
  FiberPool& operator=(const FiberPool&) = delete;
  ~FiberPool();

  // At least n fibers with stacks; grows, never shrinks.
  void reserve(std::size_t n);
  Fiber& operator[](std::size_t i) { return fibers_[i]; }

  static constexpr std::size_t kStackBytes =
#if defined(SG_ASAN)
      256 * 1024;  // ASan's redzones and fake frames need more room
#else
      64 * 1024;
#endif

 private:
  struct Mapping {
    void* base;
    std::size_t bytes;
  };
  std::deque<Fiber> fibers_;  // a deque: fibers never move (a ucontext_t points into itself)
  std::vector<Mapping> mappings_;
};

}  // namespace sg::exec::detail

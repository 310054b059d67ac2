// Fiber stacks and the context switch (see fiber.h).
#include "kernels/cuda/exec/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "engine/error.h"

#if defined(SG_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace sg::exec::detail {
namespace {

// The fiber being switched to and the one being left, for the side that lands.
thread_local Fiber* t_switch_to = nullptr;
thread_local Fiber* t_switch_from = nullptr;

// Runs on the landing side of every switch: tells ASan the switch is complete and, the
// first time we come from the scheduler, learns the bounds of the scheduler's stack.
void finish_switch(Fiber& self) {
#if defined(SG_ASAN)
  const void* from_lo = nullptr;
  std::size_t from_size = 0;
  __sanitizer_finish_switch_fiber(self.asan_fake_stack, &from_lo, &from_size);
  if (t_switch_from != nullptr && t_switch_from->stack_lo == nullptr) {
    t_switch_from->stack_lo = static_cast<char*>(const_cast<void*>(from_lo));
    t_switch_from->stack_size = from_size;
  }
#else
  (void)self;
#endif
}

// First code a fresh fiber runs.
[[noreturn]] void fiber_main(Fiber* f) {
  finish_switch(*f);
  f->entry(f->arg);
  std::abort();  // entries end by switching away; reaching here is a bug in the executor
}

}  // namespace

#if defined(SG_EXEC_UCONTEXT)

namespace {
void ucontext_main() { fiber_main(t_switch_to); }
}  // namespace

void fiber_start(Fiber& f, FiberEntry entry, void* arg) {
  f.entry = entry;
  f.arg = arg;
  if (getcontext(&f.uc) != 0) fail("CPU executor: getcontext failed");
  f.uc.uc_stack.ss_sp = f.stack_lo;
  f.uc.uc_stack.ss_size = f.stack_size;
  f.uc.uc_link = nullptr;
  makecontext(&f.uc, ucontext_main, 0);
#if defined(SG_ASAN)
  __asan_unpoison_memory_region(f.stack_lo, f.stack_size);  // frames of an aborted run
  f.asan_fake_stack = nullptr;  // a fresh start has no fake stack to resume
#endif
}

#else  // x86-64: our own switch

extern "C" void sg_exec_switch_stack(void** save_sp, void* load_sp);
extern "C" void sg_exec_fiber_trampoline();

// sg_exec_switch_stack pushes the registers the System V ABI makes callee-saved, stores
// the stack pointer in *save_sp, switches to load_sp and pops the same frame there. The
// MXCSR and x87 control words are callee-saved too, but kernels never change them, so
// all fibers share the OS thread's (saving them was most of the cost of a switch). A
// fresh fiber's frame (fiber_start) "returns" into sg_exec_fiber_trampoline, which calls
// r13(r12) = fiber_main(fiber); its CFI marks it as the outermost frame, so unwinders
// and debuggers stop there.
asm(R"(
  .pushsection .text
  .p2align 4
  .globl sg_exec_switch_stack
  .hidden sg_exec_switch_stack
  .type sg_exec_switch_stack,@function
sg_exec_switch_stack:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size sg_exec_switch_stack, .-sg_exec_switch_stack

  .p2align 4
  .globl sg_exec_fiber_trampoline
  .hidden sg_exec_fiber_trampoline
  .type sg_exec_fiber_trampoline,@function
sg_exec_fiber_trampoline:
  .cfi_startproc
  .cfi_undefined rip
  movq %r12, %rdi
  callq *%r13
  ud2
  .cfi_endproc
  .size sg_exec_fiber_trampoline, .-sg_exec_fiber_trampoline
  .popsection
)");

void fiber_start(Fiber& f, FiberEntry entry, void* arg) {
  f.entry = entry;
  f.arg = arg;
  // The frame sg_exec_switch_stack pops, lowest address first; the top of the stack is
  // 16-byte aligned and the return address sits just below it, so the trampoline's call
  // sees the alignment the ABI asks for.
  const auto top = reinterpret_cast<std::uintptr_t>(f.stack_lo + f.stack_size) & ~std::uintptr_t{15};
  auto* frame = reinterpret_cast<std::uint64_t*>(top) - 7;
  frame[0] = 0;                                               // r15
  frame[1] = 0;                                               // r14
  frame[2] = reinterpret_cast<std::uint64_t>(&fiber_main);    // r13
  frame[3] = reinterpret_cast<std::uint64_t>(&f);             // r12
  frame[4] = 0;                                               // rbx
  frame[5] = 0;                                               // rbp
  frame[6] = reinterpret_cast<std::uint64_t>(&sg_exec_fiber_trampoline);  // return address
  f.sp = frame;
#if defined(SG_ASAN)
  __asan_unpoison_memory_region(f.stack_lo, f.stack_size);  // frames of an aborted run
  f.asan_fake_stack = nullptr;  // a fresh start has no fake stack to resume
#endif
}

#endif

void fiber_switch(Fiber& from, Fiber& to, bool from_finished) {
  t_switch_from = &from;
  t_switch_to = &to;
#if defined(SG_ASAN)
  __sanitizer_start_switch_fiber(from_finished ? nullptr : &from.asan_fake_stack, to.stack_lo,
                                 to.stack_size);
#else
  (void)from_finished;
#endif
#if defined(SG_EXEC_UCONTEXT)
  if (swapcontext(&from.uc, &to.uc) != 0) fail("CPU executor: swapcontext failed");
#else
  sg_exec_switch_stack(&from.sp, to.sp);
#endif
  finish_switch(from);  // we are `from` again, resumed by someone
}

FiberPool::~FiberPool() {
  for (const Mapping& m : mappings_) munmap(m.base, m.bytes);
}

void FiberPool::reserve(std::size_t n) {
  if (fibers_.size() >= n) return;
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t per_fiber = page + kStackBytes;  // guard page, then the stack
  const std::size_t count = n - fibers_.size();
  const std::size_t bytes = count * per_fiber;
  void* base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) fail("CPU executor: cannot map ", bytes, " bytes of fiber stacks");
  mappings_.push_back({base, bytes});
  for (std::size_t i = 0; i < count; ++i) {
    char* guard = static_cast<char*>(base) + i * per_fiber;
    if (mprotect(guard, page, PROT_NONE) != 0) fail("CPU executor: cannot protect a stack guard page");
    Fiber& f = fibers_.emplace_back();
    f.stack_lo = guard + page;
    f.stack_size = kStackBytes;
  }
}

}  // namespace sg::exec::detail

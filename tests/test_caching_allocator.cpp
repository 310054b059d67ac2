// The caching allocator (engine/caching_allocator.h) with a counting system allocator,
// and the CPU backend's use of it: from the second training step on, no system calls.
#include <cstdlib>

#include "engine/caching_allocator.h"
#include "engine/optim/optimizer.h"
#include "kernels/cpu/backend.h"
#include "models/difference.h"
#include "tests/op_harness.h"

using namespace sg;
using namespace sg::test;

namespace {
int g_system_allocs = 0, g_system_frees = 0, g_fail_next = 0;
void* counting_alloc(size_t bytes) {
  if (g_fail_next > 0) {
    --g_fail_next;
    return nullptr;
  }
  ++g_system_allocs;
  return std::malloc(bytes);
}
void counting_free(void* p) {
  ++g_system_frees;
  std::free(p);
}
}  // namespace

TEST_CASE("caching allocator: size classes, reuse, empty_cache and out-of-memory retry") {
  CHECK(CachingAllocator::size_class(0) == 512);
  CHECK(CachingAllocator::size_class(513) == 1024);
  CHECK(CachingAllocator::size_class((1 << 20) + 1) == size_t(2) << 20);
  g_system_allocs = g_system_frees = 0;
  {
    CachingAllocator a(counting_alloc, counting_free);
    void* p = a.alloc(1000);
    a.release(p);
    CHECK(a.alloc(900) == p);  // same class (1024): the cached block comes back
    CHECK(g_system_allocs == 1);
    void* q = a.alloc(3000);  // another class: a new block
    CHECK(g_system_allocs == 2);
    a.release(q);
    CHECK(a.stats().bytes_cached == 3072);
    CHECK(a.stats().bytes_in_use == 1024);
    // The system refuses once: the allocator gives its cache back and succeeds.
    g_fail_next = 1;
    void* r = a.alloc(5000);
    CHECK(r != nullptr);
    CHECK(g_system_frees == 1);
    CHECK(a.stats().bytes_cached == 0);
    int x = 0;
    CHECK_THROWS_WITH_AS(a.release(&x), doctest::Contains("did not hand out"), Error);
    g_fail_next = 2;
    CHECK_THROWS_WITH_AS(a.alloc(1 << 22), doctest::Contains("out of memory"), Error);
    a.release(r);
    a.empty_cache();
    CHECK(a.stats().bytes_reserved == 1024);  // p is still live
  }
  CHECK(g_system_frees == g_system_allocs);  // the destructor frees the live block too
}

// A captured graph's pool (engine/caching_allocator.h): what a capture allocated never
// goes to anyone else while the pool lives, whether released during the capture or after.
TEST_CASE("caching allocator: a private pool keeps its blocks until released") {
  g_system_allocs = g_system_frees = 0;
  {
    CachingAllocator a(counting_alloc, counting_free);
    void* before = a.alloc(1000);  // general, live through the capture
    void* cached = a.alloc(1000);
    a.release(cached);             // general, free: the capture may take it
    const int pool = a.begin_pool();
    CHECK(pool > 0);
    CHECK_THROWS_WITH_AS(a.begin_pool(), doctest::Contains("still being filled"), Error);
    void* x = a.alloc(1000);
    CHECK(x == cached);            // drawn from the general cache, now the pool's
    void* y = a.alloc(1000);       // a miss: a new block, the pool's
    a.release(x);                  // released during the capture: back to the pool
    void* z = a.alloc(900);
    CHECK(z == x);                 // the capture reuses its own block, as a replay will
    a.end_pool();
    void* out = a.alloc(1000);     // after the capture: the pool's free blocks are not lent
    CHECK(out != x);
    CHECK(out != y);
    a.release(y);                  // released after the capture: still the pool's
    void* out2 = a.alloc(1000);
    CHECK(out2 != y);
    a.release(before);             // a general block goes back to the general cache
    CHECK(a.alloc(1000) == before);
    a.release_pool(pool);          // the graph is gone: its free block y is lent again
    CHECK(a.alloc(1000) == y);
    a.release(z);                  // a pool block live at release_pool: general when freed
    CHECK(a.alloc(1000) == z);
    a.release_pool(pool);          // twice: nothing left to do
  }
  CHECK(g_system_frees == g_system_allocs);  // pools and live blocks all freed at the end
}

TEST_CASE("cpu backend: a steady-state training step makes no system allocation") {
  auto& cpu = dynamic_cast<CpuBackend&>(backend_for(Device::CPU));
  auto cnn = make_difference_cnn(Dims::Two);
  Rng rng(3);
  cnn->build(difference_input_shape(Dims::Two, 32), rng, Device::CPU);
  Adam opt(cnn->parameters());
  int64_t misses_after[3];
  for (int step = 0; step < 3; ++step) {
    Tensor x = random_tensor({8, 1, 32, 32}, 60 + step, Device::CPU, false, 0.0f, 1.0f);
    Tensor target = random_tensor({8, 2}, 70 + step, Device::CPU, false);
    Context ctx{true, 7, uint64_t(step) * 100};
    opt.zero_grad();
    mse(cnn->forward(x, ctx), target).backward();
    opt.step();
    misses_after[step] = cpu.allocator_stats().misses;
  }
  CHECK(misses_after[2] == misses_after[1]);
  CHECK(cpu.allocator_stats().hits > 0);
}

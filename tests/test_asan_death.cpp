// Death tests of the sanitizer build: tensor memory is visible to AddressSanitizer even
// though it comes from the caching allocator's size classes (engine/caching_allocator.h,
// engine/asan.h). A kernel that writes one float past its tensor, or code that reads a
// tensor's block after its release, must end the process with an ASan report.
//
// Each access runs in a child process (this test binary again, running only the hidden
// case below, which names the access in SG_ASAN_DEATH): it must die with
// "AddressSanitizer" on stderr and never print the line it would print after the access
// went unnoticed. Outside sanitizer builds the cases print a line CTest reports as
// skipped (root CMakeLists.txt).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/asan.h"
#include "engine/tensor.h"
#include "tests/cli_run.h"

using namespace sg;

namespace {

constexpr const char* kUnnoticed = "ACCESS WENT UNNOTICED";

// The accesses a child makes, named "<access>:<device>".
void bad_access(const std::string& access, Device d) {
  Tensor t = Tensor::zeros({3}, d);  // 12 bytes of a 512-byte size class
  if (access == "write") {
    // A kernel told the buffer holds one float more than it does: the backend's fill
    // writes t[3], inside the block but past the tensor.
    t.backend().fill(4, 1.0f, t.data());
  } else if (access == "read-released") {
    const float* p = t.data();
    t = Tensor();  // the block goes back to the allocator's free list, not to malloc
    std::printf("read %g\n", double(*static_cast<const volatile float*>(p)));
  }
}

// Devices whose memory is host memory that ASan shadows (a real GPU's is not).
std::vector<Device> host_devices() {
  std::vector<Device> ds{Device::CPU};
  if (has_backend(Device::CudaOnCpu)) ds.push_back(Device::CudaOnCpu);
  return ds;
}

// Runs the hidden child case for `access` on `d`.
test::Run run_child(const std::string& access, Device d) {
  // Resolved here: in the command line, /proc/self/exe would name the shell.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  return test::run_shell("SG_ASAN_DEATH=" + access + ":" + device_name(d) + " '" + self +
                         "' --no-skip --no-version --test-case='asan death: child'");
}

void expect_death(const std::string& access) {
#if defined(SG_ASAN)
  for (Device d : host_devices()) {
    const test::Run r = run_child(access, d);
    CAPTURE(device_name(d));
    CAPTURE(r.out);
    CHECK(r.status != 0);
    CHECK(test::has(r.out, "ERROR: AddressSanitizer: use-after-poison"));
    CHECK_FALSE(test::has(r.out, kUnnoticed));
  }
#else
  (void)access;
  std::printf("SKIPPED: not a sanitizer build\n");
#endif
}

}  // namespace

// Hidden (skipped unless --no-skip, so CTest never lists it): the child's side.
TEST_CASE("asan death: child" * doctest::skip()) {
  const char* what = std::getenv("SG_ASAN_DEATH");
  REQUIRE(what != nullptr);
  const std::string s = what;
  const size_t colon = s.find(':');
  REQUIRE(colon != std::string::npos);
  bad_access(s.substr(0, colon), parse_device(s.substr(colon + 1)));
  std::printf("%s\n", kUnnoticed);
}

TEST_CASE("asan death: a kernel writing one float past its tensor is reported") {
  expect_death("write");
}

TEST_CASE("asan death: a read of a released tensor's block is reported") {
  expect_death("read-released");
}

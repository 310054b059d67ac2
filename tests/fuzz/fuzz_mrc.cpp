// libFuzzer target: feed_mrc (tests/fuzz/feed.h says what it parses and what counts as a
// finding). Built with STEREOGRAD_FUZZ=ON; docs/reliability.md gives the commands.
#include "tests/fuzz/feed.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sg::fuzz::feed_mrc(data, size);
  return 0;
}

// Files are never half-written: write to "<path>.tmp.<pid>.<n>", flush, fsync, rename over
// the destination, fsync the folder. A crash leaves either the old file or the new one
// (and perhaps a stale temporary, which remove_stale_temporaries clears).
//
// Two test hooks, read from the environment once per process (docs/reliability.md):
//   STEREOGRAD_FAULT_WRITE_AFTER_BYTES=N  the process's writes fail with ENOSPC ("No space
//       left on device") once N bytes in all have been written: a disk filling up.
//   STEREOGRAD_TEST_WRITE_PAUSE_MS=M      every write sleeps M ms with half of its bytes in
//       the temporary, so a test's SIGKILL lands inside a write.
#pragma once
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace sg {

// Calls write(stream) on a temporary file and renames it to `path` when it succeeded.
// Throws sg::Error naming the path and the system's message (full disk, no permission);
// the temporary is removed and any previous file at `path` is left untouched.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write);

// Removes the temporaries of `path` left by processes that no longer run (killed while
// writing); a live writer's temporary is kept.
void remove_stale_temporaries(const std::string& path);

// Reads a whole file; throws sg::Error naming the path when it cannot.
std::vector<char> read_file_bytes(const std::string& path);

}  // namespace sg

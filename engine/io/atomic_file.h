// Files are never half-written: write to "<path>.tmp.<pid>", flush, fsync, rename over
// the destination. A crash leaves either the old file or the new one.
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

// Reads a whole file; throws sg::Error naming the path when it cannot.
std::vector<char> read_file_bytes(const std::string& path);

}  // namespace sg

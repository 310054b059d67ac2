#include "engine/io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/error.h"

namespace sg {

namespace {

// A non-negative integer from the environment, or -1 when unset.
int64_t env_int(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return -1;
  char* end = nullptr;
  const long long x = std::strtoll(v, &end, 10);
  SG_CHECK(*end == '\0' && x >= 0, "environment variable ", name, "='", v,
           "' is not a non-negative integer");
  return x;
}

// The test hooks of atomic_file.h.
struct Hooks {
  int64_t fail_after = env_int("STEREOGRAD_FAULT_WRITE_AFTER_BYTES");
  int64_t pause_ms = env_int("STEREOGRAD_TEST_WRITE_PAUSE_MS");
  std::atomic<int64_t> written{0};
};
Hooks& hooks() {
  static Hooks h;
  return h;
}

// write(2) of up to n bytes, except that the fault hook runs out of room like a full disk.
ssize_t write_some(int fd, const char* p, size_t n) {
  Hooks& h = hooks();
  if (h.fail_after >= 0) {
    const int64_t room = h.fail_after - h.written.load();
    if (room <= 0) {
      errno = ENOSPC;
      return -1;
    }
    n = std::min(n, size_t(room));
  }
  const ssize_t w = ::write(fd, p, n);
  if (w > 0) h.written += w;
  return w;
}

std::string temp_prefix(const std::string& path) {
  return std::filesystem::path(path).filename().string() + ".tmp.";
}

// fsync of the folder, so the rename itself survives a power cut.
void sync_folder(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: the file itself is already complete
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomic(const std::string& path,
                       const std::function<void(std::ostream&)>& write) {
  std::ostringstream buf;
  write(buf);
  const std::string bytes = buf.str();
  // Unique per process and per call, so concurrent writers never share a temporary.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("cannot write '", path, "': ", std::strerror(errno));
  const size_t half = bytes.size() / 2;
  size_t done = 0;
  bool paused = hooks().pause_ms < 0;
  while (done < bytes.size()) {
    if (!paused && done >= half) {
      std::this_thread::sleep_for(std::chrono::milliseconds(hooks().pause_ms));
      paused = true;
    }
    const size_t chunk = (paused ? bytes.size() : half) - done;
    ssize_t w = write_some(fd, bytes.data() + done, chunk);
    if (w < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("cannot write '", path, "': ", std::strerror(e));
    }
    done += size_t(w);
  }
  int sync_err = ::fsync(fd) != 0 ? errno : 0;
  int close_err = ::close(fd) != 0 ? errno : 0;
  if (sync_err || close_err) {
    ::unlink(tmp.c_str());
    fail("cannot write '", path, "': ", std::strerror(sync_err ? sync_err : close_err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    fail("cannot write '", path, "': ", std::strerror(e));
  }
  sync_folder(path);
}

void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const std::string prefix = temp_prefix(path);
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    // "<name>.tmp.<pid>.<n>": the writer's pid decides whether it is still writing.
    const std::string rest = name.substr(prefix.size());
    char* end = nullptr;
    const long pid = std::strtol(rest.c_str(), &end, 10);
    if (end == rest.c_str() || *end != '.' || pid <= 0) continue;
    if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
    fs::remove(e.path(), ec);
  }
}

std::vector<char> read_file_bytes(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail("cannot read '", path, "': ", std::strerror(errno));
  SG_CHECK(S_ISREG(st.st_mode), "cannot read '", path, "': not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read '", path, "': ", std::strerror(errno));
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  SG_CHECK(size >= 0, "cannot read '", path, "': not a regular file");
  in.seekg(0);
  std::vector<char> bytes(static_cast<size_t>(size));
  if (size > 0 && !in.read(bytes.data(), size)) fail("cannot read '", path, "': short read");
  return bytes;
}

}  // namespace sg

#include "engine/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/error.h"

namespace sg {

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
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
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

#include "train/progress.h"

#include <unistd.h>

#include <algorithm>

namespace sg {

Progress::Progress(std::FILE* out, int64_t total, int64_t done)
    : out_(out), total_(std::max<int64_t>(1, total)), start_done_(done), tty_(is_terminal(out)),
      start_(std::chrono::steady_clock::now()), last_draw_() {}

bool Progress::is_terminal(std::FILE* f) { return ::isatty(::fileno(f)) == 1; }

std::string Progress::eta(int64_t done) const {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (done <= start_done_ || secs <= 0) return "?";
  const double left = secs / double(done - start_done_) * double(total_ - done);
  char buf[32];
  if (left >= 3600) std::snprintf(buf, sizeof buf, "%dh%02dm", int(left / 3600), int(left / 60) % 60);
  else if (left >= 60) std::snprintf(buf, sizeof buf, "%dm%02ds", int(left / 60), int(left) % 60);
  else std::snprintf(buf, sizeof buf, "%.0fs", left);
  return buf;
}

bool Progress::due(int64_t done) const {
  return tty_ && (std::chrono::steady_clock::now() - last_draw_ >= std::chrono::milliseconds(100) ||
                  done >= total_);
}

void Progress::step(int64_t done, const std::string& status) {
  if (!due(done)) return;
  last_draw_ = std::chrono::steady_clock::now();
  const int width = 24, filled = int(width * std::min<int64_t>(done, total_) / total_);
  std::fprintf(out_, "\r[%s%s] %s %s left\x1b[K", std::string(size_t(filled), '#').c_str(),
               std::string(size_t(width - filled), '.').c_str(), status.c_str(), eta(done).c_str());
  std::fflush(out_);
}

void Progress::line(const std::string& text) {
  if (tty_) std::fprintf(out_, "\r\x1b[K");
  std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
}

}  // namespace sg

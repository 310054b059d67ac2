// Progress of long work: a one-line bar redrawn in place on a terminal
//   [#########.........] stage 3/6 epoch 12/30 loss 0.01234 1,830 pairs/s 1m20s left
// and, when the output is not a terminal (a log file, CI), one plain line per epoch.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace sg {

class Progress {
 public:
  // `total` units of work (e.g. training steps) in the whole run; `done` already done.
  Progress(std::FILE* out, int64_t total, int64_t done = 0);
  // Mid-epoch update (drawn only on a terminal, at most ~10 times a second).
  void step(int64_t done, const std::string& status);
  // Whether step(done, ...) would draw now: the trainer reads the loss back only then.
  bool due(int64_t done) const;
  // End of an epoch: a final line for it, on a terminal and off.
  void line(const std::string& text);
  static bool is_terminal(std::FILE* f);

 private:
  std::string eta(int64_t done) const;
  std::FILE* out_;
  int64_t total_, start_done_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace sg

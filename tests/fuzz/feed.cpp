#include "tests/fuzz/feed.h"

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "data/pairs.h"
#include "engine/error.h"
#include "engine/io/npy.h"
#include "engine/io/safetensors.h"
#include "train/checkpoint.h"
#include "train/commands.h"
#include "train/config.h"
#include "train/device_options.h"

namespace sg::fuzz {

void feed_safetensors(const uint8_t* data, size_t size) {
  try {
    SafetensorsFile f = parse_safetensors(reinterpret_cast<const char*>(data), size, "input");
    (void)checkpoint_from(std::move(f), "input");
  } catch (const Error&) {
  }
}

void feed_npy(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const NpyArray a = read_npy(in, size, "input");
    check_finite(a, "input");
  } catch (const Error&) {
  }
}

void feed_config(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const TrainConfig c = config_from_text(text, "input");
    const int64_t epochs = c.total_epochs();
    (void)c.stage_at(epochs - 1);
    (void)c.fraction_at(epochs - 1);
    if (to_json(config_from_json(to_json(c), "round trip")) != to_json(c)) std::abort();
  } catch (const Error&) {
  }
  try {
    (void)params_from_text(text, "input");
  } catch (const Error&) {
  }
}

void feed_args(const uint8_t* data, size_t size) {
  std::vector<std::string> args(1);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) args.emplace_back();
    else args.back() += char(data[i]);
  }
  for (const Command& c : commands()) {
    if (args[0] != c.name) continue;
    ArgParser p = c.options();
    std::ostringstream help;
    try {
      if (!p.parse(Args(args.begin() + 1, args.end()), help)) return;
      for (const std::string& name : p.names()) {
        (void)p.get(name);
        try {
          (void)p.get_int(name);
        } catch (const Error&) {
        }
        try {
          (void)p.get_double(name);
        } catch (const Error&) {
        }
      }
      for (const std::string& name : p.names())
        if (name == "device") (void)device_from_options(p);
    } catch (const Error&) {
    }
  }
}

}  // namespace sg::fuzz

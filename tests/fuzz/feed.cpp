#include "tests/fuzz/feed.h"

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "data/dataset_io.h"
#include "data/mrc_io.h"
#include "data/png_read.h"
#include "data/tiff_io.h"
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

namespace {
// An accepted stack is [N, H, W] with every size at least 1 and N * H * W values.
void check_stack(const NpyArray& a) {
  if (a.shape.size() != 3 || a.shape[0] < 1 || a.shape[1] < 1 || a.shape[2] < 1 ||
      int64_t(a.data.size()) != a.numel())
    std::abort();
  check_finite(a, "input");
}
}  // namespace

void feed_tiff(const uint8_t* data, size_t size) {
  try {
    check_stack(read_tiff(reinterpret_cast<const char*>(data), size, "input"));
  } catch (const Error&) {
  }
}

void feed_png(const uint8_t* data, size_t size) {
  try {
    check_stack(read_png(reinterpret_cast<const char*>(data), size, "input"));
  } catch (const Error&) {
  }
}

void feed_mrc(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    check_stack(read_mrc(in, size, "input"));
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

void feed_dataset(const uint8_t* data, size_t size) {
  const std::string in(reinterpret_cast<const char*>(data), size);
  const size_t nul = in.find('\0');
  if (nul == std::string::npos) return;
  static const std::string kMarker("\0angles.npy\0", 12);
  std::string images = in.substr(nul + 1), angles;
  const size_t m = images.rfind(kMarker);
  const bool has_angles = m != std::string::npos;
  if (has_angles) {
    angles = images.substr(m + kMarker.size());
    images.resize(m);
  }
  auto npy = [](const std::string& bytes) {
    std::istringstream s(bytes);
    return read_npy(s, bytes.size(), "input");
  };
  const GenParams defaults;
  for (const GenParams* d : {&defaults, static_cast<const GenParams*>(nullptr)}) {
    try {
      const NpyArray a = has_angles ? npy(angles) : NpyArray{};
      const Dataset ds = dataset_from_contents("input", in.substr(0, nul), npy(images),
                                               has_angles ? &a : nullptr, d);
      const int64_t n = ds.count();
      if (n < 1 || int64_t(ds.images.size()) != n * ds.sample_floats() ||
          ds.angles.size() != (has_angles ? size_t(n) : 0) || ds.order() < 1 ||
          !(ds.stereo_angle_deg() > 0 && ds.stereo_angle_deg() < 180))
        std::abort();
      (void)*ds.pair(n - 1);
    } catch (const Error&) {
    }
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

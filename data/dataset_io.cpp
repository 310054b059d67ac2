#include "data/dataset_io.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/npy.h"

namespace sg {

namespace {
std::string join(const std::string& dir, const char* name) {
  return (std::filesystem::path(dir) / name).string();
}

std::string shape_text(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}
}  // namespace

void save_dataset(const std::string& dir, const Dataset& ds) {
  SG_CHECK(int64_t(ds.images.size()) == ds.count() * ds.sample_floats(),
           "save_dataset: ", ds.images.size(), " image values for ", ds.count(), " pairs");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  SG_CHECK(!ec, "cannot create directory '", dir, "': ", ec.message());
  save_npy(join(dir, "images.npy"), ds.image_shape(), ds.images.data());
  save_npy(join(dir, "angles.npy"), {ds.count()}, ds.angles.data());
  const std::string text = to_json(ds.params).dump(2) + "\n";
  write_file_atomic(join(dir, "params.json"), [&](std::ostream& out) { out << text; });
}

Dataset load_dataset(const std::string& dir) {
  const std::string params_path = join(dir, "params.json");
  const std::vector<char> bytes = read_file_bytes(params_path);
  Dataset ds;
  ds.params = params_from_text(std::string(bytes.begin(), bytes.end()), "'" + params_path + "'");

  const std::string images_path = join(dir, "images.npy"), angles_path = join(dir, "angles.npy");
  NpyArray images = load_npy(images_path);
  NpyArray angles = load_npy(angles_path);
  const int64_t N = ds.params.count, S = ds.params.size;
  const std::vector<int64_t> expected =
      ds.params.projection ? std::vector<int64_t>{N, 2, S} : std::vector<int64_t>{N, 2, S, S};
  SG_CHECK(images.shape == expected, "'", images_path, "' has shape ", shape_text(images.shape),
           " but '", params_path, "' describes ", shape_text(expected));
  SG_CHECK(angles.shape == std::vector<int64_t>{N}, "'", angles_path, "' has shape ",
           shape_text(angles.shape), " but '", params_path, "' describes [", N, "]");
  check_finite(images, images_path);
  for (size_t i = 0; i < angles.data.size(); ++i)
    SG_CHECK(angles.data[i] >= 0.0f && angles.data[i] < 360.0f, "'", angles_path, "' holds ",
             angles.data[i], " at index ", i, ": angles must be degrees in [0, 360)");
  ds.images = std::move(images.data);
  ds.angles = std::move(angles.data);
  return ds;
}

}  // namespace sg

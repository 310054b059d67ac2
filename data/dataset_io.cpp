#include "data/dataset_io.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/image_read.h"
#include "data/pairs3d.h"
#include "data/shapes.h"
#include "engine/error.h"
#include "engine/io/atomic_file.h"

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

// An integer JSON value in [lo, hi]; anything else (2.5, 1e300, "4", 2^64) is an error
// naming the key.
int integer_in(const nlohmann::json& v, const char* key, int lo, int hi, const std::string& what) {
  const bool ok = v.is_number_unsigned() ? v.get<uint64_t>() >= uint64_t(std::max(lo, 0)) &&
                                               v.get<uint64_t>() <= uint64_t(hi)
                  : v.is_number_integer() ? v.get<int64_t>() >= lo && v.get<int64_t>() <= hi
                                          : false;
  SG_CHECK(ok, what, ": '", key, "' must be an integer in [", lo, ", ", hi, "], got ",
           v.is_primitive() ? v.dump() : std::string(v.type_name()));
  return int(v.get<int64_t>());
}

// A minimal params.json (another renderer's): stereo_angle_deg, and optionally order,
// shape and sides; the rest of `defaults` stands. The order, stated or not, must be the
// order of the shape the result names, so Dataset::order() is never a guess.
GenParams minimal_params(const nlohmann::json& j, const GenParams& defaults, const std::string& what) {
  static const char* kKeys = "stereo_angle_deg, and optionally order, shape, sides";
  SG_CHECK(j.is_object(), what, ": expected a JSON object with ", kKeys, ", got ", j.type_name());
  for (auto it = j.begin(); it != j.end(); ++it)
    SG_CHECK(it.key() == "stereo_angle_deg" || it.key() == "order" || it.key() == "shape" ||
                 it.key() == "sides",
             what, ": unknown key '", it.key(), "' (a params.json without \"format\" holds ", kKeys, ")");
  SG_CHECK(j.contains("stereo_angle_deg"), what, ": it needs at least stereo_angle_deg");
  const nlohmann::json& delta = j.at("stereo_angle_deg");
  SG_CHECK(delta.is_number(), what, ": 'stereo_angle_deg' must be a number, got ",
           delta.is_primitive() ? delta.dump() : std::string(delta.type_name()));
  GenParams p = defaults;
  p.stereo_angle_deg = delta.get<double>();
  SG_CHECK(p.stereo_angle_deg > 0 && p.stereo_angle_deg < 180, what,
           ": stereo_angle_deg must be in (0, 180) degrees, got ", p.stereo_angle_deg);
  if (j.contains("shape")) {
    SG_CHECK(j.at("shape").is_string(), what, ": 'shape' must be a string such as \"square\"");
    p.shape = j.at("shape").get<std::string>();
    p.sides = j.contains("sides") ? integer_in(j.at("sides"), "sides", 3, 360, what) : 0;
  } else {
    SG_CHECK(!j.contains("sides"), what, ": 'sides' needs 'shape': \"polygon\"");
  }
  int order = 0;
  try {
    p.validate();  // the shape and sides, with the rest from the (valid) defaults
    order = ParticleShape::make(p.shape, p.sides).order();
  } catch (const Error& e) {
    fail(what, ": ", e.what());
  }
  if (j.contains("order")) {
    const int stated = integer_in(j.at("order"), "order", 1, 360, what);
    SG_CHECK(stated == order, what, ": order ", stated, " contradicts shape '", p.shape, "' (order ",
             order, j.contains("shape") ? "" : ", from the config's data.shape",
             "); name a shape of order ", stated, " (params.json's shape or the config's data.shape)");
  }
  return p;
}

std::string json_what(const std::string& path) { return "'" + path + "'"; }

const char* const kImageFiles[] = {"images.npy", "images.tif", "images.tiff", "images.mrc"};

// A TIFF or MRC stack of 2N pages as pairs: [2N, H, W] -> [N, 2, H, W], and pages of one
// row (projections; 2-D images are at least 16 pixels high) [2N, 1, L] -> [N, 2, L].
void stack_to_pairs(NpyArray& a, const std::string& path) {
  const std::vector<int64_t> s = a.shape;
  SG_CHECK(s.size() == 3 && s[0] % 2 == 0, "'", path, "' holds ", s.empty() ? 0 : s[0],
           " pages; a dataset's stack holds two per pair (pages 2i and 2i + 1 of pair i)");
  a.shape = s[1] == 1 ? std::vector<int64_t>{s[0] / 2, 2, s[2]}
                      : std::vector<int64_t>{s[0] / 2, 2, s[1], s[2]};
}
}  // namespace

NpyArray load_dataset_images(const std::string& dir, std::string& file) {
  std::error_code ec;
  file.clear();
  for (const char* name : kImageFiles) {
    const std::string path = join(dir, name);
    if (!std::filesystem::exists(path, ec)) continue;
    SG_CHECK(file.empty(), dir, " holds both '", file, "' and '", path, "': keep one images file");
    file = path;
  }
  SG_CHECK(!file.empty(), "cannot read '", join(dir, "images.npy"),
           "': no such file (nor images.tif, images.tiff, images.mrc)");
  NpyArray a = read_stack(file);
  if (std::filesystem::path(file).extension() != ".npy") stack_to_pairs(a, file);
  return a;
}

namespace {
void remove_other_images(const std::string& dir, const std::string& keep) {
  for (const char* name : kImageFiles) {
    if (name == keep) continue;
    std::error_code ec;
    std::filesystem::remove(join(dir, name), ec);
    SG_CHECK(!ec, "cannot remove the old '", join(dir, name), "': ", ec.message());
  }
}
}  // namespace

void save_dataset(const std::string& dir, const Dataset& ds, const std::string& format) {
  SG_CHECK(format == "npy" || format == "tif" || format == "mrc", "save_dataset: format '", format,
           "' is not one of npy, tif, mrc");
  SG_CHECK(int64_t(ds.images.size()) % ds.sample_floats() == 0 &&
               int64_t(ds.angles.size()) == ds.count(),
           "save_dataset: ", ds.images.size(), " image values and ", ds.angles.size(),
           " angles do not make whole pairs");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  SG_CHECK(!ec, "cannot create directory '", dir, "': ", ec.message());
  const std::string images_name = "images." + format;
  std::vector<int64_t> shape = ds.image_shape();
  if (format != "npy")  // a stack of 2N pages, projections as pages of one row
    shape = shape.size() == 4 ? std::vector<int64_t>{2 * shape[0], shape[2], shape[3]}
                              : std::vector<int64_t>{2 * shape[0], 1, shape[2]};
  write_stack(join(dir, images_name.c_str()), shape, ds.images.data());
  remove_other_images(dir, images_name);
  save_npy(join(dir, "angles.npy"), {ds.count()}, ds.angles.data());
  const std::string text = to_json(ds.params).dump(2) + "\n";
  write_file_atomic(join(dir, "params.json"), [&](std::ostream& out) { out << text; });
}

Dataset dataset_from_contents(const std::string& dir, const std::string& params_text,
                              NpyArray images, const NpyArray* angles, const GenParams* defaults,
                              const std::string& images_name) {
  const std::string params_path = join(dir, "params.json"),
                    images_path = join(dir, images_name.c_str()),
                    angles_path = join(dir, "angles.npy");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(params_text);
  } catch (const nlohmann::json::exception& e) {
    fail(json_what(params_path), " is not valid JSON: ", e.what());
  }
  Dataset ds;
  const std::vector<int64_t>& s = images.shape;
  if (defaults && is_tilt_pairs_json(j)) {  // 3-D tilt pairs (data/pairs3d.h) for a 2-D model
    ds.params = tilt_pairs_training_params(j, *defaults, s, json_what(params_path));
  } else if (!defaults || (j.is_object() && j.contains("format"))) {
    // gen's full file: images.npy must be what it describes.
    try {
      ds.params = params_from_json(j);
    } catch (const Error& e) {
      fail(json_what(params_path), ": ", e.what());
    }
    const int64_t N = ds.params.count, S = ds.params.size;
    const std::vector<int64_t> expected =
        ds.params.projection ? std::vector<int64_t>{N, 2, S} : std::vector<int64_t>{N, 2, S, S};
    SG_CHECK(s == expected, "'", images_path, "' has shape ", shape_text(s), " but '", params_path,
             "' describes ", shape_text(expected));
  } else {
    // A minimal file: the layout and size are images.npy's own.
    ds.params = minimal_params(j, *defaults, json_what(params_path));
    const bool pairs = (s.size() == 3 || s.size() == 4) && s[1] == 2;
    SG_CHECK(pairs && (s.size() == 3 || s[2] == s[3]), "'", images_path, "' has shape ",
             shape_text(s), "; expected stereo pairs [N, 2, L] (projections) or [N, 2, H, W] with H = W");
    SG_CHECK(s[0] >= 1, "'", images_path, "' holds no pairs (shape ", shape_text(s), ")");
    SG_CHECK(s[2] >= 1, "'", images_path, "' has empty images (shape ", shape_text(s), ")");
    ds.params.count = s[0];
    ds.params.size = s[2];
    ds.params.projection = s.size() == 3;
  }
  check_finite(images, images_path);
  if (angles) {
    SG_CHECK(angles->shape == std::vector<int64_t>{s[0]}, "'", angles_path, "' has shape ",
             shape_text(angles->shape), " but '", images_path, "' holds ", s[0], " pairs");
    for (size_t i = 0; i < angles->data.size(); ++i)
      SG_CHECK(angles->data[i] >= 0.0f && angles->data[i] < 360.0f, "'", angles_path, "' holds ",
               angles->data[i], " at index ", i, ": angles must be degrees in [0, 360)");
    ds.angles = angles->data;
  }
  ds.images = std::move(images.data);
  return ds;
}

Dataset load_dataset(const std::string& dir) {
  const std::vector<char> text = read_file_bytes(join(dir, "params.json"));
  std::string images_file;
  NpyArray images = load_dataset_images(dir, images_file);
  const NpyArray angles = load_npy(join(dir, "angles.npy"));
  return dataset_from_contents(dir, std::string(text.begin(), text.end()), std::move(images),
                               &angles, nullptr, std::filesystem::path(images_file).filename().string());
}

Dataset load_dataset_folder(const std::string& dir, const GenParams& defaults,
                            const std::string& angles_for) {
  namespace fs = std::filesystem;
  std::error_code ec;
  SG_CHECK(fs::exists(dir, ec), "dataset folder '", dir, "' does not exist");
  SG_CHECK(fs::is_directory(dir, ec), "'", dir, "' is a file, not a dataset folder (images.npy, params.json)");
  const std::string params_path = join(dir, "params.json");
  SG_CHECK(fs::is_regular_file(params_path, ec), dir,
           " has no params.json: it needs at least stereo_angle_deg");
  const std::vector<char> text = read_file_bytes(params_path);
  std::string images_file;
  NpyArray images = load_dataset_images(dir, images_file), angles;
  if (!angles_for.empty()) {
    SG_CHECK(fs::is_regular_file(join(dir, "angles.npy"), ec), dir, " has no angles.npy: ", angles_for);
    angles = load_npy(join(dir, "angles.npy"));
  }
  return dataset_from_contents(dir, std::string(text.begin(), text.end()), std::move(images),
                               angles_for.empty() ? nullptr : &angles, &defaults,
                               std::filesystem::path(images_file).filename().string());
}

}  // namespace sg

#include "engine/io/safetensors.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/error.h"
#include "engine/io/atomic_file.h"

namespace sg {

namespace {

static_assert(sizeof(float) == 4, "float32 expected");

void put_u64le(std::ostream& os, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = char((v >> (8 * i)) & 0xff);
  os.write(b, 8);
}

uint64_t get_u64le(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

bool little_endian() {
  const uint16_t one = 1;
  return *reinterpret_cast<const char*>(&one) == 1;
}

}  // namespace

void save_safetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  SG_CHECK(little_endian(), "safetensors: big-endian hosts are not supported");
  nlohmann::json header = nlohmann::json::object();
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const NamedTensor& t : tensors) {
    SG_CHECK(!t.name.empty() && t.name != "__metadata__", "safetensors: invalid tensor name '",
             t.name, "'");
    SG_CHECK(names.insert(t.name).second, "safetensors: duplicate tensor name '", t.name, "'");
    uint64_t bytes = uint64_t(t.tensor.numel()) * 4;
    header[t.name] = {{"dtype", "F32"}, {"shape", t.tensor.shape()},
                      {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // keep the data 8-byte aligned
  write_file_atomic(path, [&](std::ostream& os) {
    put_u64le(os, json.size());
    os.write(json.data(), std::streamsize(json.size()));
    for (const NamedTensor& t : tensors) {
      std::vector<float> host = t.tensor.to_vector();
      os.write(reinterpret_cast<const char*>(host.data()), std::streamsize(host.size() * 4));
    }
  });
}

SafetensorsFile parse_safetensors(const char* bytes, size_t size, const std::string& what) {
  SG_CHECK(size >= 8, what, ": not a safetensors file (", size, " bytes, need at least 8)");
  const uint64_t n = get_u64le(bytes);
  SG_CHECK(n >= 2 && n <= size - 8, what, ": header length ", n, " does not fit in a file of ",
           size, " bytes (truncated or not a safetensors file)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes + 8, bytes + 8 + n);
  } catch (const nlohmann::json::exception& e) {
    fail(what, ": corrupt header JSON: ", e.what());
  }
  SG_CHECK(header.is_object(), what, ": header is not a JSON object");
  const uint64_t data_size = size - 8 - n;
  const char* data = bytes + 8 + n;
  SafetensorsFile out;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& e = it.value();
    if (name == "__metadata__") {
      SG_CHECK(e.is_object(), what, ": __metadata__ is not an object");
      for (auto m = e.begin(); m != e.end(); ++m) {
        SG_CHECK(m.value().is_string(), what, ": metadata '", m.key(), "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    SG_CHECK(e.is_object() && e.contains("dtype") && e.contains("shape") &&
                 e.contains("data_offsets"),
             what, ": entry '", name, "' lacks dtype, shape or data_offsets");
    SG_CHECK(e["dtype"].is_string(), what, ": entry '", name, "' has a non-string dtype");
    const std::string dtype = e["dtype"].get<std::string>();
    SG_CHECK(dtype == "F32", what, ": tensor '", name, "' has dtype ", dtype,
             "; only F32 is supported");
    const nlohmann::json& js = e["shape"];
    SG_CHECK(js.is_array() && js.size() <= 4, what, ": tensor '", name,
             "' has an invalid shape (an array of at most 4 sizes expected)");
    HostTensor t;
    // The element count saturates instead of wrapping, so a huge claimed shape can only
    // fail the byte-count check below, before anything is allocated.
    const uint64_t kSaturated = UINT64_MAX / 8;
    uint64_t numel = 1;
    for (const auto& d : js) {
      SG_CHECK(d.is_number_unsigned(), what, ": tensor '", name, "' has a negative or non-integer size");
      uint64_t v = d.get<uint64_t>();
      SG_CHECK(v <= uint64_t(INT64_MAX), what, ": tensor '", name, "' has a size out of range");
      numel = (v != 0 && numel > kSaturated / v) ? kSaturated : numel * v;
      t.shape.push_back(int64_t(v));
    }
    const nlohmann::json& jo = e["data_offsets"];
    SG_CHECK(jo.is_array() && jo.size() == 2 && jo[0].is_number_unsigned() &&
                 jo[1].is_number_unsigned(),
             what, ": tensor '", name, "' has invalid data_offsets");
    const uint64_t begin = jo[0].get<uint64_t>(), end = jo[1].get<uint64_t>();
    SG_CHECK(begin <= end && end <= data_size, what, ": tensor '", name, "' data [", begin, ", ",
             end, ") lies outside the ", data_size, "-byte data section (truncated file?)");
    if (end - begin != numel * 4) {
      const bool huge = numel > data_size / 4;
      fail(what, ": tensor '", name, "' has ", end - begin, " bytes for shape ",
           shape_str(t.shape), " (", numel == kSaturated ? std::string("over 2^63") : std::to_string(numel * 4),
           " expected", huge ? "; it claims a shape larger than the file" : "", ")");
    }
    ranges.push_back({begin, end});
    t.data.resize(size_t(numel));
    if (numel) std::memcpy(t.data.data(), data + begin, size_t(numel) * 4);
    out.tensors.emplace(name, std::move(t));
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    SG_CHECK(ranges[i].first >= ranges[i - 1].second, what, ": tensors overlap in the data section");
  return out;
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::vector<char> bytes = read_file_bytes(path);
  return parse_safetensors(bytes.data(), bytes.size(), "'" + path + "'");
}

void copy_into(const SafetensorsFile& file, std::vector<NamedTensor>& targets,
               const std::string& what, bool allow_extra) {
  // Validate everything first: a rejected file leaves the model untouched.
  std::set<std::string> wanted;
  for (NamedTensor& t : targets) {
    wanted.insert(t.name);
    auto it = file.tensors.find(t.name);
    SG_CHECK(it != file.tensors.end(), what, ": missing tensor '", t.name, "'");
    SG_CHECK(it->second.shape == t.tensor.shape(), what, ": tensor '", t.name, "' has shape ",
             shape_str(it->second.shape), ", the model expects ", shape_str(t.tensor.shape()));
  }
  if (!allow_extra)
    for (const auto& [name, t] : file.tensors)
      SG_CHECK(wanted.count(name), what, ": unexpected tensor '", name, "' (not in this model)");
  for (NamedTensor& t : targets) {
    const HostTensor& h = file.tensors.at(t.name);
    t.tensor.backend().from_host(t.tensor.data(), h.data.data(), t.tensor.numel());
  }
}

}  // namespace sg

// Safetensors checkpoints: a bit-exact round trip, the file layout checked byte by byte
// against the format's definition, every malformed-file rejection with a message that
// names the problem, copy_into's name and shape checks, and the atomic write.
#include <doctest/doctest.h>

#include "tests/temp_dir.h"
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/error.h"
#include "engine/io/atomic_file.h"
#include "engine/io/safetensors.h"

namespace fs = std::filesystem;
using namespace sg;

namespace {

using test::TempDir;

std::vector<char> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  REQUIRE(out.good());
}

uint64_t u64le(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// A safetensors image built by hand: length prefix (`claimed` overrides it), JSON, data.
std::vector<char> image(const std::string& json, const std::vector<char>& data,
                        uint64_t claimed = UINT64_MAX) {
  const uint64_t n = claimed == UINT64_MAX ? json.size() : claimed;
  std::vector<char> b(8 + json.size() + data.size());
  for (int i = 0; i < 8; ++i) b[size_t(i)] = char((n >> (8 * i)) & 0xff);
  std::copy(json.begin(), json.end(), b.begin() + 8);
  std::copy(data.begin(), data.end(), b.begin() + 8 + std::ptrdiff_t(json.size()));
  return b;
}

std::vector<char> float_bytes(const std::vector<float>& v) {
  std::vector<char> b(v.size() * 4);
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// The message of the sg::Error that f throws ("" and a failed check when it throws none
// or throws something else).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("expected sg::Error, got another exception: " << std::string(e.what()));
    return "";
  }
  FAIL_CHECK("expected sg::Error, nothing was thrown");
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string parse_error(const std::vector<char>& bytes) {
  return error_of([&] { parse_safetensors(bytes.data(), bytes.size(), "test.st"); });
}

// Tensors of ranks 0..4 and an empty one, with values that stress bit-exactness.
std::vector<NamedTensor> sample_tensors() {
  const float nan_payload = [] {
    uint32_t u = 0x7fc01234u;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
  }();
  std::vector<NamedTensor> t;
  t.push_back({"scalar", Tensor::from_vector({-0.0f}, {})});
  t.push_back({"vec", Tensor::from_vector({1.0f, -2.5f, 1e-40f /* subnormal */,
                                           std::numeric_limits<float>::infinity(), nan_payload},
                                          {5})});
  std::vector<float> m(12), c(2 * 3 * 4), q(2 * 1 * 3 * 2);
  for (size_t i = 0; i < m.size(); ++i) m[i] = float(i) * 0.1f - 0.55f;
  for (size_t i = 0; i < c.size(); ++i) c[i] = std::sin(float(i)) * 1e30f;
  for (size_t i = 0; i < q.size(); ++i) q[i] = std::numeric_limits<float>::max() / float(i + 1);
  t.push_back({"layer.mat", Tensor::from_vector(m, {3, 4})});
  t.push_back({"empty", Tensor::zeros({2, 0, 3})});
  t.push_back({"cube", Tensor::from_vector(c, {2, 3, 4})});
  t.push_back({"a.b.quad", Tensor::from_vector(q, {2, 1, 3, 2})});
  return t;
}

}  // namespace

TEST_CASE("safetensors: round trip of ranks 0..4 and an empty tensor is bit-exact") {
  TempDir dir;
  const std::string path = dir.file("model.safetensors");
  const std::vector<NamedTensor> tensors = sample_tensors();
  const std::map<std::string, std::string> meta = {
      {"format", "pt"}, {"note", "quotes \" and \\ and unicode é, newline\n"}, {"empty", ""}};
  save_safetensors(path, tensors, meta);

  const SafetensorsFile f = load_safetensors(path);
  CHECK(f.metadata == meta);
  REQUIRE(f.tensors.size() == tensors.size());
  for (const NamedTensor& t : tensors) {
    CAPTURE(t.name);
    auto it = f.tensors.find(t.name);
    REQUIRE(it != f.tensors.end());
    CHECK(it->second.shape == t.tensor.shape());
    const std::vector<float> want = t.tensor.to_vector();
    REQUIRE(it->second.data.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) CHECK(bits(it->second.data[i]) == bits(want[i]));
  }

  // Without metadata there is no __metadata__ entry, and an empty model is a valid file.
  save_safetensors(path, {});
  const SafetensorsFile none = load_safetensors(path);
  CHECK(none.tensors.empty());
  CHECK(none.metadata.empty());
}

TEST_CASE("safetensors: a file whose only tensor is empty is valid") {
  // No data section at all; safetensors.numpy.save_file writes exactly this for
  // {"e": np.zeros((5, 0, 7), np.float32)}.
  TempDir dir;
  const std::string path = dir.file("empty.safetensors");
  save_safetensors(path, {{"e", Tensor::zeros({5, 0, 7})}});
  const SafetensorsFile f = load_safetensors(path);
  REQUIRE(f.tensors.count("e") == 1);
  CHECK(f.tensors.at("e").shape == Shape{5, 0, 7});
  CHECK(f.tensors.at("e").data.empty());
  const std::string py = R"({"e":{"dtype":"F32","shape":[5,0,7],"data_offsets":[0,0]}})";
  const std::vector<char> img = image(py + std::string((8 - py.size() % 8) % 8, ' '), {});
  CHECK(parse_safetensors(img.data(), img.size(), "py").tensors.at("e").shape == Shape{5, 0, 7});
}

TEST_CASE("safetensors: the file layout follows the format by hand") {
  TempDir dir;
  const std::string path = dir.file("layout.safetensors");
  const std::vector<NamedTensor> tensors = sample_tensors();
  save_safetensors(path, tensors, {{"k", "v"}});
  const std::vector<char> bytes = read_all(path);

  REQUIRE(bytes.size() >= 8);
  const uint64_t n = u64le(bytes.data());  // little-endian header length
  REQUIRE(n <= bytes.size() - 8);
  CHECK((8 + n) % 8 == 0);  // the data section starts 8-byte aligned
  const std::string json(bytes.data() + 8, size_t(n));
  CHECK(json.front() == '{');
  const nlohmann::json h = nlohmann::json::parse(json);  // padding is JSON whitespace
  REQUIRE(h.is_object());
  CHECK(h.size() == tensors.size() + 1);
  CHECK(h["__metadata__"] == nlohmann::json{{"k", "v"}});

  // Tensors lie in the data section in the order given, back to back, as raw F32.
  const char* data = bytes.data() + 8 + n;
  uint64_t offset = 0;
  for (const NamedTensor& t : tensors) {
    CAPTURE(t.name);
    REQUIRE(h.contains(t.name));
    const nlohmann::json& e = h[t.name];
    CHECK(e["dtype"] == "F32");
    CHECK(e["shape"].get<std::vector<int64_t>>() == t.tensor.shape());
    const auto off = e["data_offsets"].get<std::vector<uint64_t>>();
    REQUIRE(off.size() == 2);
    CHECK(off[0] == offset);
    CHECK(off[1] == offset + uint64_t(t.tensor.numel()) * 4);
    const std::vector<float> want = t.tensor.to_vector();
    for (size_t i = 0; i < want.size(); ++i) {
      uint32_t u;
      std::memcpy(&u, data + off[0] + 4 * i, 4);
      REQUIRE(u == bits(want[i]));
    }
    offset = off[1];
  }
  CHECK(bytes.size() == 8 + n + offset);

  // A hand-made file with the two smallest entries parses to what it says.
  const std::string hand = R"({"b":{"dtype":"F32","shape":[],"data_offsets":[8,12]},)"
                           R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::vector<char> img = image(hand, float_bytes({1.5f, -2.0f, 7.0f}));
  const SafetensorsFile f = parse_safetensors(img.data(), img.size(), "hand");
  REQUIRE(f.tensors.size() == 2);
  CHECK(f.tensors.at("a").shape == Shape{2});
  CHECK(f.tensors.at("a").data == std::vector<float>{1.5f, -2.0f});
  CHECK(f.tensors.at("b").shape == Shape{});
  CHECK(f.tensors.at("b").data == std::vector<float>{7.0f});
}

TEST_CASE("safetensors: malformed files are rejected with a message naming the problem") {
  const std::string ok_entry = R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]})";
  const std::vector<char> d16 = float_bytes({1, 2, 3, 4});

  SUBCASE("shorter than 8 bytes") {
    const std::vector<char> b = {1, 0, 0};
    const std::string m = parse_error(b);
    CHECK(contains(m, "test.st"));
    CHECK(contains(m, "3 bytes"));
    CHECK(contains(m, "at least 8"));
    CHECK(contains(parse_error({}), "0 bytes"));
  }
  SUBCASE("header length larger than the file") {
    const std::string json = "{" + ok_entry + "}";
    const std::string m = parse_error(image(json, d16, 1000));
    CHECK(contains(m, "header length 1000"));
    CHECK(contains(m, "does not fit"));
    CHECK(contains(parse_error(image(json, d16, UINT64_MAX - 1)), "does not fit"));
  }
  SUBCASE("corrupt JSON") {
    CHECK(contains(parse_error(image(R"({"a":{"dtype":"F32",)", {})), "corrupt header JSON"));
    CHECK(contains(parse_error(image("[1, 2, 3]", {})), "not a JSON object"));
  }
  SUBCASE("dtype other than F32") {
    const std::string m =
        parse_error(image(R"({"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", d16));
    CHECK(contains(m, "'h'"));
    CHECK(contains(m, "F16"));
    CHECK(contains(m, "only F32"));
  }
  SUBCASE("missing fields, bad sizes, bad metadata") {
    CHECK(contains(parse_error(image(R"({"a":{"dtype":"F32","shape":[4]}})", d16)),
                   "lacks dtype, shape or data_offsets"));
    CHECK(contains(parse_error(image(R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", d16)),
                   "negative"));
    CHECK(contains(parse_error(image(R"({"a":{"dtype":"F32","shape":[1,1,1,1,4],"data_offsets":[0,16]}})", d16)),
                   "invalid shape"));
    CHECK(contains(parse_error(image(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0]}})", d16)),
                   "invalid data_offsets"));
    CHECK(contains(parse_error(image(R"({"__metadata__":{"x":1}})", {})), "metadata 'x'"));
  }
  SUBCASE("shape that does not match data_offsets") {
    const std::string m =
        parse_error(image(R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}})", d16));
    CHECK(contains(m, "'a'"));
    CHECK(contains(m, "[2, 3]"));
    CHECK(contains(m, "16 bytes"));
    CHECK(contains(m, "24 expected"));
  }
  SUBCASE("offsets beyond the file: a valid file with its tail chopped off") {
    TempDir dir;
    const std::string path = dir.file("chopped.safetensors");
    save_safetensors(path, {{"w", Tensor::full({4, 4}, 0.5f)}, {"b", Tensor::full({4}, 1.0f)}});
    std::vector<char> bytes = read_all(path);
    CHECK_NOTHROW(load_safetensors(path));
    bytes.resize(bytes.size() - 4);
    write_all(path, bytes);
    const std::string m = error_of([&] { load_safetensors(path); });
    CHECK(contains(m, path));  // errors name the file
    CHECK(contains(m, "'b'"));
    CHECK(contains(m, "outside"));
    CHECK(contains(m, "truncated"));
  }
  SUBCASE("overlapping tensors") {
    const std::string json = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[3],"data_offsets":[4,16]}})";
    CHECK(contains(parse_error(image(json, d16)), "overlap"));
  }
  SUBCASE("a huge shape claim in a tiny file fails before allocating") {
    // 10^20 elements: an allocation attempt would throw std::bad_alloc, not sg::Error.
    const std::string m = parse_error(image(
        R"({"a":{"dtype":"F32","shape":[100000,100000,100000,100000],"data_offsets":[0,16]}})",
        d16));
    CHECK(contains(m, "'a'"));
    CHECK(contains(m, "larger than the file"));
    // Shapes whose byte count wraps to 0 in 64-bit arithmetic (2^62·4 = 2^64) must not
    // slip through as "0 bytes, matches [0, 0)".
    CHECK(contains(parse_error(image(R"({"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})", {})),
                   "larger than the file"));
    CHECK(contains(parse_error(image(R"({"a":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,0]}})", {})),
                   "larger than the file"));
  }
  SUBCASE("a missing file names its path") {
    TempDir dir;
    const std::string path = dir.file("absent.safetensors");
    CHECK(contains(error_of([&] { load_safetensors(path); }), path));
  }
  SUBCASE("a directory passed where a checkpoint file belongs names its path") {
    TempDir dir;
    CHECK(contains(error_of([&] { load_safetensors(dir.path.string()); }), dir.path.string()));
  }
}

TEST_CASE("safetensors: copy_into checks names and shapes") {
  SafetensorsFile f;
  f.tensors["w"] = HostTensor{{2, 3}, {1, 2, 3, 4, 5, 6}};
  f.tensors["b"] = HostTensor{{2}, {-1, -2}};

  auto targets = [] {
    return std::vector<NamedTensor>{{"w", Tensor::zeros({2, 3})}, {"b", Tensor::zeros({2})}};
  };

  SUBCASE("matching names and shapes copy the values") {
    std::vector<NamedTensor> t = targets();
    copy_into(f, t, "ckpt");
    CHECK(t[0].tensor.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});
    CHECK(t[1].tensor.to_vector() == std::vector<float>{-1, -2});
  }
  SUBCASE("missing name") {
    std::vector<NamedTensor> t = targets();
    t.push_back({"gamma", Tensor::zeros({2})});
    const std::string m = error_of([&] { copy_into(f, t, "ckpt"); });
    CHECK(contains(m, "ckpt"));
    CHECK(contains(m, "missing"));
    CHECK(contains(m, "'gamma'"));
  }
  SUBCASE("wrong shape names both shapes") {
    std::vector<NamedTensor> t = {{"w", Tensor::zeros({3, 2})}, {"b", Tensor::zeros({2})}};
    const std::string m = error_of([&] { copy_into(f, t, "ckpt"); });
    CHECK(contains(m, "'w'"));
    CHECK(contains(m, "[2, 3]"));
    CHECK(contains(m, "[3, 2]"));
  }
  SUBCASE("unexpected extra name, and allow_extra") {
    std::vector<NamedTensor> t = {{"w", Tensor::zeros({2, 3})}};
    const std::string m = error_of([&] { copy_into(f, t, "ckpt"); });
    CHECK(contains(m, "unexpected"));
    CHECK(contains(m, "'b'"));
    std::vector<NamedTensor> t2 = {{"w", Tensor::zeros({2, 3})}};
    CHECK_NOTHROW(copy_into(f, t2, "ckpt", true));
    CHECK(t2[0].tensor.to_vector() == std::vector<float>{1, 2, 3, 4, 5, 6});
  }
}

TEST_CASE("safetensors: writes are atomic") {
  TempDir dir;
  SUBCASE("a path in a non-existent directory throws and leaves nothing") {
    const std::string path = dir.file("no/such/dir/model.safetensors");
    const std::string m =
        error_of([&] { save_safetensors(path, {{"x", Tensor::full({3}, 1.0f)}}); });
    CHECK(contains(m, path));
    CHECK(!fs::exists(dir.path / "no"));
    CHECK(dir.entries().empty());
  }
  SUBCASE("writing over an existing file replaces it and leaves no temporary") {
    const std::string path = dir.file("model.safetensors");
    save_safetensors(path, {{"x", Tensor::full({3}, 1.0f)}});
    save_safetensors(path, {{"y", Tensor::full({2, 2}, 2.0f)}}, {{"epoch", "2"}});
    const SafetensorsFile f = load_safetensors(path);
    CHECK(f.tensors.size() == 1);
    REQUIRE(f.tensors.count("y") == 1);
    CHECK(f.tensors.at("y").data == std::vector<float>(4, 2.0f));
    CHECK(f.metadata.at("epoch") == "2");
    CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
  }
  SUBCASE("a failing write leaves the previous file untouched and no temporary") {
    const std::string path = dir.file("model.safetensors");
    save_safetensors(path, {{"x", Tensor::full({3}, 1.0f)}});
    const std::vector<char> before = read_all(path);
    CHECK_THROWS_AS(write_file_atomic(path,
                                      [](std::ostream& os) {
                                        os << "partial";
                                        fail("disk full (simulated)");
                                      }),
                    Error);
    CHECK(read_all(path) == before);
    CHECK(dir.entries() == std::vector<std::string>{"model.safetensors"});
  }
  SUBCASE("a destination that is a directory fails and leaves no temporary") {
    fs::create_directories(dir.path / "taken" / "inner");
    const std::string path = dir.file("taken");
    CHECK(contains(error_of([&] { save_safetensors(path, {{"x", Tensor::full({1}, 1.0f)}}); }),
                   path));
    CHECK(dir.entries() == std::vector<std::string>{"taken"});
    CHECK(fs::is_directory(dir.path / "taken" / "inner"));
  }
}

#include "engine/io/npy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/error.h"
#include "engine/io/atomic_file.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "npy.cpp writes '<f4' by copying bytes: little-endian hosts only");

namespace sg {

namespace {

const char kMagic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};
const uint64_t kMaxElements = uint64_t(1) << 31;

std::string shape_repr(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  if (shape.size() == 1) os << ',';
  os << ')';
  return os.str();
}

// A dtype string such as '<f4', '>i2' or '|u1': byte order, kind, item size.
struct Dtype {
  char kind = 0;       // 'u', 'i' or 'f'
  int bytes = 0;       // 1, 2, 4 or 8 (f: 2, 4 or 8)
  bool big = false;    // '>' byte order
};

bool parse_dtype(const std::string& d, Dtype& t) {
  if (d.size() != 3 || std::string("<>|=").find(d[0]) == std::string::npos) return false;
  t.kind = d[1];
  t.bytes = d[2] - '0';
  t.big = d[0] == '>';
  const bool size_ok = t.bytes == 1 || t.bytes == 2 || t.bytes == 4 || t.bytes == 8;
  if (!size_ok || (d[0] == '|' && t.bytes != 1)) return false;
  return t.kind == 'u' || t.kind == 'i' || (t.kind == 'f' && t.bytes != 1);
}

// One element of `t` at `p` as float32 (integers to the nearest float: above 2^24 they
// round, as numpy's astype(np.float32) does).
float element_to_float(const unsigned char* p, const Dtype& t) {
  uint64_t u = 0;  // the raw bits, in host order
  for (int b = 0; b < t.bytes; ++b) u |= uint64_t(p[t.big ? t.bytes - 1 - b : b]) << (8 * b);
  if (t.kind == 'u') return float(u);
  if (t.kind == 'i') {
    const int shift = 64 - 8 * t.bytes;  // sign-extend from the item's width
    return float(int64_t(u << shift) >> shift);
  }
  if (t.bytes == 2) return half_to_float(uint16_t(u));
  if (t.bytes == 4) {
    float f;
    const uint32_t w = uint32_t(u);
    std::memcpy(&f, &w, 4);
    return f;
  }
  double d;
  std::memcpy(&d, &u, 8);
  return float(d);
}

// A recursive-descent reader for the header's dict literal: string keys; values that
// are strings, True/False or tuples of integers; an optional trailing comma.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  void parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    expect('{', "at the start of the dict");
    while (!eat('}')) {
      const std::string key = quoted();
      expect(':', "after key '" + key + "'");
      if (key == "descr") {
        check_once(seen_descr, key);
        descr = quoted();
      } else if (key == "fortran_order") {
        check_once(seen_fortran, key);
        const std::string w = word();
        if (w != "True" && w != "False") bad("fortran_order must be True or False, got " + w);
        fortran = w == "True";
      } else if (key == "shape") {
        check_once(seen_shape, key);
        shape = tuple();
      } else {
        bad("unexpected key '" + key + "'");
      }
      if (!eat(',')) {
        expect('}', "after a value");
        break;
      }
    }
    skip_space();
    if (pos_ != s_.size()) bad("text after the closing brace");
    if (!seen_descr || !seen_fortran || !seen_shape)
      bad("it must have the keys 'descr', 'fortran_order' and 'shape'");
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    std::string shown = s_.substr(0, 160);
    while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n')) shown.pop_back();
    fail("'", path_, "': malformed .npy header: ", what, " in \"", shown, "\"");
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  bool eat(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c, const std::string& where) {
    if (!eat(c)) bad(std::string("expected '") + c + "' " + where);
  }
  void check_once(bool& seen, const std::string& key) {
    if (seen) bad("duplicate key '" + key + "'");
    seen = true;
  }
  std::string quoted() {
    skip_space();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) bad("expected a quoted string");
    const char q = s_[pos_++];
    const size_t end = s_.find(q, pos_);
    if (end == std::string::npos) bad("unterminated string");
    std::string out = s_.substr(pos_, end - pos_);
    if (out.find('\\') != std::string::npos) bad("escape sequences are not supported");
    pos_ = end + 1;
    return out;
  }
  std::string word() {
    skip_space();
    const size_t start = pos_;
    while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  std::vector<int64_t> tuple() {
    std::vector<int64_t> out;
    expect('(', "to open the shape tuple");
    while (!eat(')')) {
      skip_space();
      const size_t start = pos_;
      if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      const std::string num = s_.substr(start, pos_ - start);
      if (num.empty() || num == "-") bad("expected an integer in the shape tuple");
      if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 long literal
      if (num.size() > 18) bad("shape value " + num + " is too large");
      const int64_t v = std::stoll(num);
      if (v < 0) bad("negative shape value " + num);
      out.push_back(v);
      if (!eat(',')) {
        expect(')', "to close the shape tuple");
        break;
      }
    }
    return out;
  }

  const std::string& s_;
  const std::string& path_;
  size_t pos_ = 0;
};

}  // namespace

// IEEE 754 binary16 to float: sign, 5-bit exponent (bias 15), 10-bit fraction;
// exponent 0 is zero or subnormal, 31 infinity or NaN.
float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h >> 15) << 31, exp = (h >> 10) & 31, frac = h & 1023;
  uint32_t bits;
  if (exp == 31) {
    bits = sign | 0x7f800000u | (frac << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (frac << 13);
  } else {
    const float v = std::ldexp(float(frac), -24);  // subnormal (or zero): frac * 2^-24
    return sign ? -v : v;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

void save_npy(const std::string& path, const std::vector<int64_t>& shape, const float* data) {
  int64_t n = 1;
  for (int64_t d : shape) {
    SG_CHECK(d >= 0, "save_npy '", path, "': negative dimension in shape ", shape_repr(shape));
    n *= d;
  }
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_repr(shape) + ", }";
  // Pad with spaces so that magic + version + length + dict + '\n' is a multiple of 64.
  const size_t unpadded = sizeof(kMagic) + 2 + 2 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict.push_back('\n');
  SG_CHECK(dict.size() <= 65535, "save_npy '", path, "': header too long");
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(kMagic, sizeof(kMagic));
    const char version[2] = {1, 0};
    out.write(version, 2);
    const unsigned char len[2] = {static_cast<unsigned char>(dict.size() & 0xff),
                                  static_cast<unsigned char>(dict.size() >> 8)};
    out.write(reinterpret_cast<const char*>(len), 2);
    out.write(dict.data(), std::streamsize(dict.size()));
    out.write(reinterpret_cast<const char*>(data), std::streamsize(n * 4));
  });
}

NpyArray load_npy(const std::string& path) {
  std::error_code ec;
  SG_CHECK(std::filesystem::is_regular_file(path, ec), "cannot read '", path, "': no such file");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  SG_CHECK(!ec, "cannot read '", path, "': ", ec.message());
  std::ifstream in(path, std::ios::binary);
  SG_CHECK(bool(in), "cannot read '", path, "': ", std::strerror(errno));
  return read_npy(in, file_size, path);
}

NpyArray read_npy(std::istream& in, uint64_t file_size, const std::string& path) {
  unsigned char pre[12] = {};
  SG_CHECK(file_size >= 10 && in.read(reinterpret_cast<char*>(pre), 10), "'", path,
           "' is not a .npy file: only ", file_size, " bytes");
  SG_CHECK(std::memcmp(pre, kMagic, sizeof(kMagic)) == 0, "'", path,
           "' is not a .npy file: it does not start with \\x93NUMPY");
  const int major = pre[6], minor = pre[7];
  SG_CHECK((major == 1 || major == 2) && minor == 0, "'", path, "': unsupported .npy version ",
           major, ".", minor, " (stereograd reads 1.0 and 2.0)");
  uint64_t header_len = pre[8] | (uint64_t(pre[9]) << 8), preamble = 10;
  if (major == 2) {
    SG_CHECK(file_size >= 12 && in.read(reinterpret_cast<char*>(pre + 10), 2), "'", path,
             "': truncated .npy preamble");
    header_len |= (uint64_t(pre[10]) << 16) | (uint64_t(pre[11]) << 24);
    preamble = 12;
  }
  SG_CHECK(preamble + header_len <= file_size, "'", path, "': .npy header claims ", header_len,
           " bytes but the file has only ", file_size - preamble, " after the preamble");
  std::string header(header_len, '\0');
  SG_CHECK(bool(in.read(header.data(), std::streamsize(header_len))), "'", path,
           "': short read in the .npy header");
  SG_CHECK(!header.empty() && header.back() == '\n', "'", path,
           "': malformed .npy header: it does not end with a newline");

  std::string descr;
  bool fortran = false;
  NpyArray a;
  HeaderParser(header, path).parse(descr, fortran, a.shape);
  Dtype t;
  SG_CHECK(parse_dtype(descr, t), "'", path, "' has dtype '", one_line(descr),
           "'; stereograd reads integers (u1 u2 u4 u8 i1 i2 i4 i8) and floats (f2 f4 f8), "
           "either byte order");
  const uint64_t item = uint64_t(t.bytes);
  SG_CHECK(!fortran, "'", path, "' is in Fortran order; stereograd reads only C order");

  // Check the data size against the file before allocating anything. The product of the
  // non-zero sizes is bounded even for an empty array, so that (0, 10^18, 10^18) cannot
  // overflow shape arithmetic later.
  const uint64_t remaining = file_size - preamble - header_len;
  const bool empty = std::find(a.shape.begin(), a.shape.end(), 0) != a.shape.end();
  const uint64_t limit = empty ? (uint64_t(1) << 40) : remaining / item;
  uint64_t n = 1;
  bool too_big = false;  // the element count exceeds what the file could hold
  for (int64_t d : a.shape) {
    if (d == 0) continue;
    if (n > limit / uint64_t(d)) too_big = true;
    n = too_big ? n : n * uint64_t(d);
  }
  if (empty) n = 0;
  SG_CHECK(!too_big, "'", path, "': shape ", shape_repr(a.shape),
           empty ? " is empty but its other sizes multiply past 2^40"
                 : " needs more than the " + std::to_string(remaining) +
                       " bytes of data after the header (truncated)");
  SG_CHECK(n * item == remaining, "'", path, "': shape ", shape_repr(a.shape), " needs ",
           n * item, " bytes of ", descr, " data but the file has ", remaining, " after the header",
           n * item > remaining ? " (truncated)" : " (trailing bytes)");
  SG_CHECK(n <= kMaxElements, "'", path, "': shape ", shape_repr(a.shape), " holds ", n,
           " elements, more than stereograd reads (2^31)");
  a.data.resize(n);
  if (descr == "<f4") {  // as float32 already: copy the bytes
    SG_CHECK(n == 0 || in.read(reinterpret_cast<char*>(a.data.data()), std::streamsize(n * 4)),
             "'", path, "': short read in the .npy data");
    return a;
  }
  std::vector<unsigned char> raw(size_t(std::min<uint64_t>(n, 1 << 16) * item));
  for (uint64_t done = 0; done < n;) {  // convert in blocks of 64 Ki elements
    const uint64_t k = std::min<uint64_t>(n - done, 1 << 16);
    SG_CHECK(bool(in.read(reinterpret_cast<char*>(raw.data()), std::streamsize(k * item))), "'",
             path, "': short read in the .npy data");
    for (uint64_t i = 0; i < k; ++i) a.data[done + i] = element_to_float(raw.data() + i * item, t);
    done += k;
  }
  return a;
}

void check_finite(const NpyArray& a, const std::string& path) {
  for (size_t k = 0; k < a.data.size(); ++k) {
    if (std::isfinite(a.data[k])) continue;
    std::vector<int64_t> index(a.shape.size());
    size_t rest = k;
    for (size_t d = a.shape.size(); d-- > 0;) {
      index[d] = int64_t(rest % size_t(a.shape[d]));
      rest /= size_t(a.shape[d]);
    }
    std::ostringstream os;
    os << '[';
    for (size_t d = 0; d < index.size(); ++d) os << (d ? ", " : "") << index[d];
    os << ']';
    fail("'", path, "' holds ", a.data[k], " at index ", os.str(), " (flat ", k,
         "): expected finite values");
  }
}

}  // namespace sg

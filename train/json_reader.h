// Reading a JSON config object into typed fields (train/config.cpp, train/train_full.cpp):
// every key must be read once, so a misspelt key is reported instead of silently ignored.
#pragma once
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/error.h"

namespace sg {

// An integer JSON value that T holds exactly (no silent truncation of 2^32 + 4 to 4).
template <typename T>
inline bool fits(const nlohmann::json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(std::numeric_limits<T>::max());
  if (!v.is_number_integer()) return false;
  const int64_t x = v.get<int64_t>();
  return std::is_signed_v<T> ? x >= int64_t(std::numeric_limits<T>::min()) &&
                                   x <= int64_t(std::numeric_limits<T>::max())
                             : x >= 0;
}

// Reads the keys of one JSON object into typed fields; every key must be read once,
// so a misspelt key is reported instead of silently ignored.
class JsonReader {
 public:
  JsonReader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {
    SG_CHECK(j.is_object(), where_, ": expected a JSON object, got ", j.type_name());
  }
  template <typename T>
  void get(const char* key, T& out) {
    seen_.insert(key);
    if (!j_.contains(key)) return;
    const nlohmann::json& v = j_.at(key);
    bool ok = false;
    if constexpr (std::is_same_v<T, std::string>) ok = v.is_string();
    else if constexpr (std::is_same_v<T, bool>) ok = v.is_boolean();
    else if constexpr (std::is_integral_v<T>) ok = fits<T>(v);
    else if constexpr (std::is_floating_point_v<T>) ok = v.is_number();
    else if constexpr (std::is_same_v<T, std::vector<double>>) {
      ok = v.is_array();
      for (const auto& e : v) ok = ok && e.is_number();
    } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
      ok = v.is_array();
      for (const auto& e : v) ok = ok && fits<int64_t>(e);
    }
    // Only a scalar is echoed: dumping a deeply nested array would recurse that deep.
    SG_CHECK(ok, where_, ": key '", key, "' has the wrong type (",
             v.is_primitive() ? v.dump() : std::string("an ") + v.type_name(), ")");
    out = v.get<T>();
  }
  void skip(const char* key) { seen_.insert(key); }  // read elsewhere
  void finish() const {
    for (auto it = j_.begin(); it != j_.end(); ++it)
      SG_CHECK(seen_.count(it.key()), where_, ": unknown key '", it.key(), "'");
  }

 private:
  const nlohmann::json& j_;
  std::string where_;
  std::set<std::string> seen_;
};

// Runs x.validate(), naming `where` (the file and section) in any error.
template <typename T>
inline void validate_in(const std::string& where, const T& x) {
  try {
    x.validate();
  } catch (const Error& e) {
    fail(where, ": ", e.what());
  }
}

}  // namespace sg

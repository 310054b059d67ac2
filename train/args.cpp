#include "train/args.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "engine/error.h"

namespace sg {

ArgParser::ArgParser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

ArgParser& ArgParser::option(const std::string& name, const std::string& value_name,
                             const std::string& help, const std::string& default_value,
                             bool required) {
  order_.push_back(name);
  specs_[name] = Spec{value_name, help, default_value, false, required};
  return *this;
}

ArgParser& ArgParser::flag(const std::string& name, const std::string& help) {
  order_.push_back(name);
  specs_[name] = Spec{"", help, "", true, false};
  return *this;
}

bool ArgParser::parse(const std::vector<std::string>& args, std::ostream& out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << help();
      return false;
    }
    SG_USAGE_CHECK(a.rfind("--", 0) == 0, command_, ": unexpected argument '", a,
             "' (options start with --; see stereograd ", command_, " --help)");
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    auto it = specs_.find(name);
    SG_USAGE_CHECK(it != specs_.end(), command_, ": unknown option --", name, " (see stereograd ",
             command_, " --help)");
    if (it->second.is_flag) {
      SG_USAGE_CHECK(!inline_value, command_, ": --", name, " takes no value");
      values_[name] = "1";
      continue;
    }
    if (!inline_value) {
      SG_USAGE_CHECK(i + 1 < args.size(), command_, ": --", name, " needs a value (",
               it->second.value_name, ")");
      value = args[++i];
    }
    values_[name] = value;
  }
  for (const auto& [name, spec] : specs_)
    SG_USAGE_CHECK(!spec.required || values_.count(name), command_, ": --", name,
             " is required (see stereograd ", command_, " --help)");
  return true;
}

std::string ArgParser::get(const std::string& name) const {
  auto s = specs_.find(name);
  SG_CHECK(s != specs_.end(), command_, ": internal: undeclared option --", name);
  auto v = values_.find(name);
  return v != values_.end() ? v->second : s->second.default_value;
}

int64_t ArgParser::get_int(const std::string& name) const {
  std::string s = get(name);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  SG_USAGE_CHECK(!s.empty() && *end == '\0' && errno == 0, command_, ": --", name,
           " expects an integer, got '", s, "'");
  return v;
}

double ArgParser::get_double(const std::string& name) const {
  std::string s = get(name);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  SG_USAGE_CHECK(!s.empty() && *end == '\0' && errno == 0 && v == v, command_, ": --", name,
           " expects a number, got '", s, "'");
  return v;
}

bool ArgParser::get_flag(const std::string& name) const { return values_.count(name) > 0; }
bool ArgParser::given(const std::string& name) const { return values_.count(name) > 0; }

std::string ArgParser::command_line(const std::vector<std::string>& keep, const std::vector<std::string>& skip) const {
  auto in = [](const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); };
  std::string out;
  for (const std::string& name : order_) {
    if (in(skip, name) || !(given(name) || in(keep, name))) continue;
    out += " --" + name;
    if (!specs_.at(name).is_flag) out += " " + get(name);
  }
  return out;
}

std::string ArgParser::help() const {
  std::ostringstream os;
  os << "usage: stereograd " << command_ << " [options]\n\n" << summary_ << "\n\noptions:\n";
  for (const std::string& name : order_) {
    const Spec& s = specs_.at(name);
    std::string left = "  --" + name + (s.is_flag ? "" : " " + s.value_name);
    os << left << std::string(left.size() < 28 ? 28 - left.size() : 2, ' ') << s.help;
    if (!s.is_flag && !s.default_value.empty()) os << " (default " << s.default_value << ")";
    if (s.required) os << " (required)";
    os << "\n";
  }
  os << "  --help                    this text\n";
  return os.str();
}

std::vector<double> parse_number_list(const std::string& s, const std::string& what) {
  std::vector<double> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const double d = std::strtod(item.c_str(), &end);
    SG_CHECK(!item.empty() && *end == '\0', what, " expects numbers like 3,5,10, got '", s, "'");
    v.push_back(d);
  }
  SG_CHECK(!v.empty(), what, " is empty");
  return v;
}

}  // namespace sg

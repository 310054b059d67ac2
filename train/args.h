// The command-line parser every `stereograd` command uses: declared options with help
// text and defaults, "--name value" or "--name=value", flags, and a clear error for an
// unknown option, a missing value or a malformed number.
#pragma once
#include <cstdint>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/error.h"

namespace sg {

// A command line the parser cannot read: an unknown option, a missing or malformed
// value, a required option left out. main exits 2 for it (1 for every other error).
struct UsageError : Error {
  using Error::Error;
};

template <typename... Args>
[[noreturn]] void usage_fail(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  throw UsageError(os.str());
}

#define SG_USAGE_CHECK(cond, ...)            \
  do {                                       \
    if (!(cond)) ::sg::usage_fail(__VA_ARGS__); \
  } while (0)

class ArgParser {
 public:
  ArgParser(std::string command, std::string summary);

  // --name VALUE, with a default ("" and required = true means it must be given).
  ArgParser& option(const std::string& name, const std::string& value_name,
                    const std::string& help, const std::string& default_value = "",
                    bool required = false);
  // --name, a boolean switch.
  ArgParser& flag(const std::string& name, const std::string& help);

  // Parses args (without the command name). Returns false when --help was asked for (the
  // help is then written to `out`); throws sg::UsageError on bad input.
  bool parse(const std::vector<std::string>& args, std::ostream& out);

  std::string get(const std::string& name) const;
  int64_t get_int(const std::string& name) const;
  double get_double(const std::string& name) const;
  bool get_flag(const std::string& name) const;
  bool given(const std::string& name) const;  // set on the command line
  std::string help() const;
  const std::vector<std::string>& names() const { return order_; }  // declared, in order
  // The given options (and those with a default in `keep`) as " --name value" in declared
  // order, a flag as " --name", leaving out `skip`: the command line that repeats this run.
  std::string command_line(const std::vector<std::string>& keep, const std::vector<std::string>& skip) const;

 private:
  struct Spec {
    std::string value_name, help, default_value;
    bool is_flag = false, required = false;
  };
  std::string command_, summary_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, std::string> values_;
};

// "3,5,10" as numbers; an error naming `what` (e.g. "sweep: --angles") for an empty
// list or an item that is not a number.
std::vector<double> parse_number_list(const std::string& s, const std::string& what);

}  // namespace sg

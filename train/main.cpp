// The `stereograd` program: one sub-command per job (train/commands.cpp lists them).
// Library code throws sg::Error; here it becomes a one-line message on stderr and exit
// status 1; a command line the parser cannot read (train/args.h UsageError) exits 2.
#include <iostream>
#include <new>

#include "engine/error.h"
#include "kernels/registry.h"
#include "train/args.h"
#include "train/commands.h"

namespace {

void usage(std::ostream& os) {
  os << "usage: stereograd <command> [options]\n\n"
        "Reads the orientation of nanoparticles from (synthetic) HAADF-STEM images.\n\n"
        "commands:\n";
  for (const sg::Command& c : sg::commands()) {
    std::string n = c.name;
    os << "  " << n << std::string(n.size() < 12 ? 12 - n.size() : 1, ' ') << c.summary << "\n";
  }
  os << "\n'stereograd <command> --help' describes a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  sg::register_builtin_backends();
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return 0;
  }
  if (name == "--version") {
    std::cout << "stereograd " << STEREOGRAD_VERSION << "\n";
    return 0;
  }
  for (const sg::Command& c : sg::commands()) {
    if (name != c.name) continue;
    try {
      return c.run(sg::Args(argv + 2, argv + argc));
    } catch (const sg::UsageError& e) {
      std::cerr << "stereograd " << name << ": usage: " << sg::one_line(e.what()) << "\n";
      return 2;
    } catch (const sg::Error& e) {
      std::cerr << "stereograd " << name << ": error: " << sg::one_line(e.what()) << "\n";
      return 1;
    } catch (const std::bad_alloc&) {
      std::cerr << "stereograd " << name << ": error: out of memory (the input or the config asks "
                   "for more memory than this machine has)\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "stereograd " << name << ": internal error: " << sg::one_line(e.what()) << "\n";
      return 1;
    }
  }
  std::cerr << "stereograd: unknown command '" << sg::one_line(name) << "'\n\n";
  usage(std::cerr);
  return 2;
}

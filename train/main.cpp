// The `stereograd` program: one sub-command per job. Library code throws sg::Error;
// here it becomes a one-line message on stderr and exit status 1 (2 for usage errors).
#include <cstring>
#include <iostream>

#include "engine/error.h"
#include "train/commands.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const sg::Args&);
};

const Command kCommands[] = {
    {"train", "train a model from a JSON config (checkpoints, resume, accuracy table)", sg::cmd_train},
    {"eval", "accuracy of a checkpoint on unseen pairs (the report's table)", sg::cmd_eval},
    {"predict", "orientation of each image in a .npy file, from a checkpoint", sg::cmd_predict},
    {"sweep", "train and evaluate over stereo angles and seeds (table 4.4)", sg::cmd_sweep},
    {"perturb", "how much a U-Net's output image depends on its angle (report §3.2)", sg::cmd_perturb},
    {"demo", "train a small network on synthetic squares and print its loss falling", sg::cmd_demo},
    {"summary", "print a model's layers, output shapes and parameter counts", sg::cmd_summary},
    {"gen", "generate a synthetic stereo-pair dataset (.npy + params.json)", sg::cmd_gen},
    {"sinogram", "sinogram of a shape, filtered back projection and its error", sg::cmd_sinogram},
};

void usage(std::ostream& os) {
  os << "usage: stereograd <command> [options]\n\n"
        "Reads the orientation of nanoparticles from (synthetic) HAADF-STEM images.\n\n"
        "commands:\n";
  for (const Command& c : kCommands) {
    std::string n = c.name;
    os << "  " << n << std::string(n.size() < 12 ? 12 - n.size() : 1, ' ') << c.summary << "\n";
  }
  os << "\n'stereograd <command> --help' describes a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(std::cout);
    return 0;
  }
  for (const Command& c : kCommands) {
    if (name != c.name) continue;
    try {
      return c.run(sg::Args(argv + 2, argv + argc));
    } catch (const sg::Error& e) {
      std::cerr << "stereograd " << name << ": error: " << e.what() << "\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "stereograd " << name << ": internal error: " << e.what() << "\n";
      return 1;
    }
  }
  std::cerr << "stereograd: unknown command '" << name << "'\n\n";
  usage(std::cerr);
  return 2;
}

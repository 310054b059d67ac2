// Every `stereograd` command: one function each, taking the arguments after the
// command's name and returning the process exit code. train/main.cpp lists them.
#pragma once
#include <string>
#include <vector>

namespace sg {

using Args = std::vector<std::string>;

int cmd_summary(const Args& args);   // train/cmd_summary.cpp
int cmd_demo(const Args& args);      // train/cmd_demo.cpp
int cmd_gen(const Args& args);       // train/cmd_gen.cpp
int cmd_sinogram(const Args& args);  // train/cmd_sinogram.cpp

}  // namespace sg

// The one door from a program to the backends: every program (train/main.cpp,
// tests/main.cpp, bench/, examples/) calls this once at the start of main, before it
// makes a tensor. The engine never does: it sees only the Backend interface
// (engine/backend.h), and kernels/ link against the engine, not the other way round.
#pragma once

namespace sg {

// Registers every backend this build has: the CPU always; the CUDA kernels under the CPU
// executor in a build with STEREOGRAD_CUDA_ON_CPU; the GPU in a build with
// STEREOGRAD_CUDA when a device is visible (a machine without a GPU or driver simply has
// no Device::CUDA). A second call does nothing.
void register_builtin_backends();

}  // namespace sg

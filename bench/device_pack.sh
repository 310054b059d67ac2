#!/usr/bin/env bash
# Packs what bench/device_run.sh needs on a lent GPU machine (../.library/device) into
# .dev/ (git-ignored through .git/info/exclude): the GPU build's binaries and CTest
# files, libgomp, and the header-only dependencies for a rebuild there if the binaries
# do not run. The device machine has nvcc, cuDNN (PyTorch's) and cmake but none of
# Debian's -dev packages and no network, so everything else travels.
#
#   bash bench/device_pack.sh        # builds build-gpu (sm_90, -march=x86-64-v3) first
#
# Then, through the device tool: run command "bash bench/device_run.sh", carry [".dev"].
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .git/info
grep -qx '/.dev/' .git/info/exclude 2>/dev/null || echo '/.dev/' >>.git/info/exclude

# x86-64-v3 (AVX2, FMA): the device's processor is not this one; sm_90: H100 and H200.
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
      -DSTEREOGRAD_MARCH=x86-64-v3 >/dev/null
cmake --build build-gpu -j"$(nproc)"
grep -q 'STEREOGRAD_CUDNN_LIBRARY:FILEPATH=/' build-gpu/CMakeCache.txt ||
  { echo "device_pack: build-gpu has no cuDNN" >&2; exit 1; }

rm -rf .dev && mkdir -p .dev/build-gpu .dev/lib
cp build-gpu/stereograd build-gpu/stereograd_tests build-gpu/bench_ops build-gpu/bench_train \
   build-gpu/*.cmake .dev/build-gpu/
cp -L "$(g++ -print-file-name=libgomp.so.1)" .dev/lib/
tar -czf .dev/deps.tar.gz -C / usr/include/eigen3 usr/share/eigen3/cmake usr/include/doctest \
    usr/lib/cmake/doctest usr/include/nlohmann usr/share/cmake/nlohmann_json
# The build's absolute paths (CTest files, STEREOGRAD_BINARY in the tests) name this tree.
pwd >.dev/source_dir
du -sh .dev

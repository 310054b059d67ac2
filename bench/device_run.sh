#!/usr/bin/env bash
# Everything that needs a real GPU, in one call on a lent GPU machine (the device tool of
# ../.library/device): the test suite with Device::CUDA registered (every op test then
# runs our kernels on the GPU, and the GPU training-step test runs own conv and cuDNN),
# bench_ops (own conv and cuDNN side by side, against cuBLAS SGEMM and the stream
# bandwidth), bench_train, compare_frameworks against that machine's PyTorch (eager and
# torch.compile; Keras too where its TensorFlow sees the GPU, else skipped with a line),
# and the default training on the GPU. bench/device_pack.sh prepares .dev/
# here first; the run then takes "bash bench/device_run.sh" with carry [".dev"].
#
# Each step has its own time limit, so that one slow step leaves the others their time.
# Logs and results go to $OUT (at most 8 files come back): run.log, the step's outputs,
# and results.tgz with everything.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/device_out}
mkdir -p "$OUT/r"
R=$OUT/r
LOG=$OUT/run.log
say() { echo "== $(date +%T) $*" | tee -a "$LOG"; }
pack() { tar -czf "$OUT/results.tgz" -C "$OUT" r 2>/dev/null; }
# step NAME SECONDS CMD...: runs CMD with a time limit, its output in $R/NAME.txt.
step() {
  local name=$1 limit=$2 t0 rc
  shift 2
  t0=$(date +%s)
  say "$name: $*"
  timeout --kill-after=5 "$limit" "$@" >"$R/$name.txt" 2>&1
  rc=$?
  say "$name: exit $rc after $(($(date +%s) - t0)) s"
  tail -n 15 "$R/$name.txt" | tee -a "$LOG"
  pack
  return $rc
}

say "machine"
{ nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm,power.limit \
    --format=csv; nproc; grep -m1 'model name' /proc/cpuinfo; head -2 /etc/os-release
  nvcc --version | tail -1; python3 -c 'import torch; print("torch", torch.__version__)'; } \
  2>&1 | tee -a "$LOG"

# The libraries the build links: cuDNN and cuBLAS (PyTorch's wheels or the toolkit), cudart.
libdirs=""
for f in $(find /usr/local /opt /usr/lib -xdev \( -name 'libcudnn.so.9' -o -name 'libcublas.so.13' \
           -o -name 'libcudart.so.13' \) 2>/dev/null); do
  libdirs="$libdirs:$(dirname "$f")"
done
export LD_LIBRARY_PATH="${libdirs#:}:$PWD/.dev/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
say "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

# The binaries built here name the source tree they were built in: make it resolve.
src=$(cat .dev/source_dir 2>/dev/null || echo none)
if [ "$src" != "$PWD" ] && [ ! -e "$src" ]; then mkdir -p "$(dirname "$src")" && ln -s "$PWD" "$src"; fi
rm -rf build-gpu && cp -a .dev/build-gpu build-gpu
B=build-gpu
if ldd $B/stereograd_tests | grep -q 'not found' || ! $B/stereograd_tests -ltc >/dev/null 2>&1 ||
   [ "$(readlink -f "$src")" != "$(readlink -f "$PWD")" ]; then
  say "the packed binaries do not run here; building on this machine"
  ldd $B/stereograd_tests | grep 'not found' | tee -a "$LOG"
  tar -xzf .dev/deps.tar.gz -C /
  cudnn_lib=$(find /usr/local /opt /usr/lib -xdev -name 'libcudnn.so.9' 2>/dev/null | head -1)
  cudnn_inc=$(find /usr/local /opt /usr/lib -xdev -name 'cudnn.h' 2>/dev/null | head -1)
  rm -rf $B
  step build 300 bash -c "cmake -S . -B $B -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DSTEREOGRAD_CUDNN_LIBRARY=$cudnn_lib -DSTEREOGRAD_CUDNN_INCLUDE_DIR=$(dirname "$cudnn_inc") \
    && cmake --build $B -j$(nproc)" || { say "build failed"; exit 1; }
fi
$B/stereograd --help >/dev/null 2>&1 || say "stereograd does not start"

# Tests: every CTest test with the GPU backend registered; then the GPU step test alone.
step ctest 150 ctest --test-dir $B -j 12 --timeout 120 --output-on-failure
step gpu_step 60 $B/stereograd_tests -s -tc='cuda backend: on the GPU*'
# Issue 20 on the GPU: the device-side Adam schedule and one update launch give the
# per-parameter update's bits, a warm step makes no host synchronisation (the pinned
# staging of uploads can only be seen busy here), the trainer's steps none either.
step step_sync 90 $B/stereograd_tests -s -tc='step sync:*'

# Benchmarks.
step bench_ops 90 $B/bench_ops --device cuda --batch 64,1024 --json "$R/bench_ops.json" \
  --md "$R/bench_ops.md"
step bench_train 60 $B/bench_train --device cuda --model difference2d,difference1d,unet \
  --json "$R/bench_train.json"
# Issue 20: the same steps with one loss read per 16 steps (the trainer's way: no step
# waits for the device), per step, beside bench_train's one-read-per-step figures above.
step bench_train_noread 60 $B/bench_train --device cuda --model difference2d,difference1d,unet \
  --read-every 16 --json "$R/bench_train_noread.json"
# Issue 20's batch-4,096 step and its ops' roofline fractions (the floor: the sum over
# the step's ops of max(FLOPs / peak, bytes / bandwidth), from bench_ops_4096.json).
step bench_train_4096 60 $B/bench_train --device cuda --model difference2d --batch 4096 \
  --json "$R/bench_train_4096.json"
step bench_ops_4096 90 $B/bench_ops --device cuda --batch 4096 --json "$R/bench_ops_4096.json" \
  --md "$R/bench_ops_4096.md"
STEREOGRAD_CONV=cudnn step bench_train_cudnn 60 $B/bench_train --device cuda \
  --model difference2d,difference1d,unet --json "$R/bench_train_cudnn.json"
step compare_eager 90 python3 bench/compare_frameworks.py --ours-bin $B/bench_train --device cuda \
  --modes eager --threads "$(nproc)" --json "$R/compare_eager.json" --md "$R/compare_eager.md"

# The README's main job on the GPU: the default training, then its accuracy table.
step train_gpu 150 bash -c "time $B/stereograd train --config configs/difference_squares_10deg.json \
  --out $R/run_gpu --device cuda"
step train_gpu_cudnn 150 bash -c "time $B/stereograd train --config configs/difference_squares_10deg.json \
  --out $R/run_gpu_cudnn --device cuda --conv cudnn"

step compare_compiled 120 python3 bench/compare_frameworks.py --ours-bin $B/bench_train \
  --frameworks pytorch --device cuda --modes compiled --threads "$(nproc)" --json "$R/compare_compiled.json" \
  --md "$R/compare_compiled.md"
say "done"
pack

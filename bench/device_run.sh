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
# Each step has its own time limit, so that one slow step leaves the others their time,
# and the whole run a budget (BUDGET_S, default 560 s: the device tool's 600 s per call
# less the transfers): a step gets at most what is left, and is skipped with a line when
# nothing is. The steps run most important first: the tests, then issue 20's step timings
# with and without the CUDA graph, the roofline, the frameworks, the README's job.
# Logs and results go to $OUT (at most 8 files come back): run.log, the step's outputs,
# and results.tgz with everything.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/device_out}
mkdir -p "$OUT/r"
R=$OUT/r
LOG=$OUT/run.log
say() { echo "== $(date +%T) $*" | tee -a "$LOG"; }
DEADLINE=$(($(date +%s) + ${BUDGET_S:-560}))
pack() { tar -czf "$OUT/results.tgz" -C "$OUT" r 2>/dev/null; }
# step NAME SECONDS CMD...: runs CMD with a time limit, its output in $R/NAME.txt.
step() {
  local name=$1 limit=$2 t0 rc left
  shift 2
  t0=$(date +%s)
  left=$((DEADLINE - t0))
  if [ "$left" -lt 10 ]; then say "$name: skipped, the run's budget is spent"; return 124; fi
  [ "$limit" -gt "$left" ] && limit=$left
  say "$name (limit ${limit} s): $*"
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

# Tests: every CTest test with the GPU backend registered; then the GPU cases alone.
step ctest 150 ctest --test-dir $B -j 12 --timeout 120 --output-on-failure
# Issue 20 on the GPU: the captured training step (one CUDA graph, replayed) gives the
# bits of the same step uncaptured and of today's step, with a short batch between full
# ones (tests/test_step_graph.cpp); the device-side Adam schedule, no host sync once warm.
step step_graph 60 $B/stereograd_tests -s -tc='step graph:*'
step step_sync 60 $B/stereograd_tests -s -tc='step sync:*'
step gpu_step 60 $B/stereograd_tests -s -tc='cuda backend: on the GPU*'

# Issue 20's targets: the step of each model at batch 64 with the graph (the default) and
# without (--no-graph), with one loss read per 16 steps as the trainer reads them.
step bench_train 60 $B/bench_train --device cuda --model difference2d,difference1d,unet \
  --read-every 16 --steps 50 --json "$R/bench_train.json"
step bench_train_nograph 60 $B/bench_train --device cuda --model difference2d,difference1d,unet \
  --read-every 16 --steps 50 --no-graph --json "$R/bench_train_nograph.json"
# The batch-4,096 step against its roofline floor (the sum over the step's ops of
# max(FLOPs / peak, bytes / bandwidth), bench_ops_4096.json, peaks measured in that run).
step bench_train_4096 60 $B/bench_train --device cuda --model difference2d,difference1d,unet \
  --batch 4096 --read-every 4 --steps 10 --json "$R/bench_train_4096.json"
step bench_train_4096_nograph 60 $B/bench_train --device cuda --model difference2d --batch 4096 \
  --read-every 4 --steps 10 --no-graph --json "$R/bench_train_4096_nograph.json"
step bench_ops_4096 90 $B/bench_ops --device cuda --batch 4096 --json "$R/bench_ops_4096.json" \
  --md "$R/bench_ops_4096.md"

# PyTorch on the same machine, eager and torch.compile, against our step (graph on).
step compare_eager 90 python3 bench/compare_frameworks.py --ours-bin $B/bench_train --device cuda \
  --modes eager --threads "$(nproc)" --json "$R/compare_eager.json" --md "$R/compare_eager.md"
step compare_compiled 120 python3 bench/compare_frameworks.py --ours-bin $B/bench_train \
  --frameworks pytorch --device cuda --modes compiled --threads "$(nproc)" --json "$R/compare_compiled.json" \
  --md "$R/compare_compiled.md"

# The README's main job on the GPU: wall time of the default training and its accuracy
# table (target < 1.5 s, 99.9-100 % within 2 deg), with the graph and without.
step train_gpu 90 bash -c "time $B/stereograd train --config configs/difference_squares_10deg.json \
  --out $R/run_gpu --device cuda"
step train_gpu_nograph 90 bash -c "time $B/stereograd train --config configs/difference_squares_10deg.json \
  --out $R/run_gpu_nograph --device cuda --no-graph"

# Own conv against cuDNN on every pass (bench_ops at batch 64 and 1,024), and the step
# with cuDNN's conv, where time is left.
step bench_ops 90 $B/bench_ops --device cuda --batch 64,1024 --json "$R/bench_ops.json" \
  --md "$R/bench_ops.md"
STEREOGRAD_CONV=cudnn step bench_train_cudnn 60 $B/bench_train --device cuda \
  --model difference2d,difference1d,unet --read-every 16 --json "$R/bench_train_cudnn.json"
say "done"
pack

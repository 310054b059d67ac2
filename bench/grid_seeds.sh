#!/usr/bin/env bash
# The 5-seed grid of a config (README, "Every particle size"): trains seeds 1-5, runs
# `eval --grid` on each checkpoint (the config's test_rotations), and tabulates them
# with bench/grid_seeds.py.
#   bash bench/grid_seeds.sh [CONFIG] [OUT_DIR] [BIN]
# ~1.3 min per seed on 2 cores. No ground-truth angle reaches training or the choice of
# a run: every seed is kept, and only eval reads the angles.
set -euo pipefail
config=${1:-configs/difference_squares_10deg.json}
out=${2:-runs/grid_seeds}
bin=${3:-./build/stereograd}
mkdir -p "$out"
for s in 1 2 3 4 5; do
  "$bin" train --config "$config" --seed "$s" --out "$out/s$s" --force > "$out/s$s.log"
  "$bin" eval --checkpoint "$out/s$s/checkpoint.safetensors" --grid --out "$out/s$s/grid" > "$out/s$s.grid.log"
done
python3 "$(dirname "$0")/grid_seeds.py" "$out/table.md" "$out"/s?/grid/grid.json

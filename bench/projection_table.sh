#!/usr/bin/env bash
# The label-free projection table (docs/projections.md, README "Orientation from
# projections"): for each rendering (binary, --supersample 4) and dose (none, 30 e/px)
# and seed, `gen` writes 2,000 unlabelled training pairs and 1,000 unseen pairs of the
# 'S' (fixed circumradius 0.3, δ = 10°), `reconstruct` recovers the angles and the
# object from the training pairs alone and scores the unseen ones against it and
# against the true shape; a 180-pair set (360 projections) is reconstructed for the
# RMSE target. The same for the mirror-symmetric 'T' (configs prefixed t_; its single
# projections are scored modulo θ ≡ 180° − θ). Then the δ sweep 3°, 5°, 20°, 35° of the
# 'S' (supersample 4, noise-free).
# Usage: bash bench/projection_table.sh [BUILD_DIR] [OUT_DIR]
# CONFIGS="binary t_supersample4 ..." runs only the configs named (all when unset);
# RECON_OPTS="--warp 4" is passed to every reconstruct.
set -euo pipefail
build="${1:-build}"
out="${2:-bench/results/projections}"
seeds="${SEEDS:-1 2 3 4 5}"
bin="$build/stereograd"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
common="--projection --radius-min 0.3 --radius-max 0.3"
run() {  # name shape supersample dose delta seed
  local name="$1" shape="$2" ss="$3" dose="$4" delta="$5" seed="$6"
  if [ -n "${CONFIGS:-}" ] && [[ " $CONFIGS " != *" $name "* ]]; then return 0; fi
  local g="$common --shape $shape --supersample $ss --dose $dose --stereo-angle $delta"
  "$bin" gen $g --count 2000 --seed "$seed" --out "$tmp/train" >/dev/null
  "$bin" gen $g --count 1000 --seed $((1000 + seed)) --out "$tmp/test" >/dev/null
  "$bin" gen $g --count 180 --seed $((2000 + seed)) --out "$tmp/recon" >/dev/null
  local start=$(date +%s.%N)
  "$bin" reconstruct ${RECON_OPTS:-} --input "$tmp/train" --test "$tmp/test" --out "$tmp/r" | tail -1 > "$tmp/r.json"
  local end=$(date +%s.%N)
  "$bin" reconstruct ${RECON_OPTS:-} --input "$tmp/train" --test "$tmp/recon" --out "$tmp/r360" | tail -1 > "$tmp/r360.json"
  python3 - "$tmp/r.json" "$tmp/r360.json" "$name" "$shape" "$ss" "$dose" "$delta" "$seed" \
    "$(python3 -c "print($end - $start)")" >> "$out/runs.jsonl" <<'PY'
import json, sys
r, r360 = (json.load(open(p)) for p in sys.argv[1:3])
name, shape, ss, dose, delta, seed, secs = sys.argv[3:]
print(json.dumps({"config": name, "shape": shape, "supersample": int(ss), "dose": float(dose),
                  "delta": float(delta), "seed": int(seed), "seconds": float(secs),
                  "train": r["accuracy"], "train_sync": r["accuracy_sync"],
                  "train_rmse_ratio": r.get("rmse_ratio"),
                  "test": r["test"], "recon360": {k: r360.get("test_" + k) for k in
                  ("rmse", "rmse_true_angles", "rmse_ratio", "rmse_image_aligned")}}))
PY
  cp "$tmp/r360/test_object.png" "$out/${name}_seed${seed}_object360.png" 2>/dev/null || true
  cp "$tmp/r360/test_object_true_angles.png" "$out/${name}_seed${seed}_true_angles360.png" 2>/dev/null || true
  cp "$tmp/r360/test_truth.png" "$out/${name}_truth.png" 2>/dev/null || true
}
: > "$out/runs.jsonl"
for seed in $seeds; do
  for shape in s t; do
    p=""; [ "$shape" = t ] && p="t_"
    run "${p}binary" "$shape" 1 0 10 "$seed"
    run "${p}supersample4" "$shape" 4 0 10 "$seed"
    run "${p}binary_dose30" "$shape" 1 30 10 "$seed"
    run "${p}supersample4_dose30" "$shape" 4 30 10 "$seed"
  done
  for d in 3 5 20 35; do run "supersample4_delta$d" s 4 0 "$d" "$seed"; done
done
python3 bench/projection_table.py "$out/runs.jsonl" > "$out/table.md"
cat "$out/table.md"

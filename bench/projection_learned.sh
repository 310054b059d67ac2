#!/usr/bin/env bash
# The learned model on projections beside the classical method (README "Orientation from
# projections", docs/projections.md "A learned model on projections"). Per shape ('S',
# mirror-symmetric 'T'), rendering (binary, --supersample 4) and seed: `gen` writes 2,000
# unlabelled training pairs and 1,000 unseen pairs (fixed circumradius 0.3, δ = 10°);
# `reconstruct` recovers the training angles without a label and scores the unseen pairs
# by projection matching (the classical method; the known-shape matcher is the ceiling);
# its --pseudo-labels (the 2,000 pairs at their recovered angles + 30,000 pairs projected
# from the recovered object) train configs/projection_{s,t}_10deg.json, and `eval` scores
# that model on the same unseen pairs. No true angle reaches training or any choice:
# angles.npy of the unseen folder is read by the scoring alone.
# Usage: bash bench/projection_learned.sh [BUILD_DIR] [OUT_DIR]   (SEEDS="1 2 3 4 5";
# CASES="s:1 s:4 t:1 t:4", each shape:supersample[:dose], dose in e/px, 0 = no noise;
# DELTA=10, the stereo angle in degrees)
set -euo pipefail
build="${1:-build}"
out="${2:-bench/results/projections_learned}"
seeds="${SEEDS:-1 2 3 4 5}"
cases="${CASES:-s:1 s:4 t:1 t:4}"
delta="${DELTA:-10}"
bin="$build/stereograd"
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
: > "$out/runs.jsonl"
for seed in $seeds; do
  for c in $cases; do
    IFS=: read -r shape ss dose <<< "$c"
    dose="${dose:-0}"
    g="--projection --radius-min 0.3 --radius-max 0.3 --shape $shape --supersample $ss --dose $dose --stereo-angle $delta"
    d="$tmp/$shape$ss-$dose-$delta-$seed"
    "$bin" gen $g --count 2000 --seed "$seed" --out "$d/train" >/dev/null
    "$bin" gen $g --count 1000 --seed $((1000 + seed)) --out "$d/test" >/dev/null
    t0=$(date +%s.%N)
    "$bin" reconstruct --input "$d/train" --test "$d/test" --out "$d/r" --pseudo-labels "$d/pl" \
      --synthetic 30000 | tail -1 > "$d/r.json"
    t1=$(date +%s.%N)
    "$bin" train --config "$root/configs/projection_${shape}_10deg.json" --data "$d/pl" --seed "$seed" \
      --out "$d/run" >/dev/null
    t2=$(date +%s.%N)
    "$bin" eval --checkpoint "$d/run/checkpoint.safetensors" --data "$d/test" --out "$d/ev" >/dev/null
    python3 - "$d/r.json" "$d/ev/eval.json" "$shape" "$ss" "$seed" "$t0" "$t1" "$t2" "$dose" "$delta" >> "$out/runs.jsonl" <<'PY'
import json, sys
r, e = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
shape, ss, seed, t0, t1, t2, dose, delta = sys.argv[3:]
keep = ("within_1", "within_2", "median_abs_deg", "std_deg")
pick = lambda a: {k: a[k] for k in keep}
t = r["test"]
print(json.dumps({"shape": shape, "supersample": int(ss), "dose": float(dose), "delta": float(delta), "seed": int(seed),
                  "recovery_train_within_2": r["accuracy"]["within_2"],
                  "classical": {"single": pick(t["single"]), "pair": pick(t["pair"])},
                  "known_shape": {"single": pick(t["known_shape"]["single"]), "pair": pick(t["known_shape"]["pair"])},
                  "learned": {"single": pick(e), "pair": pick(e["pair"])},
                  "reconstruct_s": float(t1) - float(t0), "train_s": float(t2) - float(t1)}))
PY
    tail -1 "$out/runs.jsonl"
    rm -rf "$d"
  done
done
python3 "$root/bench/projection_learned.py" "$out/runs.jsonl" > "$out/table.md"
cat "$out/table.md"

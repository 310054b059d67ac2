#!/usr/bin/env bash
# The heatmap2d rows of the 3-D single-axis table (docs/particles3d.md, README "3-D
# particles") for any shapes and data seeds. Per shape S and data seed N: `gen` writes
# 4,096 training pairs with synchronisation pseudo-labels (label-free) and 1,000 unseen
# pairs of the same R0 (--first-index 1000000); `train` fits
# configs/particle_single_axis_S.json (training seed 1) on the training folder; `eval`
# scores the model (SN_model.json) and, with CLASSICAL=1, the synchronisation and the
# known-shape matcher (SN_classical.json; the matcher on the first MATCH_PAIRS pairs).
# Each eval3d.json is copied to OUT_DIR, and for the seeds in FIGURE_SEEDS (default 1) the
# model's error-against-alpha plots and its sample grid (eval's figures).
# The true angles (orientations.npy of the unseen folder) are read by eval only.
# Usage: SHAPES="octahedron icosahedron" SEEDS="1 2 3" bash bench/particles3d_table.sh [BUILD_DIR] [OUT_DIR]
# Env: CLASSICAL=1|0 (default 1), MATCH_PAIRS (default 1000), NOISE="--blur 1 --dose 30"
# (suffix 'n' on the file names), WORK (scratch folder, default a temporary one), COUNT
# (training pairs, default 4096; another count adds 'cN' to the file names), EPOCHS (the
# config's epochs_per_stage, default the config's; another adds 'eN').
set -euo pipefail
build="${1:-build}"
out="${2:-bench/results/particles3d_heatmap2d}"
shapes="${SHAPES:-octahedron cuboctahedron icosahedron}"
seeds="${SEEDS:-1 2 3}"
classical="${CLASSICAL:-1}"
match_pairs="${MATCH_PAIRS:-1000}"
noise="${NOISE:-}"
figure_seeds="${FIGURE_SEEDS:-1}"
count="${COUNT:-4096}"
epochs="${EPOCHS:-}"
suffix=""; [ -n "$noise" ] && suffix="n"
[ "$count" != 4096 ] && suffix="${suffix}c$count"
[ -n "$epochs" ] && suffix="${suffix}e$epochs"
bin="$build/stereograd"
work="${WORK:-$(mktemp -d)}"
[ -z "${WORK:-}" ] && trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work"
for shape in $shapes; do
  for seed in $seeds; do
    name="$shape$seed$suffix"
    train="$work/${name}_train" test="$work/${name}_test" run="$work/run_$name"
    g="--shape $shape --task single-axis --supersample 4 --seed $seed $noise"
    "$bin" gen $g --count "$count" --pseudo-labels --out "$train" > "$work/$name.gen.log"
    "$bin" gen $g --count 1000 --first-index 1000000 --out "$test" >> "$work/$name.gen.log"
    config="configs/particle_single_axis_$shape.json"
    if [ -n "$epochs" ]; then  # the same config with another epochs_per_stage
      python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["epochs_per_stage"]=int(sys.argv[2]); json.dump(c,open(sys.argv[3],"w"),indent=2)' \
        "$config" "$epochs" "$work/$name.config.json"
      config="$work/$name.config.json"
    fi
    start=$(date +%s)
    "$bin" train --config "$config" --data "$train" --out "$run" --force \
      > "$work/$name.train.log" 2>&1
    echo "$name: trained in $(( $(date +%s) - start )) s" | tee -a "$out/times.txt"
    "$bin" eval --checkpoint "$run/checkpoint.safetensors" --data "$test" --method model --out "$run/eval_model"
    cp "$run/eval_model/eval3d.json" "$out/${name}_model.json"
    if [[ " $figure_seeds " == *" $seed "* ]]; then  # the figures (uncompressed PNG, 75-120 kB each)
      for f in error_vs_alpha_model_single error_vs_alpha_model_pair samples_model_single; do
        cp "$run/eval_model/$f.png" "$out/${name}_$f.png"
      done
    fi
    if [ "$classical" = 1 ]; then
      "$bin" eval --data "$test" --method classical --match-pairs "$match_pairs" --out "$run/eval_classical"
      cp "$run/eval_classical/eval3d.json" "$out/${name}_classical.json"
    fi
  done
done
python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
def cell(r):
    return "%.1f / %.1f / %.1f (%.3f°)" % (r["within_2"], r["within_5"], r["within_10"], r["median_abs_deg"])
print("| shape, data seed (R0) | heatmap2d, single | heatmap2d, pair | sync, pairs | match, single | match, pair | ms/image model / sync / match |")
print("|---|---|---|---|---|---|---|")
for f in sorted(glob.glob(os.path.join(out, "*_model.json"))):
    m = json.load(open(f))
    rows = {(r["method"], r["input"]): r for r in m["rows"]}
    c = f.replace("_model.json", "_classical.json")
    if os.path.exists(c):
        cj = json.load(open(c))
        rows.update({(r["method"], r["input"]): r for r in cj["rows"]})
        mp = cj.get("match_pairs", cj["pairs"])
    name = os.path.basename(f)[:-len("_model.json")]
    get = lambda k: cell(rows[k]) if k in rows else "—"
    ms = lambda k: "%.2f" % rows[k]["ms_per_image"] if k in rows else "—"
    match_note = "" if ("match", "single") not in rows or mp == m["pairs"] else " (first %d pairs)" % mp
    print("| %s | %s | %s | %s | %s%s | %s%s | %s / %s / %s |" % (
        name, get(("model", "single")), get(("model", "pair")), get(("sync", "pairs")),
        get(("match", "single")), match_note, get(("match", "pair")), match_note,
        ms(("model", "single")), ms(("sync", "pairs")), ms(("match", "single"))))
PY

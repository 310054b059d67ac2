#!/usr/bin/env bash
# End-to-end speed and accuracy of `predict --micrograph` (docs/micrograph.md):
# generates a FRAME x FRAME micrograph of COUNT squares (uniform noise U[0, NOISE)), times
# predict with /usr/bin/time -v (wall time, max RSS), then matches detections to truth by
# centroid distance (< 3 px) and reports recall, precision and the angle accuracy: the
# share of matched particles within 2° of truth after removing the model's constant
# offset (the circular mean of the 4θ differences; a self-supervised model's zero is its own).
# Usage: bench/micrograph_speed.sh [BIN] [CHECKPOINT] [FRAME] [COUNT] [NOISE] [METHOD]
# (EXTRA="--rotations 1" passes more options to predict)
set -euo pipefail
BIN=${1:-build-mg/stereograd}
CK=${2:-/tmp/exp/seeds/difference_squares_10deg/s1/checkpoint.safetensors}
FRAME=${3:-4096}
COUNT=${4:-8000}
NOISE=${5:-1}
METHOD=${6:-model}
DIR=$(mktemp -d /tmp/mg_bench.XXXXXX)
"$BIN" gen --micrograph --frame "$FRAME" --count "$COUNT" --noise "$NOISE" --seed 1 --out "$DIR/g" >/dev/null
ARGS=(--micrograph "$DIR/g/micrograph.npy" --out "$DIR/p")
if [ "$METHOD" = moments ]; then ARGS+=(--method moments); else ARGS+=(--checkpoint "$CK"); fi
read -r -a MORE <<< "${EXTRA:-}"
ARGS+=("${MORE[@]}")
/usr/bin/time -v "$BIN" predict "${ARGS[@]}" 2> "$DIR/time.txt" >/dev/null
WALL=$(grep "Elapsed (wall clock)" "$DIR/time.txt" | awk '{print $NF}')
RSS=$(grep "Maximum resident" "$DIR/time.txt" | awk '{print $NF}')
python3 - "$DIR/g/truth.csv" "$DIR/p/particles.csv" "$WALL" "$RSS" <<'PY'
import csv, math, sys
truth = list(csv.DictReader(open(sys.argv[1])))
found = list(csv.DictReader(open(sys.argv[2])))
wall = sys.argv[3].split(":"); secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
cell = {}
for f in found: cell.setdefault((int(float(f["x"]) // 8), int(float(f["y"]) // 8)), []).append(f)
pairs = []
for t in truth:
    x, y = float(t["x"]), float(t["y"])
    best = None
    for a in range(int(x // 8) - 1, int(x // 8) + 2):
        for b in range(int(y // 8) - 1, int(y // 8) + 2):
            for f in cell.get((a, b), []):
                d = math.hypot(float(f["x"]) - x, float(f["y"]) - y)
                if d < 3 and (best is None or d < best[0]): best = (d, f)
    if best: pairs.append((t, best[1]))
diff = [math.radians(4 * (float(f["angle_deg"]) - float(t["angle_deg"]))) for t, f in pairs if f["flags"] == "ok"]
off = math.atan2(sum(map(math.sin, diff)), sum(map(math.cos, diff)))
err = [abs(math.degrees(math.remainder(d - off, 2 * math.pi)) / 4) for d in diff]
within = sum(e < 2 for e in err) / max(1, len(err))
print(f"particles {len(found)} in {secs:.2f} s: {len(found) / secs:.0f} particles/s, max RSS {int(sys.argv[4]) / 1024:.0f} MiB")
print(f"recall {len(pairs) / len(truth):.4f}, precision {len(pairs) / max(1, len(found)):.4f}, "
      f"flagged {sum(f['flags'] != 'ok' for f in found)}")
print(f"angle (ok particles, offset {math.degrees(off) / 4:.2f} deg removed): {100 * within:.1f} % within 2 deg, "
      f"median error {sorted(err)[len(err) // 2]:.2f} deg")
PY
rm -rf "$DIR"

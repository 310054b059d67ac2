#!/usr/bin/env python3
"""Five-seed summary of the 3-D single-axis heatmap2d rows (README "3-D particles").
Usage: python3 bench/particles3d_summary.py NEW_DIR [BEFORE_DIR]
NEW_DIR holds SHAPE{1..5}_model.json (bench/particles3d_table.sh) and SHAPE{1..5}_sync.json
(`eval --method classical --match-pairs 1` on the same unseen pairs: the sync row);
BEFORE_DIR an earlier config's SHAPE{1..5}_model.json, counted beside it. % within 2 deg."""
import json, os, sys

new = sys.argv[1]
before = sys.argv[2] if len(sys.argv) > 2 else None

def rows(path):
    return {(r["method"], r["input"]): r for r in json.load(open(path))["rows"]}

print("| shape | single, seeds 1–5 | pair, seeds 1–5 | seeds ≥ 99 % single / pair |"
      + (" before: seeds ≥ 99 % single / pair |" if before else "")
      + " sync pairs (label-free), seeds 1–5 | median error single / pair |")
print("|---|---|---|---|" + ("---|" if before else "") + "---|---|")
for shape in ["cube", "decahedron", "octahedron", "cuboctahedron", "icosahedron"]:
    if not os.path.exists(os.path.join(new, f"{shape}1_model.json")):
        continue
    m = [rows(os.path.join(new, f"{shape}{s}_model.json")) for s in range(1, 6)]
    single = [r[("model", "single")]["within_2"] for r in m]
    pair = [r[("model", "pair")]["within_2"] for r in m]
    ms = [r[("model", "single")]["median_abs_deg"] for r in m]
    mp = [r[("model", "pair")]["median_abs_deg"] for r in m]
    sync = [rows(os.path.join(new, f"{shape}{s}_sync.json"))[("sync", "pairs")]["within_2"] for s in range(1, 6)]
    seq = lambda v: " / ".join("%.1f" % x for x in v)
    count = lambda v: sum(x >= 99 for x in v)
    cells = [shape, seq(single), seq(pair), f"**{count(single)}/5 / {count(pair)}/5**"]
    if before:
        b = [rows(os.path.join(before, f"{shape}{s}_model.json")) for s in range(1, 6)]
        cells.append(f"{count([r[('model', 'single')]['within_2'] for r in b])}/5 / "
                     f"{count([r[('model', 'pair')]['within_2'] for r in b])}/5")
    cells += [seq(sync), f"{min(ms):.2f}–{max(ms):.2f}° / {min(mp):.2f}–{max(mp):.2f}°"]
    print("| " + " | ".join(cells) + " |")

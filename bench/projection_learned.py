"""Markdown table of bench/projection_learned.sh: per case and seed, the unseen pairs'
% within 2 deg for the learned heatmap model, the classical projection matching against
the recovered object, and the known-shape matcher (the ceiling); then the medians and how
many seeds meet the issue's targets (single >= 90 %, pair >= 95 % within 2 deg). The T's
single projections are scored modulo its fold."""
import json, sys
from collections import defaultdict
from statistics import median

runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = defaultdict(list)
for r in runs:
    rend = "binary" if r["supersample"] == 1 else f"supersample {r['supersample']}"
    if r.get("dose", 0) > 0:
        rend += f", dose {r['dose']:g}"
    if r.get("delta", 10) != 10:
        rend += f", δ = {r['delta']:g}°"
    by[(r["shape"].upper(), rend)].append(r)
print("| shape, rendering | seed | learned single ≤2° | learned pair ≤2° | classical single ≤2° | classical pair ≤2° | known shape single / pair ≤2° | learned − classical (single, pair) | recover s | train s |")
print("|---|---|---|---|---|---|---|---|---|---|")
for (shape, rend), rs in by.items():
    rs.sort(key=lambda r: r["seed"])
    for r in rs:
        L, C, K = r["learned"], r["classical"], r["known_shape"]
        print(f"| {shape}, {rend} | {r['seed']} | {L['single']['within_2']:.1f} | {L['pair']['within_2']:.1f} | "
              f"{C['single']['within_2']:.1f} | {C['pair']['within_2']:.1f} | "
              f"{K['single']['within_2']:.1f} / {K['pair']['within_2']:.1f} | "
              f"{L['single']['within_2'] - C['single']['within_2']:+.1f}, {L['pair']['within_2'] - C['pair']['within_2']:+.1f} | "
              f"{r['reconstruct_s']:.0f} | {r['train_s']:.0f} |")
    m = lambda f: median(f(r) for r in rs)
    ok_s = sum(r["learned"]["single"]["within_2"] >= 90 for r in rs)
    ok_p = sum(r["learned"]["pair"]["within_2"] >= 95 for r in rs)
    print(f"| **{shape}, {rend}** | **median** | **{m(lambda r: r['learned']['single']['within_2']):.1f}** ({ok_s}/{len(rs)} ≥ 90) | "
          f"**{m(lambda r: r['learned']['pair']['within_2']):.1f}** ({ok_p}/{len(rs)} ≥ 95) | "
          f"{m(lambda r: r['classical']['single']['within_2']):.1f} | {m(lambda r: r['classical']['pair']['within_2']):.1f} | "
          f"{m(lambda r: r['known_shape']['single']['within_2']):.1f} / {m(lambda r: r['known_shape']['pair']['within_2']):.1f} | | | |")

#!/usr/bin/env python3
"""The 5-seed accuracy grid: one row per (size band, rendering, dose) cell, from the
grid.json that `stereograd eval --grid` wrote for each seed's checkpoint.

    python3 bench/grid_seeds.py OUT.md runs/grid/s*/grid/grid.json

Per cell: the seeds whose model reached >= 99 % within 2 deg, the median over seeds of
the model's % within 2 deg and sigma, the closed form's (the same pairs each seed: the
grid's pairs depend only on the config's data seed), and sigma model / closed form.
Standard library only; bench/ is the one place the project runs Python.
"""
import json
import statistics
import sys


def rendering(c):
    r = "binary" if c["supersample"] == 1 else "supersample %d" % c["supersample"]
    return r + (", dose %g" % c["dose"] if c["dose"] > 0 else "")


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: grid_seeds.py OUT.md GRID.json [GRID.json ...]")
    out, files = sys.argv[1], sys.argv[2:]
    grids = [json.load(open(f)) for f in files]
    size = grids[0].get("size", 64)
    rows = []
    for i, c in enumerate(grids[0]["cells"]):
        cells = [g["cells"][i] for g in grids]
        for x in cells:
            if (x["radius_min"], x["supersample"], x["dose"]) != (c["radius_min"], c["supersample"], c["dose"]):
                sys.exit("%s: the grids do not have the same cells" % out)
        m2 = [x["model"]["within_2"] for x in cells]
        ms = [x["model"]["std_deg"] for x in cells]
        c2 = [x["moments"]["within_2"] for x in cells if "moments" in x]
        cs = [x["moments"]["std_deg"] for x in cells if "moments" in x]
        rows.append({
            "radius_min": c["radius_min"], "radius_max": c["radius_max"],
            "supersample": c["supersample"], "dose": c["dose"],
            "seeds": len(cells), "seeds_99": sum(v >= 99.0 for v in m2),
            "model_within_2": statistics.median(m2), "model_std": statistics.median(ms),
            "moments_within_2": statistics.median(c2) if c2 else None,
            "moments_std": statistics.median(cs) if cs else None,
        })
    lines = ["| circumradius (px) | rendering | seeds ≥ 99 % | model ≤ 2° | model σ | closed form ≤ 2° | closed form σ | σ model / closed form |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        band = "%.0f–%.0f" % (r["radius_min"] * size, r["radius_max"] * size)
        cf = r["moments_std"]
        lines.append("| %s | %s | %d/%d | %.1f %% | %.2f° | %s | %s | %s |" % (
            band, rendering(r), r["seeds_99"], r["seeds"], r["model_within_2"], r["model_std"],
            "%.1f %%" % r["moments_within_2"] if cf is not None else "–",
            "%.2f°" % cf if cf is not None else "–",
            "%.2f" % (r["model_std"] / cf) if cf else "–"))
    text = "\n".join(lines) + "\n"
    with open(out + ".tmp", "w") as f:
        f.write(text)
    import os
    os.replace(out + ".tmp", out)
    with open(out.rsplit(".", 1)[0] + ".json.tmp", "w") as f:
        json.dump({"files": files, "rows": rows}, f, indent=1)
    os.replace(out.rsplit(".", 1)[0] + ".json.tmp", out.rsplit(".", 1)[0] + ".json")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()

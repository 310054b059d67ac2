#!/usr/bin/env python3
"""Training throughput of stereograd against the same models written in PyTorch.

The Difference Model 2-D and 1-D and the U-Net are written below in PyTorch exactly as
models/difference.cpp and models/unet.cpp build them (layers, padding, ReLU, dropout
0.1, Glorot-uniform kernels and zero biases, NCHW), and trained on the same work: one
self-supervised step on a batch of random 64x64 images (the content does not change the
time), the same loss, backward, and Adam with Keras's defaults (lr 1e-3, eps 1e-7).

Each model is timed the way bench/bench_train.cpp times ours: untimed warm-up steps,
then the median time of the timed steps, each ending with the loss read back (which
waits for the device). Ours runs as bench_train in a subprocess with the same batch,
steps and thread count; the two alternate in rounds (ours, PyTorch, ours, ...) so that
other jobs on a shared machine slow both alike, and each side reports the median over
rounds of its per-round medians.

--full times PyTorch doing every step of the default training (the step count and the
batch sizes computed from the config as train/trainer.cpp counts them, curriculum stages
included; no data generation, ranking or checkpoints) against bench_train --full (the
whole training, those included).

On a GPU (--device cuda), PyTorch runs eagerly and, with torch >= 2, also compiled
(torch.compile(mode="reduce-overhead")). Without PyTorch the script says so and exits 0.

    /usr/bin/python3 bench/compare_pytorch.py [--ours-bin build/bench_train]
        [--models difference2d,difference1d,unet] [--device cpu] [--batch 64]
        [--steps 20] [--warmup 3] [--rounds 3] [--threads N] [--modes eager,compiled] [--full]
        [--config configs/difference_squares_10deg.json] [--json FILE] [--md FILE]
"""
import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

MODELS = ("difference2d", "difference1d", "unet")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ours-bin", default="build/bench_train", help="our bench_train binary")
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated: " + ", ".join(MODELS))
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=20, help="timed steps per round (median)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps per round")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads for both sides")
    p.add_argument("--modes", default="eager,compiled",
                   help="PyTorch modes on a GPU: eager, compiled (torch.compile), or both")
    p.add_argument("--full", action="store_true", help="also time the whole default training")
    p.add_argument("--config", default="configs/difference_squares_10deg.json")
    p.add_argument("--json", help="write the results as JSON")
    p.add_argument("--md", help="write the results as a Markdown table")
    a = p.parse_args(argv)
    a.models = a.models.split(",")
    for m in a.models:
        if m not in MODELS:
            p.error(f"--models: unknown model '{m}' (expected {', '.join(MODELS)})")
    for name in ("batch", "steps", "rounds", "threads"):
        if getattr(a, name) < 1:
            p.error(f"--{name} must be >= 1")
    if a.warmup < 0:
        p.error("--warmup must be >= 0")
    return a


# ---------------------------------------------------------------- the models in PyTorch

def build_models(torch):
    nn = torch.nn
    F = torch.nn.functional

    def glorot(module):
        # Keras's defaults: glorot_uniform kernels, zero biases (engine/layers/layer.h).
        for m in module.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        return module

    def difference_cnn(two_d):
        # figure 2.1 / 2.9: 3 x (Conv 3 ReLU, MaxPool 2, Dropout 0.1) with 16, 32, 16
        # filters, 'valid' in 2-D (64 -> 6x6x16 = 576), 'same' in 1-D (64 -> 8x16 = 128);
        # Flatten, Dense 16 ReLU, Dense 2.
        layers, c = [], 1
        for f in (16, 32, 16):
            if two_d:
                layers += [nn.Conv2d(c, f, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.1)]
            else:
                layers += [nn.Conv1d(c, f, 3, padding=1), nn.ReLU(), nn.MaxPool1d(2), nn.Dropout(0.1)]
            c = f
        layers += [nn.Flatten(), nn.Linear(576 if two_d else 128, 16), nn.ReLU(), nn.Linear(16, 2)]
        return glorot(nn.Sequential(*layers))

    class Difference(nn.Module):
        # Stereo loss: d = wrap(phi2 - phi1) into [-pi, pi) (symmetric), mean (d - n delta)^2.
        def __init__(self, two_d, order):
            super().__init__()
            self.cnn, self.order = difference_cnn(two_d), order

        def loss(self, first, second, delta):
            sc1, sc2 = self.cnn(first), self.cnn(second)
            d = torch.atan2(sc2[:, 0], sc2[:, 1]) - torch.atan2(sc1[:, 0], sc1[:, 1])
            d = d - 2 * math.pi * torch.round(d / (2 * math.pi))
            return torch.mean((d - self.order * delta) ** 2)

    class UNet(nn.Module):
        # models/unet.h: encoder of 'same' convs 4, 8, 16, 32 (pool + dropout after the
        # first three), Dense 16 ReLU, Dense 2; bottleneck psi = wrap(atan2(S, C)/n + delta)
        # into [-P/2, P/2), P = 2 pi/n; decoder Dense 1 -> 16 -> 2048 ReLU, reshape 32x8x8,
        # 3 x (ConvTranspose 3 'same' ReLU, upsample x2, dropout) with 16, 8, 4 channels,
        # ConvTranspose to 1 channel ReLU; before each ConvTranspose the encoder's conv
        # output of the same size is concatenated. Loss: pixel MSE against the second image.
        def __init__(self, order):
            super().__init__()
            self.order = order
            self.enc = nn.ModuleList([nn.Conv2d(c, f, 3, padding=1) for c, f in ((1, 4), (4, 8), (8, 16), (16, 32))])
            self.enc_dense = nn.Sequential(nn.Flatten(), nn.Linear(2048, 16), nn.ReLU(), nn.Linear(16, 2))
            self.dec_dense = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 2048), nn.ReLU())
            self.dec = nn.ModuleList([nn.ConvTranspose2d(c, f, 3, padding=1)
                                      for c, f in ((64, 16), (32, 8), (16, 4), (8, 1))])
            self.drop = nn.Dropout(0.1)
            glorot(self)

        def loss(self, first, second, delta):
            maps, y = [], first
            for i, conv in enumerate(self.enc):
                y = F.relu(conv(y))
                maps.append(y)
                if i < 3:
                    y = self.drop(F.max_pool2d(y, 2))
            sc = self.enc_dense(y)
            period = 2 * math.pi / self.order
            psi = torch.atan2(sc[:, 0], sc[:, 1]) / self.order + delta
            psi = psi - period * torch.round(psi / period)
            y = self.dec_dense(psi.reshape(-1, 1)).reshape(-1, 32, 8, 8)
            for i, conv in enumerate(self.dec):
                y = F.relu(conv(torch.cat([y, maps[3 - i]], dim=1)))
                if i < 3:
                    y = self.drop(F.interpolate(y, scale_factor=2, mode="nearest"))
            return torch.mean((y - second) ** 2)

    return {
        "difference2d": lambda: Difference(True, 4),
        "difference1d": lambda: Difference(False, 4),
        "unet": lambda: UNet(4),
    }


class TorchStep:
    """One self-supervised training step of a model on a fixed batch."""

    def __init__(self, torch, make, model_name, batch, device, compiled):
        torch.manual_seed(1)
        self.torch = torch
        self.model = make().to(device).train()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
        shape = (batch, 1, 64) if model_name == "difference1d" else (batch, 1, 64, 64)
        self.first = torch.rand(shape, device=device)
        self.second = torch.rand(shape, device=device)
        self.delta = math.radians(10)
        self.loss_fn = self.model.loss
        if compiled:
            self.loss_fn = torch.compile(self.model.loss, mode="reduce-overhead")

    def __call__(self, first=None, second=None):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.first if first is None else first,
                            self.second if second is None else second, self.delta)
        loss.backward()
        self.opt.step()
        return loss.item()  # waits for the device


def median_step_seconds(step, warmup, steps):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ---------------------------------------------------------------- ours, through bench_train

def run_ours(args, extra):
    cmd = [args.ours_bin, "--threads", str(args.threads), "--batch", str(args.batch),
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--device", args.device] + extra
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"compare_pytorch: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


# ---------------------------------------------------------------- the default training

def training_batches(config):
    """The batch size of every step of the training `config` describes, as
    train/trainer.cpp runs it: total_epochs = epochs_per_stage * len(stages) +
    final_epochs; epoch e trains on epoch_pairs pairs (or, when 0, the first
    ceil(fraction * count) of the ranking, fraction = stages[min(e // epochs_per_stage,
    len(stages))], 1 after the last stage), in batches of `batch`, the last one partial."""
    stages = config.get("stages", [0.02, 0.10, 0.25, 0.33, 1.0])
    per_stage = config.get("epochs_per_stage", 5)
    epochs = per_stage * len(stages) + config.get("final_epochs", 5)
    batch = config.get("batch", 64)
    count = config.get("data", {}).get("count", 4096)
    sizes = []
    for e in range(epochs):
        s = min(e // per_stage, len(stages))
        fraction = stages[s] if s < len(stages) else 1.0
        pairs = config.get("epoch_pairs", 0) or max(1, min(count, math.ceil(fraction * count - 1e-9)))
        sizes += [min(batch, pairs - b) for b in range(0, pairs, batch)]
    return sizes


def torch_full_seconds(torch, make, model_name, sizes, device):
    step = TorchStep(torch, make, model_name, max(sizes), device, compiled=False)
    t0 = time.perf_counter()
    for n in sizes:
        step(step.first[:n], step.second[:n])
    return time.perf_counter() - t0


# ---------------------------------------------------------------- reporting

def machine(torch, threads):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    where = torch.__file__
    source = ("Debian's python3-torch" if where.startswith("/usr/lib/python3/dist-packages")
              else f"a local install ({os.path.dirname(where)})")
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    return {"cpu": cpu, "gpu": gpu, "cores": os.cpu_count(), "threads": threads,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "load_average_1min": os.getloadavg()[0], "python": platform.python_version(),
            "torch": torch.__version__, "torch_source": source}


def markdown(doc):
    m = doc["machine"]
    gpu = f"{m['gpu']} GPU, " if m.get("gpu") else ""
    lines = ["# compare_pytorch", "",
             f"Machine: {gpu}{m['cpu']}, {m['cores']} logical cores, {m['threads']} threads on both sides; "
             f"{m['date']}; 1-min load average {m['load_average_1min']:.2f} at the start, "
             f"{doc['load_average_1min_end']:.2f} at the end. PyTorch {m['torch']} from {m['torch_source']}, "
             f"Python {m['python']}. Each figure: median over {doc['rounds']} alternating rounds of the "
             f"median of {doc['steps']} steps after {doc['warmup']} warm-up steps (bench/README.md).", "",
             "| model | device | batch | threads | PyTorch | ours pairs/s | PyTorch pairs/s | ratio (ours / PyTorch) |",
             "|---|---|---:|---:|---|---:|---:|---:|"]
    for r in doc["results"]:
        lines.append(f"| {r['model']} | {r['device']} | {r['batch']} | {r['threads']} | {r['torch_mode']} | "
                     f"{r['ours_pairs_per_s']:.0f} | {r['torch_pairs_per_s']:.0f} | {r['ratio']:.2f} |")
    if "full" in doc:
        f = doc["full"]
        lines += ["", f"Whole default training ({f['config']}, {f['steps']} steps): ours {f['ours_s']:.1f} s "
                  f"(bench_train --full: data, curriculum, checkpoints included), PyTorch {f['torch_s']:.1f} s "
                  f"(the steps alone); ratio (PyTorch time / ours) {f['ratio']:.2f}."]
    return "\n".join(lines) + "\n"


def write_atomic(path, text):
    # As engine/io/atomic_file.h: a temporary in the same directory, renamed into place.
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=os.path.basename(path) + ".tmp.")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes it private; a result file is not
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    args = parse_args(argv)
    try:
        import torch
    except ImportError:
        print(f"compare_pytorch: skipped: PyTorch is not installed for {sys.executable} "
              "(on Debian: apt install python3-torch, then run /usr/bin/python3 "
              "bench/compare_pytorch.py)")
        return 0
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("compare_pytorch: --device cuda: this PyTorch sees no GPU")
    if not os.access(args.ours_bin, os.X_OK):
        sys.exit(f"compare_pytorch: {args.ours_bin} is not an executable; build it with "
                 "cmake --build build --target bench_train, or point --ours-bin at it")
    torch.set_num_threads(args.threads)
    makes = build_models(torch)
    modes = ["eager"]
    if args.device == "cuda" and int(torch.__version__.split(".")[0]) >= 2:
        modes = [m for m in args.modes.split(",") if m]
        for m in modes:
            if m not in ("eager", "compiled"):
                sys.exit(f"compare_pytorch: --modes: unknown mode '{m}' (eager, compiled)")
    doc = {"bench": "compare_pytorch", "machine": machine(torch, args.threads), "steps": args.steps,
           "warmup": args.warmup, "rounds": args.rounds, "results": []}
    for model in args.models:
        ours, theirs = [], {mode: [] for mode in modes}
        steps = {mode: TorchStep(torch, makes[model], model, args.batch, args.device, mode == "compiled")
                 for mode in modes}
        for _ in range(args.rounds):
            ours += [r["step_ms"] / 1e3 for r in run_ours(args, ["--model", model])
                     if r["bench"] == "train_step"]
            for mode in modes:
                theirs[mode].append(median_step_seconds(steps[mode], args.warmup, args.steps))
        for mode in modes:
            o, t = statistics.median(ours), statistics.median(theirs[mode])
            r = {"model": model, "device": args.device, "batch": args.batch, "threads": args.threads,
                 "torch_mode": mode, "ours_step_ms": o * 1e3, "torch_step_ms": t * 1e3,
                 "ours_pairs_per_s": args.batch / o, "torch_pairs_per_s": args.batch / t,
                 "ratio": t / o, "ours_rounds_ms": [x * 1e3 for x in ours],
                 "torch_rounds_ms": [x * 1e3 for x in theirs[mode]]}
            print(json.dumps(r), flush=True)
            doc["results"].append(r)
    if args.full:
        with open(args.config) as f:
            config = json.load(f)
        sizes = training_batches(config)
        model = config.get("model", "difference2d")
        if model not in makes:
            sys.exit(f"compare_pytorch: --full: {args.config} trains '{model}', which has no "
                     f"PyTorch version here ({', '.join(MODELS)})")
        ours = [r for r in run_ours(args, ["--model", model, "--steps", "1", "--full",
                                           "--config", args.config]) if r["bench"] == "train_full"]
        t = torch_full_seconds(torch, makes[model], model, sizes, args.device)
        doc["full"] = {"config": args.config, "model": model, "steps": len(sizes),
                       "ours_s": ours[0]["seconds"], "torch_s": t, "ratio": t / ours[0]["seconds"]}
        print(json.dumps(doc["full"]), flush=True)
    doc["load_average_1min_end"] = os.getloadavg()[0]
    print(markdown(doc), end="")
    if args.json:
        write_atomic(args.json, json.dumps(doc, indent=1) + "\n")
    if args.md:
        write_atomic(args.md, markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Training throughput of stereograd against the same models in PyTorch and in Keras 3 / TensorFlow.

The Difference Model 2-D and 1-D and the U-Net are written below in PyTorch (NCHW) and in
Keras 3 with the TensorFlow backend (NHWC, Keras's own layout: the same work) exactly as
models/difference.cpp and models/unet.cpp build them (layers, 'valid'/'same' padding,
ReLU, max pooling, dropout 0.1, Glorot-uniform kernels and zero biases), and trained on
the same work: one self-supervised step on a batch of random 64x64 images (the content
does not change the time), the same loss, backward, and Adam with Keras's defaults
(lr 1e-3, eps 1e-7).

Each model is timed the way bench/bench_train.cpp times ours: untimed warm-up steps,
then the median time of the timed steps, each ending with the loss read back (which
waits for the device). Ours runs as bench_train in a subprocess with the same batch,
steps and thread count; the sides alternate in rounds (ours, PyTorch, Keras, ours, ...)
so that other jobs on a shared machine slow all alike, and each side reports the median
over rounds of its per-round medians.

PyTorch runs eagerly and, on a GPU (--device cuda) with torch >= 2, also compiled
(torch.compile(mode="reduce-overhead")). Keras runs the way a Keras user gets it fast: a
custom train step (tf.GradientTape, optimizer.apply_gradients) compiled by tf.function,
as model.fit runs it on a CPU (Keras does not use XLA there by default; --keras-modes
function,xla adds a row with tf.function(jit_compile=True)). TensorFlow's intra-op and
inter-op pools both get --threads threads (its defaults when that is the core count).

--full times every step of the default training in each framework present (the step
count and the batch sizes computed from the config as train/trainer.cpp counts them,
curriculum stages included; no data generation, ranking or checkpoints) against
bench_train --full (the whole training, those included).

--check builds every model in every framework present, prints its parameter count beside
ours (stereograd summary), runs one training step of each on 4 pairs, and exits 1 unless
the counts are all equal and every loss is finite; it times nothing.

A framework that is not importable is skipped with one line saying how to get it; with
none present the script says so and exits 0. It installs nothing. The frameworks from
PyPI live in a venv outside the repository (bench/README.md):

    python3 -m venv /work/venv-frameworks
    /work/venv-frameworks/bin/pip install tensorflow-cpu keras torch

    /work/venv-frameworks/bin/python bench/compare_frameworks.py [--ours-bin build/bench_train]
        [--frameworks pytorch,keras] [--models difference2d,difference1d,unet]
        [--device cpu|cuda] [--batch 64] [--steps 20] [--warmup 3] [--rounds 3] [--threads N]
        [--modes eager,compiled] [--keras-modes function[,xla]] [--full] [--check]
        [--stereograd-bin build/stereograd] [--config configs/difference_squares_10deg.json]
        [--json FILE] [--md FILE]
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

NAME = "compare_frameworks"
MODELS = ("difference2d", "difference1d", "unet")
FRAMEWORKS = ("pytorch", "keras")
SUMMARY_MODEL = {"difference2d": "difference", "difference1d": "difference1d", "unet": "unet"}
VENV_HELP = ("python3 -m venv /work/venv-frameworks && /work/venv-frameworks/bin/pip install "
             "tensorflow-cpu keras torch, then run /work/venv-frameworks/bin/python "
             "bench/compare_frameworks.py (bench/README.md)")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ours-bin", default="build/bench_train", help="our bench_train binary")
    p.add_argument("--stereograd-bin", help="our stereograd binary for --check "
                   "(default: stereograd beside --ours-bin)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                   help="comma-separated: " + ", ".join(FRAMEWORKS))
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated: " + ", ".join(MODELS))
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=20, help="timed steps per round (median)")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps per round")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="CPU threads for every side")
    p.add_argument("--modes", default="eager,compiled",
                   help="PyTorch modes on a GPU: eager, compiled (torch.compile), or both")
    p.add_argument("--keras-modes", default="function",
                   help="Keras modes: function (tf.function), xla (tf.function(jit_compile=True)), or both")
    p.add_argument("--full", action="store_true", help="also time the whole default training")
    p.add_argument("--check", action="store_true",
                   help="only compare the parameter counts of every model in every framework with ours")
    p.add_argument("--config", default="configs/difference_squares_10deg.json")
    p.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    p.add_argument("--json", help="write the results as JSON")
    p.add_argument("--md", help="write the results as a Markdown table")
    a = p.parse_args(argv)

    def split(opt, value, allowed):
        items = [x for x in value.split(",") if x]
        for x in items:
            if x not in allowed:
                p.error(f"--{opt}: unknown value '{x}' (expected {', '.join(allowed)})")
        return items

    a.frameworks = split("frameworks", a.frameworks, FRAMEWORKS)
    a.models = split("models", a.models, MODELS)
    a.modes = split("modes", a.modes, ("eager", "compiled"))
    a.keras_modes = split("keras-modes", a.keras_modes, ("function", "xla"))
    if not a.models:
        p.error("--models: no model named")
    for name in ("batch", "steps", "rounds", "threads"):
        if getattr(a, name) < 1:
            p.error(f"--{name} must be >= 1")
    if a.warmup < 0:
        p.error("--warmup must be >= 0")
    if a.stereograd_bin is None:
        a.stereograd_bin = os.path.join(os.path.dirname(a.ours_bin) or ".", "stereograd")
    return a


def source_of(module, debian_package):
    """Where an imported package comes from: Debian's package, a venv, or another install."""
    where = os.path.realpath(module.__file__)
    if where.startswith("/usr/lib/python3/dist-packages/"):
        return f"Debian's {debian_package}"
    if sys.prefix != sys.base_prefix and where.startswith(os.path.realpath(sys.prefix) + os.sep):
        return f"PyPI, the venv {sys.prefix}"
    return f"a local install ({os.path.dirname(os.path.dirname(where))})"


def distribution_version(*names):
    from importlib import metadata
    for n in names:
        try:
            return n, metadata.version(n)
        except metadata.PackageNotFoundError:
            pass
    return None, None


# ---------------------------------------------------------------- the models in PyTorch

def build_torch_models(torch):
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

    def slice(self, n):
        return self.first[:n], self.second[:n]


# ---------------------------------------------------------------- the models in Keras 3

def build_keras_models(tf, keras):
    """Each entry makes (loss(first, second, delta), parameter_count, trainable variables)."""
    L = keras.layers
    # Keras's defaults, written out: the models must start as ours do.
    init = dict(kernel_initializer="glorot_uniform", bias_initializer="zeros")
    two_pi = 2 * math.pi

    def difference_cnn(two_d):
        # As the PyTorch version above, channels last: (64, 64, 1) -> 6x6x16 = 576 in 2-D
        # ('valid'), (64, 1) -> 8x16 = 128 in 1-D ('same').
        x = inp = keras.Input((64, 64, 1) if two_d else (64, 1))
        for f in (16, 32, 16):
            if two_d:
                x = L.Conv2D(f, 3, padding="valid", activation="relu", **init)(x)
                x = L.MaxPooling2D(2)(x)
            else:
                x = L.Conv1D(f, 3, padding="same", activation="relu", **init)(x)
                x = L.MaxPooling1D(2)(x)
            x = L.Dropout(0.1)(x)
        x = L.Flatten()(x)
        x = L.Dense(16, activation="relu", **init)(x)
        return keras.Model(inp, L.Dense(2, **init)(x), name="difference_cnn")

    class Difference:
        def __init__(self, two_d, order):
            self.cnn, self.order = difference_cnn(two_d), order
            self.models = [self.cnn]

        def loss(self, first, second, delta):
            sc1, sc2 = self.cnn(first, training=True), self.cnn(second, training=True)
            d = tf.math.atan2(sc2[:, 0], sc2[:, 1]) - tf.math.atan2(sc1[:, 0], sc1[:, 1])
            d = d - two_pi * tf.round(d / two_pi)
            return tf.reduce_mean(tf.square(d - self.order * delta))

    class UNet:
        # As the PyTorch version above, channels last; the encoder returns its conv outputs
        # for the skips, the decoder takes the code and those maps (deepest first).
        def __init__(self, order):
            self.order = order
            x = inp = keras.Input((64, 64, 1))
            maps = []
            for i, f in enumerate((4, 8, 16, 32)):
                x = L.Conv2D(f, 3, padding="same", activation="relu", **init)(x)
                maps.append(x)
                if i < 3:
                    x = L.Dropout(0.1)(L.MaxPooling2D(2)(x))
            x = L.Flatten()(x)
            x = L.Dense(16, activation="relu", **init)(x)
            x = L.Dense(2, **init)(x)
            self.encoder = keras.Model(inp, [x] + maps, name="unet_encoder")

            code = keras.Input((1,))
            skips = [keras.Input(tuple(m.shape[1:])) for m in reversed(maps)]
            y = L.Dense(16, activation="relu", **init)(code)
            y = L.Dense(2048, activation="relu", **init)(y)
            y = L.Reshape((8, 8, 32))(y)
            for i, (f, skip) in enumerate(zip((16, 8, 4, 1), skips)):
                y = L.Concatenate(axis=-1)([y, skip])
                y = L.Conv2DTranspose(f, 3, padding="same", activation="relu", **init)(y)
                if i < 3:
                    y = L.Dropout(0.1)(L.UpSampling2D(2)(y))
            self.decoder = keras.Model([code] + skips, y, name="unet_decoder")
            self.models = [self.encoder, self.decoder]

        def loss(self, first, second, delta):
            sc, *maps = self.encoder(first, training=True)
            period = two_pi / self.order
            psi = tf.math.atan2(sc[:, 0], sc[:, 1]) / self.order + delta
            psi = psi - period * tf.round(psi / period)
            y = self.decoder([tf.reshape(psi, (-1, 1))] + maps[::-1], training=True)
            return tf.reduce_mean(tf.square(y - second))

    return {
        "difference2d": lambda: Difference(True, 4),
        "difference1d": lambda: Difference(False, 4),
        "unet": lambda: UNet(4),
    }


def keras_parameter_count(model):
    return sum(m.count_params() for m in model.models)


class KerasStep:
    """One self-supervised training step on a fixed batch: a tf.function-compiled custom
    train step (GradientTape, Adam.apply_gradients), the loss read back."""

    def __init__(self, tf, keras, make, model_name, batch, device, xla):
        keras.utils.set_random_seed(1)
        self.tf = tf
        with tf.device(device):
            self.model = make()
            self.variables = [v for m in self.model.models for v in m.trainable_variables]
            self.opt = keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
            self.opt.build(self.variables)
            shape = (64, 1) if model_name == "difference1d" else (64, 64, 1)  # channels last
            self.first = tf.random.uniform((batch,) + shape)
            self.second = tf.random.uniform((batch,) + shape)
        delta = math.radians(10)
        spec = tf.TensorSpec((None,) + shape, tf.float32)  # any batch size: one trace

        @tf.function(input_signature=[spec, spec], jit_compile=xla)
        def train_step(first, second):
            with tf.GradientTape() as tape:
                loss = self.model.loss(first, second, delta)
            grads = tape.gradient(loss, self.variables)
            self.opt.apply_gradients(zip(grads, self.variables))
            return loss

        self.train_step = train_step
        self.device = device

    def trace(self):
        self.train_step.get_concrete_function()

    def __call__(self, first=None, second=None):
        with self.tf.device(self.device):
            loss = self.train_step(self.first if first is None else first,
                                   self.second if second is None else second)
        return float(loss)  # waits for the device

    def slice(self, n):
        return self.first[:n], self.second[:n]


def median_step_seconds(step, warmup, steps):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ---------------------------------------------------------------- the frameworks present

class Framework:
    """One importable framework: its name, version, origin, and how to make a step."""

    def __init__(self, key, label, version, info, modes, make_step, count_params):
        self.key, self.label, self.version, self.info = key, label, version, info
        self.modes, self.make_step, self.count_params = modes, make_step, count_params


def load_pytorch(args):
    try:
        import torch
    except Exception as e:  # ImportError, or a broken install
        return (f"PyTorch is not importable by {sys.executable} ({type(e).__name__}: {e}); "
                f"to get it: {VENV_HELP}; or on Debian apt install python3-torch and run /usr/bin/python3")
    if args.device == "cuda" and not torch.cuda.is_available():
        return "--device cuda, and this PyTorch sees no GPU"
    torch.set_num_threads(args.threads)
    makes = build_torch_models(torch)
    modes = ["eager"]
    if args.device == "cuda" and int(torch.__version__.split(".")[0]) >= 2:
        modes = args.modes
    dist, _ = distribution_version("torch")
    info = {"version": torch.__version__, "distribution": dist,
            "source": source_of(torch, "python3-torch"), "threads": torch.get_num_threads()}

    def make_step(model, mode, batch):
        return TorchStep(torch, makes[model], model, batch, args.device, mode == "compiled")

    def count(model):
        return sum(p.numel() for p in makes[model]().parameters())

    return Framework("pytorch", f"PyTorch {torch.__version__}", torch.__version__, info, modes,
                     make_step, count)


def load_keras(args):
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no INFO lines on every start
    try:
        import tensorflow as tf
        import keras
    except Exception as e:
        return (f"Keras 3 / TensorFlow is not importable by {sys.executable} ({type(e).__name__}: {e}); "
                f"to get it: {VENV_HELP}")
    if int(keras.__version__.split(".")[0]) < 3 or keras.backend.backend() != "tensorflow":
        return (f"Keras {keras.__version__} with the {keras.backend.backend()} backend; this compares "
                f"Keras 3 on TensorFlow (KERAS_BACKEND=tensorflow; {VENV_HELP})")
    try:
        # Before TensorFlow's runtime starts: the thread pools, and no GPU for --device cpu.
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
        if args.device == "cpu":
            tf.config.set_visible_devices([], "GPU")
    except RuntimeError as e:
        return f"TensorFlow was initialised before its threads could be set: {e}"
    if args.device == "cuda" and not tf.config.list_physical_devices("GPU"):
        return ("--device cuda, and this TensorFlow sees no GPU (tensorflow-cpu never does; "
                "pip install tensorflow[and-cuda] for one that does)")
    makes = build_keras_models(tf, keras)
    device = "/GPU:0" if args.device == "cuda" else "/CPU:0"
    tf_dist, _ = distribution_version("tensorflow-cpu", "tensorflow", "tensorflow-intel")
    info = {"version": keras.__version__, "tensorflow": tf.__version__, "tensorflow_distribution": tf_dist,
            "source": source_of(keras, "python3-keras"), "tensorflow_source": source_of(tf, "python3-tensorflow"),
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
            "onednn_opts": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default")}

    def make_step(model, mode, batch):
        return KerasStep(tf, keras, makes[model], model, batch, device, mode == "xla")

    def count(model):
        with tf.device(device):
            return keras_parameter_count(makes[model]())

    return Framework("keras", f"Keras {keras.__version__} / TF {tf.__version__}", keras.__version__,
                     info, args.keras_modes, make_step, count)


LOADERS = {"pytorch": load_pytorch, "keras": load_keras}


# ---------------------------------------------------------------- one process per framework
#
# Each framework runs in a process of its own (this script with --worker), kept alive for
# the whole run so that its models, optimiser state and compiled steps persist between
# rounds: PyPI's torch and tensorflow both carry LLVM and abort when one process loads
# both ("Option ... registered more than once"), and neither's thread pools then spin on
# the other's time. The parent sends one JSON request per line on the worker's stdin and
# reads one JSON reply per line from a private pipe (the worker's fd 1 goes to stderr, so
# that what the libraries print never mixes with the replies).

def worker_main(args):
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)

    def reply(obj):
        replies.write(json.dumps(obj) + "\n")
        replies.flush()

    fw = LOADERS[args.worker](args)
    if isinstance(fw, str):
        reply({"skip": fw})
        return 0
    reply({"label": fw.label, "version": fw.version, "info": fw.info, "modes": fw.modes})
    steps = {}
    while True:
        line = sys.stdin.readline()
        if not line:  # the parent closed the pipe: done
            break
        req = json.loads(line)
        try:
            op = req["op"]
            if op == "time":
                key = (req["model"], req["mode"])
                if key not in steps:
                    steps[key] = fw.make_step(req["model"], req["mode"], req["batch"])
                reply({"seconds": median_step_seconds(steps[key], req["warmup"], req["steps"])})
            elif op == "forget":  # a model done: free its steps
                steps = {k: v for k, v in steps.items() if k[0] != req["model"]}
                reply({})
            elif op == "count":
                reply({"count": fw.count_params(req["model"])})
            elif op == "loss":
                reply({"loss": fw.make_step(req["model"], req["mode"], req["batch"])()})
            elif op == "full":
                reply({"seconds": full_seconds(fw, req["mode"], req["model"], req["sizes"])})
            else:
                reply({"error": f"unknown op '{op}'"})
        except Exception as e:  # the parent says what failed, and stops
            import traceback
            traceback.print_exc()
            reply({"error": f"{type(e).__name__}: {e}"})
    return 0


class Worker:
    """The parent's handle on one framework's worker process."""

    def __init__(self, key, args):
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", key, "--device", args.device,
               "--threads", str(args.threads), "--modes", ",".join(args.modes) or ",",
               "--keras-modes", ",".join(args.keras_modes) or ","]
        self.key = key
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = self._read()
        self.skip = hello.get("skip")
        if self.skip:
            self.close()
            return
        self.label, self.version, self.info, self.modes = (hello[k] for k in ("label", "version", "info", "modes"))

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            sys.exit(f"{NAME}: the {self.key} worker ended (exit {self.proc.wait()}); its error is above")
        r = json.loads(line)
        if "error" in r:
            sys.exit(f"{NAME}: {self.key}: {r['error']}")
        return r

    def call(self, **req):
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()


# ---------------------------------------------------------------- ours

def run_ours(args, extra):
    cmd = [args.ours_bin, "--threads", str(args.threads), "--batch", str(args.batch),
           "--steps", str(args.steps), "--warmup", str(args.warmup), "--device", args.device] + extra
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{NAME}: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def ours_parameter_count(args, model):
    cmd = [args.stereograd_bin, "summary", "--model", SUMMARY_MODEL[model]]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{NAME}: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    # The U-Net prints its encoder's and decoder's totals, then the sum: the last one.
    counts = re.findall(r"^Total params[^:]*:\s*([\d,]+)", r.stdout, re.M)
    if not counts:
        sys.exit(f"{NAME}: {' '.join(cmd)} printed no 'Total params' line")
    return int(counts[-1].replace(",", ""))


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


def full_seconds(fw, mode, model, sizes):
    """Every step of the training, on random data; a tf.function is traced before the clock starts."""
    step = fw.make_step(model, mode, max(sizes))
    if hasattr(step, "trace"):
        step.trace()
    t0 = time.perf_counter()
    for n in sizes:
        step(*step.slice(n))
    return time.perf_counter() - t0


# ---------------------------------------------------------------- reporting

def machine(workers, threads):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    gpu = None
    try:
        r = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                           capture_output=True, text=True, timeout=20)
        gpu = r.stdout.strip().splitlines()[0] if r.returncode == 0 and r.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        pass
    return {"cpu": cpu, "gpu": gpu, "cores": os.cpu_count(), "threads": threads,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "load_average_1min": os.getloadavg()[0], "python": platform.python_version(),
            "python_executable": sys.executable,
            "frameworks": {w.key: w.info for w in workers}}


def framework_sentence(key, info):
    if key == "pytorch":
        return f"PyTorch {info['version']} from {info['source']} ({info['threads']} threads)"
    return (f"Keras {info['version']} from {info['source']} on TensorFlow {info['tensorflow']} "
            f"({info['tensorflow_distribution']}) from {info['tensorflow_source']} "
            f"({info['intra_op_threads']} intra-op and {info['inter_op_threads']} inter-op threads, "
            f"oneDNN opts {info['onednn_opts']})")


def markdown(doc):
    m = doc["machine"]
    gpu = f"{m['gpu']} GPU, " if m.get("gpu") else ""
    fws = "; ".join(framework_sentence(k, v) for k, v in m["frameworks"].items()) or "no framework"
    lines = [f"# {NAME}", "",
             f"Machine: {gpu}{m['cpu']}, {m['cores']} logical cores, {m['threads']} threads on every side; "
             f"{m['date']}; 1-min load average {m['load_average_1min']:.2f} at the start, "
             f"{doc['load_average_1min_end']:.2f} at the end. {fws}; Python {m['python']} "
             f"({m['python_executable']}). Each figure: median over {doc['rounds']} alternating rounds of the "
             f"median of {doc['steps']} steps after {doc['warmup']} warm-up steps (bench/README.md).", ""]
    if doc["results"]:
        lines += ["| model | device | batch | threads | framework | mode | ours pairs/s | theirs pairs/s | "
                  "ratio (ours / theirs) |", "|---|---|---:|---:|---|---|---:|---:|---:|"]
        for r in doc["results"]:
            lines.append(f"| {r['model']} | {r['device']} | {r['batch']} | {r['threads']} | {r['framework_label']} | "
                         f"{r['mode']} | {r['ours_pairs_per_s']:.0f} | {r['their_pairs_per_s']:.0f} | "
                         f"{r['ratio']:.2f} |")
    if "full" in doc:
        f = doc["full"]
        lines += ["", f"Whole default training ({f['config']}, {f['model']}, {f['steps']} steps): ours "
                  f"{f['ours_s']:.1f} s (bench_train --full: data, curriculum, checkpoints included)."]
        if f["frameworks"]:
            lines += ["", "| framework | mode | seconds (the steps alone) | ratio (their time / ours) |",
                      "|---|---|---:|---:|"]
            lines += [f"| {x['framework_label']} | {x['mode']} | {x['seconds']:.1f} | {x['ratio']:.2f} |"
                      for x in f["frameworks"]]
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


def check(args, workers):
    """Every model's parameter count in every framework present beside ours, and one step
    of each giving a finite loss; 1 when a count differs or a loss is not finite."""
    if not os.access(args.stereograd_bin, os.X_OK):
        sys.exit(f"{NAME}: --check: {args.stereograd_bin} is not an executable; build it with "
                 "cmake --build build --target stereograd, or point --stereograd-bin at it")
    names = ["ours"] + [w.label for w in workers]
    print("| model | " + " | ".join(names) + " | equal |")
    print("|---|" + "---:|" * len(names) + "---|")
    ok = True
    for model in args.models:
        counts = [ours_parameter_count(args, model)] + [w.call(op="count", model=model)["count"]
                                                        for w in workers]
        same = len(set(counts)) == 1
        ok = ok and same
        for w in workers:  # and one training step on a small batch gives a finite loss
            for mode in w.modes:
                loss = w.call(op="loss", model=model, mode=mode, batch=4)["loss"]
                if not math.isfinite(loss):
                    print(f"{NAME}: --check: {model}, {w.label} {mode}: loss {loss}", file=sys.stderr)
                    ok = False
        print(f"| {model} | " + " | ".join(f"{c:,}" for c in counts) + f" | {'yes' if same else 'NO'} |",
              flush=True)
    if not ok:
        print(f"{NAME}: --check: the parameter counts differ", file=sys.stderr)
    return 0 if ok else 1


def main(argv):
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    workers = []
    for key in args.frameworks:
        w = Worker(key, args)
        if w.skip:
            print(f"{NAME}: {key}: skipped: {w.skip}", flush=True)
        else:
            workers.append(w)
    try:
        return run(args, workers)
    finally:
        for w in workers:
            w.close()


def run(args, workers):
    if args.check:
        return check(args, workers)
    if not workers:
        print(f"{NAME}: skipped: none of {', '.join(args.frameworks)} is importable by {sys.executable}")
        return 0
    if not os.access(args.ours_bin, os.X_OK):
        sys.exit(f"{NAME}: {args.ours_bin} is not an executable; build it with "
                 "cmake --build build --target bench_train, or point --ours-bin at it")
    doc = {"bench": NAME, "machine": machine(workers, args.threads), "steps": args.steps,
           "warmup": args.warmup, "rounds": args.rounds, "results": []}
    for model in args.models:
        sides = [(w, mode) for w in workers for mode in w.modes]
        ours, theirs = [], [[] for _ in sides]
        for _ in range(args.rounds):
            ours += [r["step_ms"] / 1e3 for r in run_ours(args, ["--model", model])
                     if r["bench"] == "train_step"]
            for i, (w, mode) in enumerate(sides):
                theirs[i].append(w.call(op="time", model=model, mode=mode, batch=args.batch,
                                        warmup=args.warmup, steps=args.steps)["seconds"])
        o = statistics.median(ours)
        for (w, mode), t_rounds in zip(sides, theirs):
            t = statistics.median(t_rounds)
            r = {"model": model, "device": args.device, "batch": args.batch, "threads": args.threads,
                 "framework": w.key, "framework_label": w.label, "framework_version": w.version,
                 "mode": mode, "ours_step_ms": o * 1e3, "their_step_ms": t * 1e3,
                 "ours_pairs_per_s": args.batch / o, "their_pairs_per_s": args.batch / t,
                 "ratio": t / o, "ours_rounds_ms": [x * 1e3 for x in ours],
                 "their_rounds_ms": [x * 1e3 for x in t_rounds]}
            print(json.dumps(r), flush=True)
            doc["results"].append(r)
        for w in workers:
            w.call(op="forget", model=model)
    if args.full:
        with open(args.config) as f:
            config = json.load(f)
        sizes = training_batches(config)
        model = config.get("model", "difference2d")
        if model not in MODELS:
            sys.exit(f"{NAME}: --full: {args.config} trains '{model}', which has no "
                     f"version here ({', '.join(MODELS)})")
        ours = [r for r in run_ours(args, ["--model", model, "--steps", "1", "--full",
                                           "--config", args.config]) if r["bench"] == "train_full"]
        full = {"config": args.config, "model": model, "steps": len(sizes), "ours_s": ours[0]["seconds"],
                "frameworks": []}
        for w in (w for w in workers if w.modes):
            mode = w.modes[0]  # eager PyTorch; tf.function Keras
            t = w.call(op="full", model=model, mode=mode, sizes=sizes)["seconds"]
            full["frameworks"].append({"framework": w.key, "framework_label": w.label, "mode": mode,
                                       "seconds": t, "ratio": t / full["ours_s"]})
        doc["full"] = full
        print(json.dumps(full), flush=True)
    doc["load_average_1min_end"] = os.getloadavg()[0]
    print(markdown(doc), end="")
    if args.json:
        write_atomic(args.json, json.dumps(doc, indent=1) + "\n")
    if args.md:
        write_atomic(args.md, markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

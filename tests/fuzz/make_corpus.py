#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus, tests/fuzz/corpus/<target>/: small valid inputs
that reach every branch of a parser's good path. Run from the repository root with the
checkpoint of a finished run (e.g. the 32-pixel config of tests/test_faults.cpp), a
dataset from `stereograd gen --count 2 --size 16` and one from the same with
`--projection` (small enough for -max_len=4096 with its params.json):

    python3 tests/fuzz/make_corpus.py RUN/checkpoint.safetensors DATASET/ PROJECTIONS/

Standard library only; numpy's format and safetensors' are simple enough to write here.
"""
import json
import math
import struct
import subprocess
import sys
from pathlib import Path

out = Path("tests/fuzz/corpus")


def put(target, name, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, metadata=None):
    """tensors: name -> (shape, list of floats); written as F32, 8-byte aligned header."""
    header, blob = {}, b""
    for name, (shape, values) in tensors.items():
        data = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    if metadata is not None:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text.encode() + blob


def npy(shape, values, major=1, descr="<f4"):
    d = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % s for s in shape).rstrip(" ") if len(shape) != 1 else "%d," % shape[0])
    pre = 10 if major == 1 else 12
    d += " " * ((64 - (pre + len(d) + 1) % 64) % 64) + "\n"
    n = len(d)
    length = struct.pack("<H", n) if major == 1 else struct.pack("<I", n)
    return b"\x93NUMPY" + bytes([major, 0]) + length + d.encode() + struct.pack("<%df" % len(values), *values)


def dataset_input(params, images, angles=None):
    """fuzz_dataset's input (tests/fuzz/feed.h): params.json, NUL, images.npy[, marker, angles.npy]."""
    params = params if isinstance(params, bytes) else json.dumps(params).encode()
    return params + b"\0" + images + (b"\0angles.npy\0" + angles if angles is not None else b"")


def dataset_corpus(projections):
    """fuzz_dataset: gen's folder with and without angles.npy, minimal params.json of each
    kind, and one of each rejection (unknown key, wrong rank, N = 0, NaN, bad angles)."""
    d = Path(projections)
    params, images, angles = [(d / f).read_bytes() for f in ("params.json", "images.npy", "angles.npy")]
    put("dataset", "gen_projections", dataset_input(params, images, angles))
    put("dataset", "gen_no_angles", dataset_input(params, images))
    pair1d = npy([2, 2, 8], [float(i % 5) for i in range(32)])
    pair2d = npy([1, 2, 4, 4], [float(i % 3) for i in range(32)])
    put("dataset", "minimal_1d", dataset_input({"stereo_angle_deg": 10}, pair1d))
    put("dataset", "minimal_1d_angles", dataset_input({"stereo_angle_deg": 5, "order": 1, "shape": "s"},
                                                      pair1d, npy([2], [0.0, 359.5])))
    put("dataset", "minimal_2d_polygon", dataset_input(
        {"stereo_angle_deg": 30, "order": 6, "shape": "polygon", "sides": 6}, pair2d, npy([1], [12.5])))
    put("dataset", "minimal_2d_order", dataset_input({"stereo_angle_deg": 10, "order": 4}, pair2d))
    put("dataset", "bad_unknown_key", dataset_input({"stereo_angle_deg": 10, "colour": 1}, pair1d))
    put("dataset", "bad_order", dataset_input({"stereo_angle_deg": 10, "order": 3}, pair1d))
    put("dataset", "bad_angle_180", dataset_input({"stereo_angle_deg": 180}, pair1d))
    put("dataset", "bad_rank", dataset_input({"stereo_angle_deg": 10}, npy([2, 8], [1.0] * 16)))
    put("dataset", "bad_empty", dataset_input({"stereo_angle_deg": 10}, npy([0, 2, 8], [])))
    put("dataset", "bad_nan", dataset_input({"stereo_angle_deg": 10}, npy([1, 2, 2], [1, math.nan, 0, 1])))
    put("dataset", "bad_angles_range", dataset_input({"stereo_angle_deg": 10}, pair1d, npy([2], [0, 360])))
    put("dataset", "bad_angles_length", dataset_input({"stereo_angle_deg": 10}, pair1d, npy([3], [0, 1, 2])))


def main(checkpoint, dataset, projections):
    # safetensors: a real checkpoint's metadata (config, history, Adam counters) over two
    # tiny tensors; a plain file; an empty one; one with a zero-size tensor.
    raw = Path(checkpoint).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    meta = json.loads(raw[8:8 + n])["__metadata__"]
    small = {"cnn.dense_1.bias": ([2], [0.5, -0.25]), "adam.m.cnn.dense_1.bias": ([2], [0.0, 1e-3])}
    put("safetensors", "checkpoint_meta.safetensors", safetensors(small, meta))
    partial = dict(meta, epoch_steps="1", epoch_loss_sum=float(0.75).hex())
    partial["epochs_done"] = "1"
    partial["history"] = json.dumps(json.loads(meta["history"])[:1])
    put("safetensors", "checkpoint_partial.safetensors", safetensors(small, partial))
    put("safetensors", "plain.safetensors",
        safetensors({"a": ([2, 3], [1, 2, 3, 4, 5, 6]), "b": ([1, 1, 1, 2], [7, 8]), "c": ([], [9])}))
    put("safetensors", "empty.safetensors", safetensors({}))
    put("safetensors", "zero_size.safetensors", safetensors({"z": ([0, 4], [])}, {"format": "x"}))

    # .npy: the dataset's files, version 2.0, 0-d, empty, and a NaN (valid, then named).
    put("npy", "images.npy", (Path(dataset) / "images.npy").read_bytes())
    put("npy", "angles.npy", (Path(dataset) / "angles.npy").read_bytes())
    put("npy", "v2.npy", npy([2, 2], [1, 2, 3, 4], major=2))
    put("npy", "scalar.npy", npy([], [3.5]))
    put("npy", "empty.npy", npy([0, 3], []))
    put("npy", "nan.npy", npy([3], [1.0, math.nan, math.inf]))

    # JSON: every shipped config, the smallest one, and a dataset's params.json.
    shipped = subprocess.run(["git", "ls-files", "configs/*.json"], capture_output=True, text=True,
                             check=True).stdout.split()
    for f in map(Path, shipped):
        put("config", f.name, f.read_bytes())
    put("config", "empty.json", "{}")
    put("config", "params.json", (Path(dataset) / "params.json").read_bytes())

    dataset_corpus(projections)

    # Argument vectors, NUL-separated, the command first.
    argv = {
        "train": ["train", "--config", "configs/difference_squares_10deg.json", "--out", "runs/x",
                  "--seed", "3", "--stereo-angle=5", "--resume", "--device", "cpu"],
        "eval": ["eval", "--checkpoint", "c.safetensors", "--pairs", "100", "--out", "e"],
        "predict": ["predict", "--checkpoint", "c", "--input", "x.npy", "--output", "a.npy",
                    "--device=cuda-cpu", "--conv", "own"],
        "sweep": ["sweep", "--angles", "3,4.5,10", "--seeds", "2", "--first-seed", "4"],
        "demo": ["demo", "--pairs", "64", "--epochs", "1", "--batch", "16"],
        "summary": ["summary", "difference1d", "--size", "32"],
        "gen": ["gen", "--out", "d", "--shape", "polygon", "--sides", "6", "--count", "10",
                "--noise", "0.5", "--projection", "--no-preprocess"],
        "sinogram": ["sinogram", "--shape", "t", "--step", "2", "--supersample", "4"],
        "help": ["train", "--help"],
    }
    for name, args in argv.items():
        put("args", name, "\0".join(args))


if __name__ == "__main__":
    main(*sys.argv[1:])

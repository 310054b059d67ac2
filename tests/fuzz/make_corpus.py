#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus, tests/fuzz/corpus/<target>/: small valid inputs
that reach every branch of a parser's good path. Run from the repository root with the
checkpoint of a finished run (e.g. the 32-pixel config of tests/test_faults.cpp), a
dataset from `stereograd gen --count 2 --size 16` and one from the same with
`--projection` (small enough for -max_len=4096 with its params.json):

    python3 tests/fuzz/make_corpus.py RUN/checkpoint.safetensors DATASET/ PROJECTIONS/

The image targets' seeds (tiff, png, mrc, and the .npy of every dtype) need no input and
are also written alone by

    python3 tests/fuzz/make_corpus.py --images

Standard library only; numpy's format, safetensors', baseline TIFF, PNG and MRC are
simple enough to write here.
"""
import json
import math
import random
import struct
import subprocess
import sys
import zlib
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


def tiff(pages, bits=8, fmt=1, big=False, compression=1, rows_per_strip=None, tile=None, spp=1):
    """A baseline TIFF: pages of (h, w, values), one sample per pixel of `bits` bits and
    SampleFormat `fmt` (1 uint, 2 int, 3 float); strips of rows_per_strip rows, or square
    tiles of side `tile`; compression 1 (none) or 8 (deflate)."""
    e = ">" if big else "<"
    code = {(8, 1): "B", (8, 2): "b", (16, 1): "H", (16, 2): "h", (32, 1): "I", (32, 2): "i",
            (32, 3): "f", (64, 3): "d"}[(bits, fmt)]
    out = bytearray((b"MM\0*" if big else b"II*\0") + b"\0\0\0\0")
    link = 4  # where the next IFD's offset goes
    for h, w, values in pages:
        def pack(vals):
            raw = struct.pack(e + "%d%s" % (len(vals) * spp, code), *[v for v in vals for _ in range(spp)])
            return zlib.compress(raw) if compression == 8 else raw
        if tile:
            blocks = []
            for r0 in range(0, h, tile):
                for c0 in range(0, w, tile):
                    blocks.append(pack([values[(r0 + r) * w + c0 + c] if r0 + r < h and c0 + c < w else 0
                                        for r in range(tile) for c in range(tile)]))
        else:
            rps = rows_per_strip or h
            blocks = [pack(values[r0 * w:min(h, r0 + rps) * w]) for r0 in range(0, h, rps)]
        offsets = []
        for b in blocks:
            offsets.append(len(out))
            out += b
            out += b"\0" * (len(out) % 2)
        entries = [(256, "LONG", [w]), (257, "LONG", [h]), (258, "SHORT", [bits] * spp),
                   (259, "SHORT", [compression]), (262, "SHORT", [2 if spp == 3 else 1])]
        if tile:
            entries += [(277, "SHORT", [spp]), (322, "LONG", [tile]), (323, "LONG", [tile]),
                        (324, "LONG", offsets), (325, "LONG", [len(b) for b in blocks])]
        else:
            entries += [(273, "LONG", offsets), (277, "SHORT", [spp]), (278, "LONG", [rows_per_strip or h]),
                        (279, "LONG", [len(b) for b in blocks])]
        entries += [(339, "SHORT", [fmt] * spp)]
        entries.sort()
        ifd = len(out)
        struct.pack_into(e + "I", out, link, ifd)
        extra = ifd + 2 + 12 * len(entries) + 4  # arrays follow the IFD
        tail = bytearray()
        body = struct.pack(e + "H", len(entries))
        for tag, typ, vals in entries:
            t, c = (3, "H") if typ == "SHORT" else (4, "I")
            data = struct.pack(e + "%d%s" % (len(vals), c), *vals)
            if len(data) <= 4:
                body += struct.pack(e + "HHI", tag, t, len(vals)) + data.ljust(4, b"\0")
            else:
                body += struct.pack(e + "HHII", tag, t, len(vals), extra + len(tail))
                tail += data
        link = ifd + len(body)
        out += body + b"\0\0\0\0" + tail
    return bytes(out)


def png(h, w, values, bits=8, colour=0, filters=(0,)):
    """A PNG of grey (colour 0) or RGB (2) samples; row r uses filter filters[r % len]
    (0 None, 1 Sub, 2 Up)."""
    bpp = (bits // 8) * (3 if colour == 2 else 1)
    rows, prior = b"", bytes(w * bpp)
    for r in range(h):
        vals = values[r * w:(r + 1) * w]
        if colour == 2:
            vals = [v for v in vals for _ in range(3)]
        raw = struct.pack(">%d%s" % (len(vals), "B" if bits == 8 else "H"), *vals)
        f = filters[r % len(filters)]
        if f == 1:
            enc = bytes((raw[i] - (raw[i - bpp] if i >= bpp else 0)) & 255 for i in range(len(raw)))
        elif f == 2:
            enc = bytes((raw[i] - prior[i]) & 255 for i in range(len(raw)))
        else:
            enc = raw
        rows += bytes([f]) + enc
        prior = raw

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, bits, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def mrc(nz, ny, nx, mode, values, big=False, ext=b"", imod_unsigned=False):
    """An MRC2014 file: 1024-byte header, `ext` as the extended header, the values."""
    e = ">" if big else "<"
    h = bytearray(1024)
    struct.pack_into(e + "4i", h, 0, nx, ny, nz, mode)
    struct.pack_into(e + "3i", h, 28, nx, ny, nz)
    struct.pack_into(e + "3f", h, 40, nx, ny, nz)
    struct.pack_into(e + "3i", h, 64, 1, 2, 3)
    struct.pack_into(e + "i", h, 92, len(ext))
    struct.pack_into(e + "i", h, 108, 20140)
    if imod_unsigned:
        struct.pack_into(e + "2i", h, 152, 1146047817, 0)
    h[208:212] = b"MAP "
    h[212:216] = b"\x11\x11\0\0" if big else b"\x44\x44\0\0"
    code = {0: "B" if imod_unsigned else "b", 1: "h", 2: "f", 6: "H", 12: "e"}[mode]
    return bytes(h) + ext + struct.pack(e + "%d%s" % (len(values), code), *values)


def image_corpus():
    """fuzz_tiff, fuzz_png, fuzz_mrc and fuzz_npy's other dtypes: each format's layouts
    (byte orders, bit depths, strips and tiles, compression, stacks), plus a refusal each."""
    rnd = random.Random(18)
    ramp = lambda n, lo, hi: [rnd.randint(lo, hi) for _ in range(n)]
    put("tiff", "u8_two_pages_strips.tif", tiff([(5, 4, ramp(20, 0, 255)), (5, 4, ramp(20, 0, 255))],
                                                rows_per_strip=2))
    put("tiff", "i8.tif", tiff([(3, 4, ramp(12, -128, 127))], bits=8, fmt=2))
    put("tiff", "u16_big_endian.tif", tiff([(3, 4, ramp(12, 0, 65535))], bits=16, big=True))
    put("tiff", "i16.tif", tiff([(3, 4, ramp(12, -32768, 32767))], bits=16, fmt=2))
    put("tiff", "u32.tif", tiff([(2, 3, ramp(6, 0, 2**32 - 1))], bits=32))
    put("tiff", "i32_big_endian.tif", tiff([(2, 3, ramp(6, -2**31, 2**31 - 1))], bits=32, fmt=2, big=True))
    put("tiff", "f32_deflate_stack.tif", tiff([(4, 4, [rnd.uniform(-1, 1) for _ in range(16)])] * 3,
                                              bits=32, fmt=3, compression=8, rows_per_strip=3))
    put("tiff", "f64.tif", tiff([(2, 2, [0.5, -1.25, 3e10, 0.0])], bits=64, fmt=3))
    put("tiff", "u8_tiles.tif", tiff([(20, 18, ramp(360, 0, 255))], tile=16))
    put("tiff", "f32_tiles_deflate.tif", tiff([(17, 17, [float(i) for i in range(289)])], bits=32,
                                              fmt=3, tile=16, compression=8))
    put("tiff", "bad_rgb.tif", tiff([(2, 2, ramp(4, 0, 255))], spp=3))
    put("tiff", "bad_sizes.tif", tiff([(2, 2, ramp(4, 0, 255)), (2, 3, ramp(6, 0, 255))]))

    put("png", "grey8.png", png(5, 7, ramp(35, 0, 255)))
    put("png", "grey8_filters.png", png(6, 5, ramp(30, 0, 255), filters=(1, 2, 0)))
    put("png", "grey16.png", png(4, 3, ramp(12, 0, 65535), bits=16, filters=(2, 1)))
    put("png", "bad_rgb.png", png(2, 2, ramp(4, 0, 255), colour=2))

    put("mrc", "mode0_int8.mrc", mrc(1, 3, 4, 0, ramp(12, -128, 127)))
    put("mrc", "mode0_imod_unsigned.mrc", mrc(1, 2, 3, 0, ramp(6, 0, 255), imod_unsigned=True))
    put("mrc", "mode1_big_endian_ext.mrc", mrc(2, 2, 3, 1, ramp(12, -32768, 32767), big=True, ext=b"\7" * 40))
    put("mrc", "mode2_stack.mrcs", mrc(3, 4, 4, 2, [rnd.uniform(-5, 5) for _ in range(48)]))
    put("mrc", "mode6_uint16.mrc", mrc(1, 4, 2, 6, ramp(8, 0, 65535)))
    put("mrc", "mode12_float16.mrc", mrc(1, 2, 2, 12, [0.5, -2.0, 65504.0, 1e-7]))
    put("mrc", "bad_mode4.mrc", mrc(1, 1, 2, 2, [1.0, 2.0, 3.0, 4.0])[:12] + struct.pack("<i", 4) +
        mrc(1, 1, 2, 2, [1.0, 2.0, 3.0, 4.0])[16:])

    for descr, code, vals in [("|u1", "B", [0, 7, 255]), ("|i1", "b", [-128, 0, 127]),
                              (">i2", ">h", [-300, 2, 3]), ("<u2", "<H", [1, 65535, 0]),
                              ("<i4", "<i", [-2**31, 5, 6]), (">u4", ">I", [2**32 - 1, 0, 9]),
                              ("<i8", "<q", [-2**40, 1, 2]), ("<u8", "<Q", [2**64 - 1, 0, 1]),
                              ("<f2", "<e", [0.5, -65504.0, 6e-8]), (">f8", ">d", [1e300, -0.25, 3.0])]:
        body = npy([3], [], descr=descr)
        put("npy", "dtype_%s.npy" % descr[1:], body + struct.pack("%s%d%s" % (code[:-1], 3, code[-1]), *vals))


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
    if sys.argv[1:] == ["--images"]:
        image_corpus()
    else:
        main(*sys.argv[1:])
        image_corpus()

"""Damaged and hostile input files through the weights runtime (templates/weights_runtime.py).

Run: .venv/bin/python test/damaged_weights_test.py   (exit 0 when all pass)

Sources are real Keras-saved files: small models saved here with the venv's Keras 3 in every format
(`.keras`, `.weights.h5`, legacy full-model `.h5`, legacy weights-only `.h5`, and a bfloat16 model), plus
the real Keras 2 / tf.keras files in /work/shared/fixtures/keras-files/. Each source gets a weights
script whose table is read off the intact file (identity transforms), so the intact file converts and
any failure comes from the damage. A seeded generator then makes about 900 damaged copies:
truncations at many offsets, byte flips in HDF5 metadata, in zip structures and in raw float data, zip
members removed, the zip encryption flag, unknown compression methods, corrupt deflate streams, CRC
mismatches, datasets of other dtypes (string, compound, int32, bool, complex64, ...) in place of floats,
scalar and non-UTF-8 `layer_names` / `weight_names`, links, virtual datasets and external raw storage,
NaN/Inf values, wrong shapes, files for another model, and special inputs (empty file, directory, text
named .h5, FIFO, /dev/zero, bad OUTPUT paths).

Invariants checked on every run:
- an expected failure exits non-zero, prints no traceback, prints exactly one `PROG: error: FILE: ...`
  line naming the file (further lines only as the indented problem list), and leaves nothing at
  OUTPUT and no temp file beside it;
- NaN/Inf values succeed, with a warning naming the tensor;
- a damage the format cannot detect (a flipped bit inside raw float data of an .h5, some zip header
  bytes) may succeed; it must still never crash, hang or print a traceback. Those outcomes are counted.

The cases run in a worker process that imports each weights script once and calls its `main(argv)`
with fds 1 and 2 redirected to files, so a crash or hang (a case timeout kills and restarts the worker)
cannot take the suite down or block it. Special files (FIFO, /dev/zero, ...) and a sample of the other
cases also run as real subprocesses of the script, with a timeout.
"""

import collections
import hashlib
import io
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile

import h5py
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME = os.path.join(REPO, "templates", "weights_runtime.py")


def _fixtures_dir():
    """shared/fixtures/keras-files beside the repository (where CI puts it), else the workplace copy."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(os.path.dirname(here), "shared", "fixtures", "keras-files"), "/work/shared/fixtures/keras-files"):
        if os.path.isdir(candidate):
            return candidate
    return "/work/shared/fixtures/keras-files"


FIXTURES = _fixtures_dir()
SEED = 20240611
CASE_TIMEOUT = 60  # seconds; a hang is a failure, never a blocked suite

# Sources that get every edit of each kind; the others get a seeded sample.
FULL = {
    "net.keras", "net.weights.h5", "net_full.h5", "net_wonly.h5",
    "k2.1.5_cnn_weights_only.h5", "k2.10_conv1d_bigru_full.h5", "tf2.15_conv1d_bn.keras",
}

# Top-level groups of a Keras 3 weights file that are not model weights (as in the runtime).
NON_MODEL_ROOTS = {
    "optimizer", "metrics", "compile_metrics", "compile_loss", "loss",
    "_compile_metrics", "_compile_loss", "_loss_tracker",
}


# ---------------------------------------------------------------------------
# The worker: runs weights scripts in-process, one request per line on stdin
# ---------------------------------------------------------------------------


def worker(reply_fd):
    import importlib.util

    modules = {}
    saved_out, saved_err = os.dup(1), os.dup(2)
    for line in sys.stdin:
        req = json.loads(line)
        script = req["script"]
        if script not in modules:
            spec = importlib.util.spec_from_file_location(f"weights_script_{len(modules)}", script)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            modules[script] = mod
        mod = modules[script]
        out = os.open(req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.argv = [script] + req["args"]
        try:
            code = mod.main(req["args"])
        except SystemExit as e:  # argparse
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            traceback.print_exc()  # what the interpreter prints for `sys.exit(main())`
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        os.close(out)
        os.close(err)
        os.write(reply_fd, (json.dumps({"code": code}) + "\n").encode())


class Worker:
    """The parent's handle on the worker; restarts it after a crash or a hang."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.proc = None
        self.restarts = 0

    def _start(self):
        r, w = os.pipe()
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--worker", str(w)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(w,), cwd=self.tmp, env=env, text=True,
        )
        os.close(w)
        self.reply = os.fdopen(r, "rb", buffering=0)
        self.buffer = b""

    def stop(self):
        if self.proc is not None:
            self.proc.kill()  # only the worker this suite started
            self.proc.wait()
            self.reply.close()
            self.proc = None

    def run(self, script, args, stdout, stderr, timeout=CASE_TIMEOUT):
        """(exit code, None) or (None, 'hang' | 'crash (signal/exit N)')."""
        if self.proc is None:
            self._start()
        self.proc.stdin.write(json.dumps({"script": script, "args": args, "stdout": stdout, "stderr": stderr}) + "\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            ready = select.select([self.reply], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                self.stop()
                self.restarts += 1
                return None, "hang"
            chunk = self.reply.read(4096)
            if not chunk:
                code = self.proc.wait()
                self.stop()
                self.restarts += 1
                return None, f"crash (worker exit {code})"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)["code"], None


# ---------------------------------------------------------------------------
# Sources: real Keras files and weights scripts for them
# ---------------------------------------------------------------------------


def make_keras_files(directory):
    """Keras 3 models with seeded weights, saved in every format. Returns {name: path}."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    from keras import layers as L
    from keras.src.legacy.saving import legacy_h5_format

    def randomize(model, seed):
        rng = np.random.default_rng(seed)
        for v in model.weights:
            a = rng.standard_normal(tuple(v.shape)).astype("float32")
            if "variance" in v.path:
                a = np.abs(a) + 0.5
            v.assign(a)

    def save(model, stem, formats):
        paths = {}
        if "keras" in formats:
            paths[f"{stem}.keras"] = os.path.join(directory, f"{stem}.keras")
            model.save(paths[f"{stem}.keras"])
        if "weights.h5" in formats:
            paths[f"{stem}.weights.h5"] = os.path.join(directory, f"{stem}.weights.h5")
            model.save_weights(paths[f"{stem}.weights.h5"])
        if "full.h5" in formats:
            paths[f"{stem}_full.h5"] = os.path.join(directory, f"{stem}_full.h5")
            model.save(paths[f"{stem}_full.h5"])
        if "wonly.h5" in formats:
            # Keras 3 refuses save_weights("x.h5"); this is the function Keras 2's save_weights used.
            paths[f"{stem}_wonly.h5"] = os.path.join(directory, f"{stem}_wonly.h5")
            with h5py.File(paths[f"{stem}_wonly.h5"], "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, model)
        return paths

    keras.utils.set_random_seed(SEED)
    os.makedirs(directory)
    files = {}

    keras.backend.clear_session()
    inp = keras.Input((6, 6, 2))
    x = L.Conv2D(3, 3)(inp)
    x = L.BatchNormalization()(x)
    x = L.Flatten()(x)
    x = keras.Sequential([L.Dense(5), L.Dense(4)], name="block")(x)
    out = L.Dense(2, name="head")(x)
    net = keras.Model(inp, out)
    net.compile(optimizer="adam", loss="mse")
    net.fit(np.zeros((2, 6, 6, 2)), np.zeros((2, 2)), verbose=0)  # optimizer state in the files
    randomize(net, 1)
    files.update(save(net, "net", ("keras", "weights.h5", "full.h5", "wonly.h5")))

    keras.backend.clear_session()
    mlp = keras.Sequential([keras.Input((7,)), L.Dense(3), L.Dense(2)])
    randomize(mlp, 2)
    files.update(save(mlp, "mlp", ("keras", "weights.h5", "full.h5", "wonly.h5")))

    # bfloat16 variables: Keras 3 stores them as 2-byte opaque data, marked dtype="bfloat16" in the
    # Keras 3 formats; the legacy .h5 does not record it.
    keras.backend.clear_session()
    bf = keras.Sequential([keras.Input((4,)), L.Dense(3, dtype="bfloat16")])
    randomize(bf, 3)
    files.update(save(bf, "bf16", ("keras", "weights.h5", "full.h5")))
    bf_reference = {
        "kernel": np.asarray(bf.layers[0].kernel.numpy()).astype(np.float32),
        "bias": np.asarray(bf.layers[0].bias.numpy()).astype(np.float32),
    }
    return files, bf_reference


def open_h5_bytes(path):
    """h5py.File of an .h5 path, or of model.weights.h5 inside a .keras zip."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            name = next(n for n in z.namelist() if n.replace("\\", "/") == "model.weights.h5")
            return h5py.File(io.BytesIO(z.read(name)), "r")
    return h5py.File(path, "r")


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def derive_table(path):
    """Read the intact file's tensors off it (h5py) into a mapping table with identity transforms.

    Returns (rows, targets): table rows, and for each row (key, dataset path inside the HDF5 file,
    shape) to aim damage at.
    """
    rows, targets = [], []
    with open_h5_bytes(path) as f:
        group = None
        if "layer_names" in f.attrs:
            group = f
        elif "model_weights" in f and "layer_names" in f["model_weights"].attrs:
            group = f["model_weights"]
        if group is not None:
            names = [text(n) for n in group.attrs["layer_names"]]
            if "top_level_model_weights" in group and "top_level_model_weights" not in names:
                names.append("top_level_model_weights")
            for lname in names:
                for i, wname in enumerate(text(w) for w in group[lname].attrs["weight_names"]):
                    d = group[lname][wname]
                    key = f"{lname}.{i}"
                    rows.append((key, f"layers/{lname}/vars/{i}", lname, i, tuple(d.shape), ()))
                    targets.append((key, d.name, tuple(d.shape)))
        else:
            found = []
            f.visititems(lambda n, o: found.append((n, o)) if isinstance(o, h5py.Dataset) else None)
            for name, d in sorted(found):
                p = name.replace("\\", "/")
                if p.split("/")[0] in NON_MODEL_ROOTS:
                    continue
                key = p.replace("/", ".")
                rows.append((key, p, "-", 0, tuple(d.shape), ()))
                targets.append((key, d.name, tuple(d.shape)))
    return rows, targets


def write_script(directory, stem, rows):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{stem}_weights.py")
    header = (
        '"""Weights script for the damaged-weights test (table read off the intact file)."""\n\n'
        "SCHEMA = 1\n\n"
        "PRIMARY = 'M'\n\n"
        f"MODELS = {{'M': {{'tensors': {rows!r}, 'constants': []}}}}\n\n"
    )
    with open(RUNTIME) as f:
        runtime = f.read()
    with open(path, "w") as f:
        f.write(header + runtime)
    return path


def load_output(path):
    if path.endswith(".safetensors"):
        from safetensors.numpy import load_file

        return {k: np.asarray(v) for k, v in load_file(path).items()}
    import torch

    return {k: t.numpy() for k, t in torch.load(path, weights_only=True).items()}


def same_values(a, b):
    return set(a) == set(b) and all(
        a[k].shape == b[k].shape and np.array_equal(a[k], b[k], equal_nan=True) for k in a
    )


# ---------------------------------------------------------------------------
# Damage
# ---------------------------------------------------------------------------


class Damage:
    """Writes damaged copies of the sources and records the cases."""

    def __init__(self, tmp, rng):
        self.dir = os.path.join(tmp, "inputs")
        os.makedirs(self.dir)
        self.rng = rng
        self.cases = []
        self.n = 0

    def path(self, suffix):
        self.n += 1
        return os.path.join(self.dir, f"v{self.n:04d}{suffix}")

    def add(self, category, what, source, inp, expect, **kw):
        """expect: "fail", "warn" (success + a warning naming kw["warn_keys"]), "ok" (same values as the
        intact file) or "either" (clean failure or success: damage the format cannot detect)."""
        self.cases.append(dict(category=category, what=what, source=source, input=inp, expect=expect, **kw))

    # -- bytes ---------------------------------------------------------------

    def bytes_variant(self, src, suffix, data):
        p = self.path(suffix)
        with open(p, "wb") as f:
            f.write(data)
        return p

    # -- HDF5 edits (an .h5 file, or model.weights.h5 inside a .keras zip) ----

    def h5_variant(self, src, suffix, edit):
        """A copy of src with `edit(h5py.File)` applied; for a .keras, to its model.weights.h5."""
        p = self.path(suffix)
        if suffix == ".keras":
            inner = p + ".inner.h5"
            with zipfile.ZipFile(src) as z:
                members = [(i, z.read(i)) for i in z.infolist()]
            for info, data in members:
                if info.filename.replace("\\", "/") == "model.weights.h5":
                    with open(inner, "wb") as f:
                        f.write(data)
            with h5py.File(inner, "r+") as f:
                edit(f)
            with open(inner, "rb") as f:
                new = f.read()
            os.remove(inner)
            with zipfile.ZipFile(p, "w") as z:
                for info, data in members:
                    z.writestr(info, new if info.filename.replace("\\", "/") == "model.weights.h5" else data)
        else:
            shutil.copyfile(src, p)
            with h5py.File(p, "r+") as f:
                edit(f)
        return p


def replace_dataset(f, name, data=None, **create):
    """Replace dataset `name` (keeping its attributes when asked to by the caller)."""
    parent, leaf = name.rsplit("/", 1) if "/" in name.strip("/") else ("/", name.strip("/"))
    del f[name]
    g = f[parent or "/"]
    if data is not None:
        g.create_dataset(leaf, data=data, **create)
    else:
        g.create_dataset(leaf, **create)


def data_ranges(h5file):
    """Byte ranges of raw dataset data (contiguous or chunked) inside an HDF5 file."""
    ranges = []

    def visit(_name, obj):
        if not isinstance(obj, h5py.Dataset):
            return
        offset = obj.id.get_offset()
        if offset is not None:
            ranges.append((offset, offset + obj.id.get_storage_size()))
        elif obj.chunks:
            for i in range(obj.id.get_num_chunks()):
                info = obj.id.get_chunk_info(i)
                ranges.append((info.byte_offset, info.byte_offset + info.size))

    h5file.visititems(visit)
    return sorted(ranges)


def complement(ranges, size):
    out, pos = [], 0
    for a, b in ranges:
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < size:
        out.append((pos, size))
    return out


def pick_offsets(rng, ranges, n):
    """n offsets drawn uniformly from the union of byte ranges."""
    sizes = np.array([b - a for a, b in ranges], dtype=np.float64)
    if not len(sizes) or sizes.sum() == 0:
        return []
    picks = []
    for _ in range(n):
        i = rng.choice(len(ranges), p=sizes / sizes.sum())
        a, b = ranges[i]
        picks.append(int(rng.integers(a, b)))
    return picks


def flip(data, offsets, rng):
    data = bytearray(data)
    for o in offsets:
        data[o] ^= int(rng.integers(1, 256))
    return bytes(data)


def zip_entries(data):
    """(local header offset, central directory offset, name) of each zip member."""
    out = []
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        n, m, k = struct.unpack("<HHH", data[pos + 28:pos + 34])
        local = struct.unpack("<I", data[pos + 42:pos + 46])[0]
        out.append((local, pos, data[pos + 46:pos + 46 + n].decode("utf8", "replace")))
        pos = data.find(b"PK\x01\x02", pos + 46 + n + m + k)
    return out


def patch_member(data, member, field):
    """Patch a field of one member in both its local header and its central directory entry.

    field: ("flags", or_mask) | ("method", value) | ("crc", xor)."""
    data = bytearray(data)
    for local, central, name in zip_entries(bytes(data)):
        if name.replace("\\", "/") != member:
            continue
        kind, value = field
        spots = {"flags": ((local + 6, central + 8), "<H"), "method": ((local + 8, central + 10), "<H"),
                 "crc": ((local + 14, central + 16), "<I")}[kind]
        for at in spots[0]:
            size = struct.calcsize(spots[1])
            old = struct.unpack(spots[1], data[at:at + size])[0]
            new = old | value if kind == "flags" else (old ^ value if kind == "crc" else value)
            data[at:at + size] = struct.pack(spots[1], new)
    return bytes(data)


def member_data_range(data, member):
    """Byte range of a member's stored data inside a zip."""
    for local, _central, name in zip_entries(data):
        if name.replace("\\", "/") == member:
            n, m = struct.unpack("<HH", data[local + 26:local + 30])
            csize = struct.unpack("<I", data[local + 18:local + 22])[0]
            start = local + 30 + n + m
            return start, start + csize
    raise KeyError(member)


def rezip(src, dst, compression=zipfile.ZIP_STORED, drop=(), extra=()):
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", compression) as out:
        for info in z.infolist():
            if info.filename.replace("\\", "/") in drop:
                continue
            out.writestr(info.filename, z.read(info), compress_type=compression)
        for name, data in extra:
            out.writestr(name, data)


# ---------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------


def generate(dmg, sources, tmp):
    """Every damaged variant, seeded. `sources`: {name: dict(path, suffix, kind, targets, script)}."""
    rng = dmg.rng
    keras_sources = [s for s in sources.values() if s["kind"] == "keras" and s["editable"]]
    legacy_sources = [s for s in sources.values() if s["kind"] == "legacy" and s["editable"]]
    editable = [s for s in sources.values() if s["editable"]]

    def some(s, edits):
        """Every edit for the sources in FULL (one of each format, Keras 3 and Keras 2), a seeded
        few for the others: a few hundred variants in all."""
        if s["name"] in FULL or len(edits) <= 2:
            return list(edits)
        return [edits[i] for i in sorted(rng.choice(len(edits), 2, replace=False))]

    def target(s, min_size=1):
        """A tensor of the source to aim at (seeded): not the smallest ones when possible."""
        ok = [t for t in s["targets"] if int(np.prod(t[2])) >= min_size] or s["targets"]
        return ok[int(rng.integers(len(ok)))]

    # -- truncations -----------------------------------------------------------
    for s in sources.values():
        data = open(s["path"], "rb").read()
        size = len(data)
        cuts = {1, 8, 512, size - 1, size - 100}
        cuts |= {int(size * q) for q in (0.25, 0.5, 0.75)}
        cuts |= {int(c) for c in rng.integers(1, size, 2)}
        for c in sorted(x for x in cuts if 0 < x < size):
            dmg.add("truncation", f"{s['name']} cut to {c} of {size} bytes", s,
                    dmg.bytes_variant(s["path"], s["suffix"], data[:c]), "fail")

    # -- byte flips: HDF5 metadata, zip structure, raw float data ----------------
    for s in sources.values():
        data = open(s["path"], "rb").read()
        if s["kind"] == "keras":
            start, end = member_data_range(data, "model.weights.h5")
            # Inside the member anything flipped (metadata or floats) fails its CRC-32.
            for o in pick_offsets(rng, [(start, end)], 3):
                dmg.add("byte flip (inside a zip member: CRC-32)", f"{s['name']} byte {o}", s,
                        dmg.bytes_variant(s["path"], ".keras", flip(data, [o], rng)), "fail")
            # Zip headers: many of their bytes (times, attributes) are never checked.
            for o in pick_offsets(rng, complement([(start, end)], len(data)), 4):
                dmg.add("byte flip (zip structure)", f"{s['name']} byte {o}", s,
                        dmg.bytes_variant(s["path"], ".keras", flip(data, [o], rng)), "either")
            # A hostile .keras can carry a damaged model.weights.h5 with a correct CRC-32.
            with zipfile.ZipFile(s["path"]) as z:
                inner = z.read(next(n for n in z.namelist() if n.replace("\\", "/") == "model.weights.h5"))
            with h5py.File(io.BytesIO(inner), "r") as f:
                meta = complement(data_ranges(f), len(inner))
            for o in pick_offsets(rng, meta, 5):
                p = dmg.path(".keras")
                damaged_inner = flip(inner, [o], rng)
                rezip(s["path"], p, drop={"model.weights.h5"}, extra=[("model.weights.h5", damaged_inner)])
                dmg.add("byte flip (HDF5 metadata inside a .keras, CRC-32 correct)", f"{s['name']} byte {o}",
                        s, p, "either")
            continue
        with h5py.File(s["path"], "r") as f:
            raw = data_ranges(f)
        meta = complement(raw, len(data))
        for k, o in enumerate(pick_offsets(rng, meta, 10 if s["name"] in FULL else 5)):
            offsets = [o] if k % 3 else [o] + pick_offsets(rng, meta, 2)  # every third flips 3 bytes
            dmg.add("byte flip (HDF5 metadata)", f"{s['name']} bytes {offsets}", s,
                    dmg.bytes_variant(s["path"], s["suffix"], flip(data, offsets, rng)), "either")
        # The HDF5 library loops forever on a global heap entry with index 0 and size 0 (found by
        # this suite): the runtime looks for one before h5py reads the file.
        gcol = data.find(b"GCOL")
        if gcol >= 0:
            dmg.add("global heap entry that would hang HDF5", f"{s['name']} first entry zeroed", s,
                    dmg.bytes_variant(s["path"], s["suffix"], data[:gcol + 16] + bytes(16) + data[gcol + 32:]),
                    "fail")
        # The documented limit: HDF5 keeps no checksum of raw data.
        for o in pick_offsets(rng, raw, 1 if s["name"] not in FULL else 3):
            dmg.add("byte flip (raw float data: undetectable)", f"{s['name']} byte {o}", s,
                    dmg.bytes_variant(s["path"], s["suffix"], flip(data, [o], rng)), "either")

    # -- zip containers --------------------------------------------------------
    for s in keras_sources:
        src, name = s["path"], s["name"]
        data = open(src, "rb").read()
        p = dmg.path(".keras")
        rezip(src, p, drop={"model.weights.h5"})
        dmg.add("zip member removed", f"{name} without model.weights.h5", s, p, "fail")
        for member in ("config.json", "metadata.json"):
            p = dmg.path(".keras")
            rezip(src, p, drop={member})
            # The weights do not need them: converting is still right.
            dmg.add("zip member removed", f"{name} without {member} (not needed for weights)", s, p, "ok")
        p = dmg.path(".keras")
        rezip(src, p, drop={"model.weights.h5"}, extra=[("model.weights.npz", b"\x00" * 64)])
        dmg.add("zip member removed", f"{name} with model.weights.npz instead", s, p, "fail")
        p = dmg.path(".keras")
        rezip(src, p, drop={"model.weights.h5"}, extra=[("model.weights.h5", b"not hdf5 at all\n")])
        dmg.add("zip member replaced", f"{name} with a text model.weights.h5", s, p, "fail")
        p = dmg.path(".keras")
        with zipfile.ZipFile(src) as z:
            inner = z.read(next(n for n in z.namelist() if n.replace("\\", "/") == "model.weights.h5"))
        rezip(src, p, extra=[("model.weights.h5", inner)])
        dmg.add("zip member replaced", f"{name} with model.weights.h5 twice", s, p, "fail")

        dmg.add("zip encryption flag", f"{name} flag bit 0 set", s,
                dmg.bytes_variant(src, ".keras", patch_member(data, "model.weights.h5", ("flags", 0x1))), "fail")
        dmg.add("zip encryption flag", f"{name} flag bits 0 and 6 set (strong encryption)", s,
                dmg.bytes_variant(src, ".keras", patch_member(data, "model.weights.h5", ("flags", 0x41))), "fail")
        for method in (1, 6, 9, 93, 95, 98, 99):
            dmg.add("zip compression method", f"{name} method {method}", s,
                    dmg.bytes_variant(src, ".keras", patch_member(data, "model.weights.h5", ("method", method))),
                    "fail")
        dmg.add("zip CRC mismatch", f"{name} CRC-32 changed", s,
                dmg.bytes_variant(src, ".keras", patch_member(data, "model.weights.h5", ("crc", 0x1))), "fail")

        deflated = dmg.path(".keras")
        rezip(src, deflated, zipfile.ZIP_DEFLATED)
        dmg.add("corrupt deflate data", f"{name} re-zipped with deflate (intact)", s, deflated, "ok")
        ddata = open(deflated, "rb").read()
        start, end = member_data_range(ddata, "model.weights.h5")
        for o in sorted({start, start + 1, start + 2} | set(pick_offsets(rng, [(start, end)], 5))):
            dmg.add("corrupt deflate data", f"{name} deflate stream byte {o - start}", s,
                    dmg.bytes_variant(src, ".keras", flip(ddata, [o], rng)), "fail")
        cut = bytearray(ddata)
        cut[start:end] = bytes(rng.integers(0, 256, end - start, dtype=np.uint8))
        dmg.add("corrupt deflate data", f"{name} deflate stream replaced by random bytes", s,
                dmg.bytes_variant(src, ".keras", bytes(cut)), "fail")

    # -- datasets of other dtypes in place of floats ---------------------------------
    def dtype_edits(shape):
        size = int(np.prod(shape))
        return [
            ("vlen string", dict(data=np.full(shape, "0.5", dtype=object), dtype=h5py.string_dtype())),
            ("fixed bytes", dict(data=np.full(shape, b"0.5", dtype="S3"))),
            ("compound", dict(data=np.zeros(shape, dtype=[("re", "f4"), ("im", "f4")]))),
            ("int32", dict(data=np.arange(size, dtype=np.int32).reshape(shape))),
            ("int64", dict(data=np.arange(size, dtype=np.int64).reshape(shape))),
            ("uint8", dict(data=np.zeros(shape, np.uint8))),
            ("bool", dict(data=np.ones(shape, bool))),
            ("complex64", dict(data=np.ones(shape, np.complex64))),
            ("enum", dict(data=np.zeros(shape, np.int8), dtype=h5py.enum_dtype({"A": 0, "B": 1}, basetype="i1"))),
            ("opaque 4-byte", dict(data=np.zeros(shape, "V4"))),
            ("bfloat16 bits without the dtype attribute", dict(data=np.zeros(shape, "V2"))),
            ("null dataspace", dict(data=h5py.Empty("f4"))),
            ("object references", dict(shape=shape, dtype=h5py.ref_dtype)),
            ("HDF5 bitfield", "bitfield"),
        ]

    def put(f, dname, create, shape):
        if create == "bitfield":  # a type numpy has no equivalent for: low-level API
            parent, leaf = dname.rsplit("/", 1)
            del f[dname]
            space = h5py.h5s.create_simple(shape if shape else (1,))
            h5py.h5d.create(f[parent].id, leaf.encode(), h5py.h5t.STD_B8LE, space).close()
        else:
            replace_dataset(f, dname, **create)

    for s in editable:
        key, dname, shape = target(s)
        for label, create in some(s, dtype_edits(shape)):
            p = dmg.h5_variant(s["path"], s["suffix"], lambda f, c=create: put(f, dname, c, shape))
            dmg.add("dtype in place of float", f"{s['name']} `{key}` as {label}", s, p, "fail", names=[key])
        # Other float widths are converted to float32, not refused.
        for label, dt in some(s, [("float16", np.float16), ("float64", np.float64), ("big-endian float32", ">f4")]):
            def widen(f, dt=dt):
                a = f[dname][()]
                replace_dataset(f, dname, data=a.astype(dt))
            p = dmg.h5_variant(s["path"], s["suffix"], widen)
            dmg.add("other float widths (converted)", f"{s['name']} `{key}` as {label}", s, p,
                    "ok" if label != "float16" else "success")

    # -- attributes: layer_names / weight_names ------------------------------------
    def legacy_group(f):
        return f if "layer_names" in f.attrs else f["model_weights"]

    def set_attr(which, value, create_dtype=None):
        def edit(f):
            g = legacy_group(f)
            if which == "weight_names":
                names = [text(n) for n in g.attrs["layer_names"]]
                g = next(g[n] for n in names if len(g[n].attrs["weight_names"]))
            attrs = g.attrs
            v = value(attrs[which]) if callable(value) else value
            del attrs[which]
            if create_dtype is not None:
                attrs.create(which, v, dtype=create_dtype)
            elif v is not None:
                attrs[which] = v
        return edit

    def first_bytes(old):
        return [text(n).encode() for n in old]

    attr_edits = [
        ("a scalar string", lambda old: text(old[0])),
        ("a scalar bytes value", lambda old: np.bytes_(text(old[0]).encode())),
        ("non-UTF-8 bytes", lambda old: np.array([b"\xff\xfe" + first_bytes(old)[0]] + first_bytes(old)[1:])),
        ("an integer array", lambda old: np.arange(len(old))),
        ("a 2-D array", lambda old: np.array([first_bytes(old)])),
        ("an empty name", lambda old: np.array([b""] + first_bytes(old)[1:])),
        ("a name with a NUL byte", lambda old: np.array([first_bytes(old)[0] + b"\x00x"] + first_bytes(old)[1:])),
        ("removed", None),
    ]
    for s in legacy_sources:
        for which in ("layer_names", "weight_names"):
            for label, value in some(s, attr_edits):
                p = dmg.h5_variant(s["path"], s["suffix"], set_attr(which, value))
                dmg.add("layer_names / weight_names", f"{s['name']} {which} {label}", s, p, "fail")
            # Raw bytes into a string type declared UTF-8 (h5py reads them back as lone surrogates).
            p = dmg.h5_variant(
                s["path"], s["suffix"],
                set_attr(which, lambda old: np.array([b"\xff\xfe" + first_bytes(old)[0]] + first_bytes(old)[1:],
                                                     dtype=object), create_dtype=h5py.string_dtype("utf-8")))
            dmg.add("layer_names / weight_names", f"{s['name']} {which} non-UTF-8 vlen string", s, p, "fail")
        p = dmg.h5_variant(s["path"], s["suffix"], set_attr(
            "layer_names", lambda old: np.array([first_bytes(old)[0]] + first_bytes(old))))
        dmg.add("layer_names / weight_names", f"{s['name']} layer_names with a duplicate", s, p, "fail")
        p = dmg.h5_variant(s["path"], s["suffix"], set_attr(
            "layer_names", lambda old: np.array(first_bytes(old) + [b"no_such_layer"])))
        dmg.add("layer_names / weight_names", f"{s['name']} layer_names naming a missing group", s, p, "fail")

        def chunked(f):
            g = legacy_group(f)
            old = first_bytes(g.attrs["layer_names"])
            del g.attrs["layer_names"]
            g.attrs["layer_names0"] = np.array(old[:1])
            g.attrs["layer_names1"] = np.array([b"\xff" + n for n in old[1:]] or [b"\xff"])
        p = dmg.h5_variant(s["path"], s["suffix"], chunked)
        dmg.add("layer_names / weight_names", f"{s['name']} chunked layer_names0/1 with non-UTF-8", s, p, "fail")

    # -- links, virtual datasets, external raw storage -------------------------------
    other = os.path.join(tmp, "other_source.h5")
    for s in editable:
        key, dname, shape = target(s)
        with open_h5_bytes(s["path"]) as f:
            values = f[dname][()]
        with h5py.File(other, "w") as f:
            f["x"] = values
        rawfile = os.path.join(tmp, f"raw_{s['name']}.bin")
        with open(rawfile, "wb") as f:
            f.write(np.ascontiguousarray(values, "<f4").tobytes())

        def virtual(f, src_file):
            layout = h5py.VirtualLayout(shape, "f4")
            layout[...] = h5py.VirtualSource(src_file, "x", shape=shape)
            parent, leaf = dname.rsplit("/", 1)
            del f[dname]
            f[parent].create_virtual_dataset(leaf, layout, fillvalue=0)

        def external(f, raw):
            replace_dataset(f, dname, shape=shape, dtype="<f4", external=[(raw, 0, 4 * int(np.prod(shape)))])

        def make_link(f, kind):
            del f[dname]
            f[dname] = h5py.SoftLink("/nowhere") if kind == "soft" else h5py.ExternalLink(other, "/x")

        for label, edit in some(s, [
            ("virtual dataset, missing source file", lambda f: virtual(f, os.path.join(tmp, "missing_source.h5"))),
            ("virtual dataset, existing source file", lambda f: virtual(f, other)),
            ("external raw storage, missing file", lambda f: external(f, os.path.join(tmp, "missing.raw"))),
            ("external raw storage, existing file", lambda f: external(f, rawfile)),
            ("soft link", lambda f: make_link(f, "soft")),
            ("external link to another file", lambda f: make_link(f, "external")),
        ]):
            p = dmg.h5_variant(s["path"], s["suffix"], edit)
            dmg.add("virtual / external / links", f"{s['name']} `{key}` as {label}", s, p, "fail")

    # -- NaN / Inf: converted, with a warning naming the tensor -----------------------
    for s in editable:
        key, dname, shape = target(s, min_size=3)
        for label, vals in some(s, [("NaN", [np.nan]), ("+Inf", [np.inf]), ("-Inf", [-np.inf]),
                                    ("NaN, +Inf and -Inf", [np.nan, np.inf, -np.inf])]):
            def poison(f, vals=vals):
                a = f[dname][()].astype(np.float32)
                flat = a.reshape(-1)
                flat[: len(vals)] = vals
                f[dname][...] = a
            p = dmg.h5_variant(s["path"], s["suffix"], poison)
            dmg.add("NaN / Inf (warning)", f"{s['name']} `{key}` with {label}", s, p, "warn", warn_keys=[key])

        def overflow(f):
            a = f[dname][()].astype(np.float64)
            a.reshape(-1)[0] = 1e300
            replace_dataset(f, dname, data=a)
        p = dmg.h5_variant(s["path"], s["suffix"], overflow)
        dmg.add("NaN / Inf (warning)", f"{s['name']} `{key}` float64 1e300 (inf in float32)", s, p, "warn",
                warn_keys=[key])

    # -- wrong shapes -----------------------------------------------------------------
    for s in editable:
        key, dname, shape = target(s, min_size=2)
        shapes = [shape + (1,), (int(np.prod(shape)) + 1,), ()]
        if len(shape) >= 2 and shape[0] != shape[-1]:
            shapes.insert(0, tuple(reversed(shape)))
        for new in some(s, shapes):
            p = dmg.h5_variant(s["path"], s["suffix"],
                               lambda f, n=new: replace_dataset(f, dname, data=np.zeros(n, np.float32)))
            dmg.add("wrong shape", f"{s['name']} `{key}` {shape} -> {new}", s, p, "fail", names=[key])
        if len(s["targets"]) >= 2:
            (k1, d1, s1), (k2, d2, s2) = s["targets"][0], s["targets"][-1]
            if s1 != s2:
                def swap(f):
                    a, b = f[d1][()], f[d2][()]
                    replace_dataset(f, d1, data=b)
                    replace_dataset(f, d2, data=a)
                p = dmg.h5_variant(s["path"], s["suffix"], swap)
                dmg.add("wrong shape", f"{s['name']} `{k1}` and `{k2}` swapped", s, p, "fail")
        p = dmg.h5_variant(s["path"], s["suffix"], lambda f: f.__delitem__(dname))
        dmg.add("wrong shape", f"{s['name']} `{key}` deleted", s, p, "fail")

    # -- a file for another model -------------------------------------------------------
    names = sorted(sources)
    for a in names:
        for b in names:
            sa, sb = sources[a], sources[b]
            # A seeded sample of the pairs whose models differ (the other formats of the same model
            # are the same model).
            if sa["model"] != sb["model"] and rng.random() < 0.12:
                dmg.add("file for another model", f"{b} through the script for {a}", sa, sb["path"], "fail")

    # -- special inputs -------------------------------------------------------------------
    any_source = sources["net.keras"]

    def special(what, inp, expect="fail", **kw):
        dmg.add("special input", what, any_source, inp, expect, **kw)

    for suffix in (".keras", ".h5", ".weights.h5"):
        special(f"empty file named {suffix}", dmg.bytes_variant(None, suffix, b""))
    special("text file named .h5", dmg.bytes_variant(None, ".h5", b"this is not a model\n" * 20))
    special("text file named .keras", dmg.bytes_variant(None, ".keras", b"PK? no.\n"))
    special("random bytes named .h5", dmg.bytes_variant(None, ".h5", rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()))
    special("HDF5 signature then garbage", dmg.bytes_variant(None, ".h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * 4000))
    special("a zip of text files", zip_of(dmg.path(".keras"), [("config.json", b"{}"), ("notes.txt", b"hi")]))
    special("a zip with model.weights.h5 as a directory entry",
            zip_of(dmg.path(".keras"), [("model.weights.h5/", b""), ("config.json", b"{}")]))
    empty_dir = dmg.path(".keras")
    os.makedirs(empty_dir)
    special("an empty directory", empty_dir)
    d = dmg.path(".keras")
    os.makedirs(os.path.join(d, "model.weights.h5"))
    special("a directory whose model.weights.h5 is a directory", d)
    d = dmg.path(".keras")
    os.makedirs(d)
    with open(os.path.join(d, "model.weights.h5"), "wb") as f:
        f.write(open(sources["net.weights.h5"]["path"], "rb").read()[:5000])
    special("an unzipped .keras directory with a truncated model.weights.h5", d)
    d = dmg.path(".keras")
    os.makedirs(d)
    shutil.copyfile(sources["net.weights.h5"]["path"], os.path.join(d, "model.weights.h5"))
    dmg.add("special input", "an intact unzipped .keras directory", sources["net.weights.h5"], d, "ok")
    special("a missing file", os.path.join(dmg.dir, "does_not_exist.keras"))
    dangling = dmg.path(".h5")
    os.symlink(os.path.join(dmg.dir, "nowhere.h5"), dangling)
    special("a dangling symlink", dangling)
    not_dir = dmg.bytes_variant(None, ".h5", b"x")
    special("a path through a regular file (ENOTDIR)", os.path.join(not_dir, "inner.h5"))
    if os.geteuid() != 0:
        unreadable = dmg.bytes_variant(None, ".h5", open(sources["net.weights.h5"]["path"], "rb").read())
        os.chmod(unreadable, 0)
        special("an unreadable file (mode 000)", unreadable)
    fifo = dmg.path(".keras")
    os.mkfifo(fifo)
    special("a FIFO", fifo, subprocess_only=True)
    link = dmg.path(".h5")
    os.symlink(fifo, link)
    special("a symlink to a FIFO", link, subprocess_only=True)
    d = dmg.path(".keras")
    os.makedirs(d)
    os.mkfifo(os.path.join(d, "model.weights.h5"))
    special("an unzipped .keras directory whose model.weights.h5 is a FIFO", d, subprocess_only=True)
    special("/dev/zero", "/dev/zero", subprocess_only=True)
    special("/dev/null", "/dev/null", subprocess_only=True)

    # -- OUTPUT problems -----------------------------------------------------------------
    good = sources["net.keras"]
    dmg.add("OUTPUT", "OUTPUT in a missing directory", good, good["path"], "fail",
            output=os.path.join(tmp, "no_such_dir", "out.pt"), names_output=True)
    out_dir = os.path.join(tmp, "out_is_dir.pt")
    os.makedirs(out_dir)
    dmg.add("OUTPUT", "OUTPUT is a directory", good, good["path"], "fail", output=out_dir, names_output=True,
            output_exists=True)
    as_pt = dmg.path(".pt")
    shutil.copyfile(good["path"], as_pt)
    dmg.add("OUTPUT", "OUTPUT is KERAS_FILE itself (a .keras named .pt)", good, as_pt, "fail", output=as_pt,
            names_output=True, output_exists=True, input_sha=sha(as_pt))
    dmg.add("OUTPUT", "OUTPUT with an unknown extension", good, good["path"], "fail",
            output=os.path.join(tmp, "out.npy"), names_output=True)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def zip_of(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members:
            z.writestr(name, data)
    return path


# ---------------------------------------------------------------------------
# Running and checking
# ---------------------------------------------------------------------------


def check_case(case, code, failure, stdout, stderr, out, out_dir, baseline):
    """A list of broken invariants (empty when the case passed), and the outcome."""
    problems = []
    prog = os.path.basename(case["source"]["script"])
    if failure:
        return [failure + "\n" + stderr[-2000:]], "broken"
    if "Traceback" in stderr:
        problems.append("traceback in stderr")
    if code is not None and code < 0:
        problems.append(f"killed by signal {-code}")
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(f"{prog}: error: ")]
    warnings = [ln for ln in lines if ln.startswith(f"{prog}: warning: ")]
    stray = [ln for ln in lines if ln not in errors and ln not in warnings and not ln.startswith("  ")]
    if stray:
        problems.append(f"stray stderr lines: {stray[:3]}")
    if case.get("output"):  # a given OUTPUT: no temp file may stay beside it
        parent = os.path.dirname(out)
        leftovers = [f for f in os.listdir(parent) if f.endswith(".tmp")] if os.path.isdir(parent) else []
    else:  # its own directory: nothing but OUTPUT may be in it
        leftovers = [f for f in os.listdir(out_dir) if f != os.path.basename(out)]
    if case.get("input_sha") and sha(case["input"]) != case["input_sha"]:
        problems.append("KERAS_FILE was changed")
    if leftovers:
        problems.append(f"files left beside OUTPUT: {leftovers}")

    failed = code != 0
    if failed:
        outcome = "error"
        named = case.get("output") if case.get("names_output") else case["input"]
        if len(errors) != 1:
            problems.append(f"{len(errors)} error lines, wanted one")
        elif not errors[0].startswith(f"{prog}: error: {named}"):
            problems.append(f"the error line does not start with the file name {named!r}")
        if not case.get("output_exists") and os.path.lexists(out):
            problems.append("OUTPUT written despite the failure")
        for n in case.get("names", ()):
            if n not in stderr:
                problems.append(f"the error does not name the tensor `{n}`")
        if case["expect"] in ("ok", "warn", "success"):
            problems.append(f"exit {code}, wanted success")
    else:
        outcome = "written"
        if case["expect"] == "fail":
            problems.append("exit 0, wanted a failure")
        if errors:
            problems.append("error line on success")
        if not os.path.isfile(out):
            problems.append("exit 0 but nothing at OUTPUT")
        else:
            got = load_output(out)
            same = same_values(got, baseline)
            if case["expect"] == "ok" and not same:
                problems.append("values differ from the intact file's")
            if case["expect"] == "either":
                outcome = "written, same values" if same else "written, changed values (undetectable)"
        if case["expect"] == "warn":
            for k in case["warn_keys"]:
                if not any(f"(for `{k}`)" in w and case["input"] in w for w in warnings):
                    problems.append(f"no warning naming `{k}` and the file")
        elif warnings and case["expect"] in ("ok", "success"):
            problems.append(f"unexpected warnings: {warnings}")
    return problems, outcome


def run_subprocess(script, args, timeout=CASE_TIMEOUT):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    try:
        p = subprocess.run([sys.executable, script, *args], capture_output=True, text=True, env=env,
                           cwd=os.path.dirname(script), timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, "hang (subprocess timeout)", "", ""
    return p.returncode, None, p.stdout, p.stderr


def main():
    started = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="k2t_damaged_")
    keep = ok = False
    try:
        ok = run_suite(tmp, started)
    finally:
        # A failure keeps the damaged files; KEEP_DAMAGED=1 keeps them anyway (cases.jsonl lists
        # every case with its outcome and stderr).
        keep = not ok or os.environ.get("KEEP_DAMAGED") == "1"
        if keep:
            print(f"(damaged files kept in {tmp})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


def run_suite(tmp, started):
    warnings.filterwarnings("ignore", "Duplicate name", UserWarning)  # the duplicate-member variant
    rng = np.random.default_rng(SEED)
    print(f"seed {SEED}")

    # Sources.
    made, bf_reference = make_keras_files(os.path.join(tmp, "sources"))
    made_here = set(made)  # net*, mlp*, bf16*: the stem names the model
    for name in sorted(os.listdir(FIXTURES)):
        if name.endswith((".h5", ".keras")):
            made[name] = os.path.join(FIXTURES, name)
    sources = {}
    scripts = os.path.join(tmp, "scripts")
    for name, path in sorted(made.items()):
        rows, targets = derive_table(path)
        suffix = ".keras" if name.endswith(".keras") else (".weights.h5" if name.endswith(".weights.h5") else ".h5")
        with open_h5_bytes(path) as f:
            legacy = "layer_names" in f.attrs or "model_weights" in f
        stem = name.replace(".", "_")
        sources[name] = dict(
            name=name, path=path, suffix=suffix, rows=rows, targets=targets,
            model=name.split(".")[0].split("_")[0] if name in made_here else name,
            kind="keras" if suffix == ".keras" else ("legacy" if legacy else "k3h5"),
            # bfloat16 tensors are opaque bytes in the file: the HDF5 edits below, which write
            # floats, do not apply (they still get truncations and byte flips).
            editable=not name.startswith("bf16"),
            script=write_script(scripts, stem, rows),
        )

    worker_ = Worker(tmp)
    outputs = os.path.join(tmp, "outputs")
    logs = os.path.join(tmp, "logs")
    os.makedirs(outputs)
    os.makedirs(logs)
    passed, failed = [], []

    def execute(n, case, in_subprocess):
        out = case.get("output") or os.path.join(outputs, f"c{n:04d}", "out" + (".pt" if n % 2 else ".safetensors"))
        out_dir = os.path.dirname(out)
        if not case.get("output"):
            os.makedirs(out_dir, exist_ok=True)
        args = [case["input"], out]
        if in_subprocess:
            code, failure, stdout, stderr = run_subprocess(case["source"]["script"], args)
        else:
            so, se = os.path.join(logs, f"{n:04d}.out"), os.path.join(logs, f"{n:04d}.err")
            code, failure = worker_.run(case["source"]["script"], args, so, se)
            stdout, stderr = open(so).read(), open(se, errors="replace").read()
        return check_case(case, code, failure, stdout, stderr, out, out_dir,
                          case["source"].get("baseline", {})) + (code, stderr)

    # Baselines: every intact source converts (the bfloat16 legacy .h5 is refused, as it must be).
    baseline_fail = []
    for i, (name, s) in enumerate(sources.items()):
        out = os.path.join(tmp, "baseline", f"{i}.safetensors")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        so, se = os.path.join(logs, f"b{i}.out"), os.path.join(logs, f"b{i}.err")
        code, failure = worker_.run(s["script"], [s["path"], out], so, se)
        err = open(se).read()
        if name == "bf16_full.h5":
            ok = code != 0 and "bfloat16" in err and "Traceback" not in err and not os.path.exists(out)
            (passed if ok else failed).append(f"baseline: {name} refused (bfloat16 not recorded in legacy .h5)")
            if not ok:
                print(f"FAIL baseline {name}: exit {code}\n{err}")
            continue
        if code != 0:
            baseline_fail.append(name)
            print(f"FAIL baseline {name}: exit {code} {failure or ''}\n{err}")
            continue
        s["baseline"] = load_output(out)
        if name.startswith("bf16"):
            k = [r[0] for r in s["rows"]]
            got = [s["baseline"][k[0]], s["baseline"][k[1]]]
            if not (np.array_equal(got[0], bf_reference["kernel"]) and np.array_equal(got[1], bf_reference["bias"])):
                baseline_fail.append(name)
                print(f"FAIL baseline {name}: bfloat16 values differ from Keras'")
                continue
        passed.append(f"baseline: {name}")
    failed.extend(f"baseline: {n}" for n in baseline_fail)
    baseline_fail.append("bf16_full.h5")  # refused as a whole: no base for damage
    for n in baseline_fail:
        sources.pop(n)
    print(f"ok   baselines: {len(sources)} intact sources convert ({', '.join(sorted(sources))}); "
          "bf16_full.h5 is refused")

    dmg = Damage(tmp, rng)
    generate(dmg, sources, tmp)
    gen_done = time.monotonic()

    tally = collections.defaultdict(collections.Counter)
    cross_checked = 0
    sample = set(int(i) for i in rng.choice(len(dmg.cases), 6, replace=False))
    for n, case in enumerate(dmg.cases):
        sub_only = case.get("subprocess_only", False)
        problems, outcome, code, stderr = execute(n, case, in_subprocess=sub_only)
        if not sub_only and n in sample and not problems and not case.get("output"):
            # The worker must behave like the real script: run it as a subprocess too, same result.
            out_stale = os.path.join(outputs, f"c{n:04d}")
            shutil.rmtree(out_stale, ignore_errors=True)
            p2, o2, c2, e2 = execute(n, case, in_subprocess=True)
            cross_checked += 1
            if p2 or c2 != code or e2.strip() != stderr.strip():
                problems.append(f"a real subprocess differs: exit {c2} vs {code}; {p2}\n{e2}\nvs\n{stderr}")
        tally[case["category"]][outcome] += 1
        with open(os.path.join(tmp, "cases.jsonl"), "a") as log:
            log.write(json.dumps({"n": n, "category": case["category"], "what": case["what"], "input": case["input"],
                                  "expect": case["expect"], "exit": code, "outcome": outcome,
                                  "problems": problems, "stderr": stderr}) + "\n")
        name = f"{case['category']}: {case['what']}"
        if problems:
            failed.append(name)
            tally[case["category"]]["FAILED"] += 1
            print(f"FAIL {name} [{case['input']}]")
            for p in problems:
                print(f"       {p}")
            if stderr:
                print("       stderr: " + stderr.strip().replace("\n", "\n               ")[:1500])
        else:
            passed.append(name)
    worker_.stop()

    for category, counts in tally.items():
        total = sum(v for k, v in counts.items() if k != "FAILED")
        detail = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        print(f"{'FAIL' if counts['FAILED'] else 'ok  '} {category}: {total} variants ({detail})")
    print(f"{len(dmg.cases)} damaged variants; {cross_checked} also run as real subprocesses, plus "
          f"{sum(1 for c in dmg.cases if c.get('subprocess_only'))} special files only as subprocesses; "
          f"worker restarts {worker_.restarts}")
    print(f"time: generate {gen_done - started:.0f}s, run {time.monotonic() - gen_done:.0f}s")
    print(f"{len(passed)} passed, {len(failed)} failed")
    return not failed


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(int(sys.argv[2]))
        sys.exit(0)
    sys.exit(main())

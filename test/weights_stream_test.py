"""The streamed `.safetensors` writer of templates/weights_runtime.py.

Run: .venv/bin/python test/weights_stream_test.py   (exit 0 when all pass)

`stream_safetensors` writes the header first and then each tensor a block
of rows at a time, transposed in pieces and written where each run lands.
Its output must be the bytes the safetensors library writes for the
state_dict `convert` builds, for every kind of transform, stored dtype and
constant, at block sizes that cut tensors into many blocks, one block per
row and one block for all. No Keras runs: the files are written with h5py
in the Keras 3 `.weights.h5` layout.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

import h5py
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME = os.path.join(REPO, "templates", "weights_runtime.py")
TMP = tempfile.mkdtemp(prefix="k2t_stream_test_")

PASSED, FAILED = [], []


def check(name, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - report and continue
        FAILED.append(name)
        print(f"FAIL {name}: {e}")
        if not isinstance(e, AssertionError):
            traceback.print_exc()
    else:
        PASSED.append(name)
        print(f"ok   {name}")


T_DENSE = (("transpose", (1, 0)),)
T_CONV = (("transpose", (3, 2, 0, 1)),)
T_CONV1D = (("transpose", (2, 1, 0)),)

# (key, Keras 3 path, Keras shape, transforms, stored dtype)
ROWS = [
    ("dense.weight", "layers/dense/vars/0", (37, 53), T_DENSE, "<f4"),
    ("dense.bias", "layers/dense/vars/1", (53,), (), "<f4"),
    ("wide.weight", "layers/wide/vars/0", (300, 70), T_DENSE, "<f4"),
    ("one_out.weight", "layers/one_out/vars/0", (64, 1), T_DENSE, "<f4"),
    ("one_in.weight", "layers/one_in/vars/0", (1, 64), T_DENSE, "<f4"),
    ("conv.weight", "layers/conv/vars/0", (3, 3, 5, 7), T_CONV, "<f4"),
    ("conv1d.weight", "layers/conv1d/vars/0", (3, 4, 6), T_CONV1D, "<f4"),
    # Source axis 0 stays first, the others move; and a 3-D transpose with long runs.
    ("keep_first.weight", "layers/keep_first/vars/0", (40, 6, 5), (("transpose", (0, 2, 1)),), "<f4"),
    ("middle.weight", "layers/middle/vars/0", (30, 4, 20), (("transpose", (1, 0, 2)),), "<f4"),
    ("twice.weight", "layers/twice/vars/0", (20, 9), (("transpose", (1, 0)), ("transpose", (1, 0))), "<f4"),
    ("flat.weight", "layers/flat/vars/0", (24, 5), (("permute_rows", (2, 3, 4), (2, 0, 1)), ("transpose", (1, 0))), "<f4"),
    ("depthwise.weight", "layers/depthwise/vars/0", (3, 3, 4, 2), (("transpose", (2, 3, 0, 1)), ("reshape", (8, 1, 3, 3))), "<f4"),
    ("gru.bias_ih", "layers/gru/vars/2", (2, 12), (("index", 0), ("reorder_blocks", (1, 0, 2))), "<f4"),
    ("scalar", "layers/scalar/vars/0", (), (), "<f4"),
    ("empty.weight", "layers/empty/vars/0", (0, 4), T_DENSE, "<f4"),
    ("half.weight", "layers/half/vars/0", (33, 17), T_DENSE, "<f2"),
    ("double.weight", "layers/double/vars/0", (17, 33), T_DENSE, "<f8"),
    ("big_endian.weight", "layers/big_endian/vars/0", (19, 23), T_DENSE, ">f4"),
    ("bf16.weight", "layers/bf16/vars/0", (21, 11), T_DENSE, "bfloat16"),
]
CONSTANTS = [
    ("bn.num_batches_tracked", (), "int64", 0),
    ("bn.bias", (5,), "float32", 0.25),
    ("c.f64", (2,), "float64", 1.5),
    ("c.f16", (3,), "float16", 0.1),
    ("c.bf16", (3,), "bfloat16", 0.1),
    ("c.i32", (2,), "int32", 7),
    ("c.i16", (2,), "int16", -3),
    ("c.i8", (2,), "int8", 5),
    ("c.u8", (2,), "uint8", 200),
    ("c.bool", (2,), "bool", 1),
]


def models(rows=ROWS, constants=CONSTANTS):
    return {"M": {"tensors": [(k, p, "l", 0, s, t) for k, p, s, t, _d in rows], "constants": list(constants)}}


def write_weights(path, rows=ROWS, nonfinite=False):
    rng = np.random.default_rng(0)
    with h5py.File(path, "w") as f:
        for _key, p, shape, _t, dtype in rows:
            data = rng.standard_normal(shape).astype(np.float32)
            if nonfinite and data.size > 4:
                flat = data.reshape(-1)
                flat[1], flat[-1], flat[data.size // 2] = np.nan, np.inf, -np.inf
            if dtype == "bfloat16":
                bits = (data.view(np.uint32) >> 16).astype(np.uint16)
                f.create_dataset(p, data=bits.view("V2"))
                f[p].attrs["dtype"] = "bfloat16"
            else:
                f.create_dataset(p, data=data.astype(dtype))


def load_runtime(name, table):
    """The runtime as a weights script's module, with `table` as its MODELS."""
    path = os.path.join(TMP, name + ".py")
    with open(RUNTIME) as f:
        runtime = f.read()
    with open(path, "w") as f:
        f.write(f"SCHEMA = 1\nPRIMARY = 'M'\nMODELS = {table!r}\n\n" + runtime)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path


def reference_bytes(rt, keras_file, name):
    """What the safetensors library writes for `convert`'s state_dict."""
    out = os.path.join(TMP, name + ".ref.safetensors")
    state_dict, report = rt.convert(keras_file)
    rt.save_state_dict(state_dict, out)
    with open(out, "rb") as f:
        return f.read(), report


def streamed_bytes(rt, keras_file, name, block, piece, min_run=4096):
    rt._BLOCK_BYTES, rt._PIECE_BYTES, rt._MIN_RUN_BYTES = block, piece, min_run
    out = os.path.join(TMP, f"{name}.{block}.{piece}.{min_run}.safetensors")
    report = rt.stream_safetensors(keras_file, out)
    with open(out, "rb") as f:
        return f.read(), report


def main():
    rt, script = load_runtime("stream_rt", models())
    h5 = os.path.join(TMP, "all.weights.h5")
    write_weights(h5)
    bad = os.path.join(TMP, "nonfinite.weights.h5")
    write_weights(bad, nonfinite=True)

    def equals_safetensors_output():
        # 64 bytes: a block per row or less (many runs per row); 4096 and 1 MB in between and above;
        # runs of any length streamed, or (the default) only runs of 4 kB.
        cases = ((64, 64, 4), (4096, 256, 4), (4096, 1 << 20, 4), (4096, 4096, 4096), (1 << 20, 4096, 4), (128 << 20, 4 << 20, 4096))
        for path in (h5, bad):
            want, want_report = reference_bytes(rt, path, os.path.basename(path))
            for block, piece, min_run in cases:
                got, report = streamed_bytes(rt, path, os.path.basename(path), block, piece, min_run)
                assert got == want, f"{path} at block {block}, piece {piece}, run {min_run}: not the bytes of safetensors"
                assert report["rows"] == want_report["rows"] and report["warnings"] == want_report["warnings"]

    check("streamed .safetensors == safetensors' save_file of convert(), at every block size", equals_safetensors_output)

    def runs_are_long_enough():
        # A Dense kernel is streamed in blocks; a conv kernel (runs of a few elements) is read whole.
        rt._BLOCK_BYTES, rt._MIN_RUN_BYTES = 4 << 20, 4096
        assert rt._stream_layout((4096, 1024), T_DENSE) == (1024, [1, 0], 1, 1024)  # runs of 4 kB
        assert rt._stream_layout((8192, 1024), T_DENSE) == (1024, [1, 0], 1, 1024)
        rt._BLOCK_BYTES = 1 << 20
        assert rt._stream_layout((4096, 1024), T_DENSE) is None  # runs of 1 kB
        assert rt._stream_layout((300, 70), T_DENSE) == (300, [1, 0], 1, 70)  # one block
        assert rt._stream_layout((3, 3, 512, 512), T_CONV) is None
        assert rt._stream_layout((24, 5), ROWS[10][3]) is None  # permute_rows
        assert rt._stream_layout((), ()) is None

    check("which tensors are streamed", runs_are_long_enough)

    def nonfinite_counted_across_blocks():
        _got, report = streamed_bytes(rt, bad, "nonfinite-count", 256, 256)
        dense = [w for w in report["warnings"] if "(for `wide.weight`)" in w]
        assert dense and dense[0].endswith("has non-finite values: 1 NaN, 1 +Inf, 1 -Inf"), report["warnings"]
        code = subprocess.run([sys.executable, script, bad, os.path.join(TMP, "nf.safetensors")], capture_output=True, text=True)
        assert code.returncode == 0, code.stderr
        assert code.stderr.count("warning:") == len(report["warnings"]), code.stderr

    check("NaN/Inf counted over every block, warned about once per tensor", nonfinite_counted_across_blocks)

    def no_torch_for_safetensors():
        out = os.path.join(TMP, "notorch.safetensors")
        probe = (
            "import runpy, sys\n"
            f"sys.argv = [{script!r}, {h5!r}, {out!r}]\n"
            "try:\n"
            f"    runpy.run_path({script!r}, run_name='__main__')\n"
            "except SystemExit as e:\n"
            "    assert e.code == 0, e.code\n"
            "print('torch' in sys.modules, 'safetensors' in sys.modules)\n"
        )
        # The table has a bfloat16 constant, which torch makes: without it, torch is not imported.
        rt2, script2 = load_runtime("stream_rt_nobf16", models(constants=CONSTANTS[:2]))
        probe = probe.replace(repr(script), repr(script2))
        run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip().splitlines()[-1] == "False False", run.stdout

    check("a .safetensors OUTPUT imports neither torch nor safetensors", no_torch_for_safetensors)

    def failure_writes_nothing():
        # A mapping problem is found before any data is read; damaged data mid-stream (a dataset
        # whose storage is cut off) fails with exit code 2; neither leaves a file behind.
        d = os.path.join(TMP, "fail")
        os.makedirs(d)
        wrong = models(rows=[("dense.weight", "layers/dense/vars/0", (37, 54), T_DENSE, "<f4")], constants=())
        rt3, _ = load_runtime("stream_rt_wrong", wrong)
        out = os.path.join(d, "x.safetensors")
        try:
            rt3.stream_safetensors(h5, out)
        except rt3.ConversionError as e:
            assert e.exit_code == 1 and "mis-shaped" in str(e), str(e)
        else:
            raise AssertionError("no ConversionError")
        cut = os.path.join(d, "cut.weights.h5")
        rows = [("dense.weight", "layers/dense/vars/0", (256, 300), T_DENSE, "<f4")]
        write_weights(cut, rows=rows)
        with h5py.File(cut, "r") as f:
            offset = f["layers/dense/vars/0"].id.get_offset()
        with open(cut, "r+b") as f:
            f.truncate(offset + 1000)
        rt4, _ = load_runtime("stream_rt_cut", models(rows=rows, constants=()))
        rt4._BLOCK_BYTES = 4096
        try:
            rt4.stream_safetensors(cut, out)
        except rt4.ConversionError as e:
            assert e.exit_code == 2 and "cut.weights.h5" in str(e), str(e)
        else:
            raise AssertionError("no ConversionError for a truncated file")
        assert os.listdir(d) == ["cut.weights.h5"], os.listdir(d)

    check("a mapping problem or damaged data writes nothing", failure_writes_nothing)

    def global_heap_scan_in_windows():
        # "GCOL" across a window boundary and at both alignments is found once, as bytes.find finds it.
        data = bytearray(np.random.default_rng(1).integers(0, 256, 10000, dtype=np.uint8).tobytes())
        for at in (0, 1, 4093, 4094, 4095, 4096, 8191, 9996):
            data[at : at + 4] = b"GCOL"
        path = os.path.join(TMP, "gcol.bin")
        with open(path, "wb") as f:
            f.write(data)
        want, pos = [], data.find(b"GCOL")
        while pos >= 0:
            want.append(pos)
            pos = data.find(b"GCOL", pos + 1)
        with open(path, "rb") as f:
            fb = rt._FileBytes(f)
            fb.WINDOW = 4096  # a multiple of mmap's allocation granularity
            got = list(fb.positions(b"GCOL"))
            assert got == want, (got, want)
            assert fb[4090:4100] == bytes(data[4090:4100]) and fb[9990:12000] == bytes(data[9990:])
        # A collection with an empty entry is refused through the window as from bytes.
        heap = bytearray(8192)
        heap[100:116] = b"GCOL\x01\x00\x00\x00" + (4096).to_bytes(8, "little")
        with open(path, "wb") as f:
            f.write(heap)
        for source in (bytes(heap), None):
            with open(path, "rb") as f:
                try:
                    rt._check_global_heaps(source if source is not None else rt._FileBytes(f), "gcol.bin")
                except rt.ConversionError as e:
                    assert "empty entry at byte 116" in str(e), str(e)
                else:
                    raise AssertionError("not refused")

    check("the global heap scan reads the file in windows", global_heap_scan_in_windows)

    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 0 if not FAILED else 1


if __name__ == "__main__":
    code = 1
    try:
        code = main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(code)

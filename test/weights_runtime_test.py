"""End-to-end test of templates/weights_runtime.py against real Keras 3 files.

Run: .venv/bin/python test/weights_runtime_test.py   (exit 0 when all pass)

Builds small Keras 3 models with seeded random weights, saves them as
`.keras`, `.weights.h5`, legacy full-model `.h5` and legacy weights-only `.h5`,
writes a weights script (a header with a hand-written MODELS table following
docs/keras-weight-paths.md, then the runtime), runs it as a subprocess and
compares every tensor exactly with the Keras variables after the transforms.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import traceback

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import h5py  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from keras import layers as L  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402
from safetensors.numpy import load_file as load_safetensors  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME = os.path.join(REPO, "templates", "weights_runtime.py")
TMP = tempfile.mkdtemp(prefix="k2t_weights_test_")

PASSED, FAILED = [], []


def _fixtures_dir():
    """shared/fixtures/keras-files beside the repository (where CI puts it), else the workplace copy."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (os.path.join(os.path.dirname(here), "shared", "fixtures", "keras-files"), "/work/shared/fixtures/keras-files"):
        if os.path.isdir(candidate):
            return candidate
    return "/work/shared/fixtures/keras-files"


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


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


def randomize(model, seed):
    """Seeded random values for every variable (variances kept positive)."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        a = rng.standard_normal(tuple(v.shape)).astype("float32")
        if "variance" in v.path:
            a = np.abs(a) + 0.5
        v.assign(a)


def build_net():
    """Functional: Conv2D(no bias), BN(center=False), Flatten->Dense, a shared
    Dense called twice, a nested Sequential with BN, Dropout, Dense head."""
    inp = keras.Input((8, 8, 3))
    x = L.Conv2D(4, 3, use_bias=False)(inp)  # layers/conv2d
    x = L.BatchNormalization(center=False)(x)  # layers/batch_normalization
    x = L.ReLU()(x)
    x = L.Conv2D(2, 3, padding="same")(x)  # layers/conv2d_1
    x = L.Flatten()(x)  # 6*6*2 = 72 features, NHWC order
    x = L.Dense(6)(x)  # layers/dense
    shared = L.Dense(6, name="shared_proj")  # layers/dense_1
    x = shared(x)
    x = shared(x)
    enc = keras.Sequential(
        [L.Dense(5), L.BatchNormalization(), L.Dense(4)], name="encoder"
    )  # layers/sequential/layers/{dense, batch_normalization, dense_1}
    x = enc(x)
    x = L.Dropout(0.1)(x)
    out = L.Dense(3, name="head")(x)  # layers/dense_2
    return keras.Model(inp, out)


def build_small():
    """Sequential with keras.Input, Conv1D, Flatten, Dense."""
    return keras.Sequential(
        [keras.Input((5, 4)), L.Conv1D(3, 2), L.Flatten(), L.Dense(2)]
    )


T_CONV = (("transpose", (3, 2, 0, 1)),)
T_CONV1D = (("transpose", (2, 1, 0)),)
T_DENSE = (("transpose", (1, 0)),)

# The hand-written tables a compiler would emit for a fresh Keras session.
# (state_dict key, keras 3 path, legacy layer, legacy index, keras shape, transforms)
MODELS = {
    "Net": {
        "tensors": [
            ("conv1.weight", "layers/conv2d/vars/0", "conv2d", 0, (3, 3, 3, 4), T_CONV),
            ("bn1.weight", "layers/batch_normalization/vars/0", "batch_normalization", 0, (4,), ()),
            ("bn1.running_mean", "layers/batch_normalization/vars/1", "batch_normalization", 1, (4,), ()),
            ("bn1.running_var", "layers/batch_normalization/vars/2", "batch_normalization", 2, (4,), ()),
            ("conv2.weight", "layers/conv2d_1/vars/0", "conv2d_1", 0, (3, 3, 4, 2), T_CONV),
            ("conv2.bias", "layers/conv2d_1/vars/1", "conv2d_1", 1, (2,), ()),
            ("fc.weight", "layers/dense/vars/0", "dense", 0, (72, 6),
                (("permute_rows", (6, 6, 2), (2, 0, 1)), ("transpose", (1, 0)))),
            ("fc.bias", "layers/dense/vars/1", "dense", 1, (6,), ()),
            ("shared.weight", "layers/dense_1/vars/0", "shared_proj", 0, (6, 6), T_DENSE),
            ("shared.bias", "layers/dense_1/vars/1", "shared_proj", 1, (6,), ()),
            # nested Sequential: legacy group `encoder`, trainable weights first
            ("enc.0.weight", "layers/sequential/layers/dense/vars/0", "encoder", 0, (6, 5), T_DENSE),
            ("enc.0.bias", "layers/sequential/layers/dense/vars/1", "encoder", 1, (5,), ()),
            ("enc.1.weight", "layers/sequential/layers/batch_normalization/vars/0", "encoder", 2, (5,), ()),
            ("enc.1.bias", "layers/sequential/layers/batch_normalization/vars/1", "encoder", 3, (5,), ()),
            ("enc.1.running_mean", "layers/sequential/layers/batch_normalization/vars/2", "encoder", 6, (5,), ()),
            ("enc.1.running_var", "layers/sequential/layers/batch_normalization/vars/3", "encoder", 7, (5,), ()),
            ("enc.2.weight", "layers/sequential/layers/dense_1/vars/0", "encoder", 4, (5, 4), T_DENSE),
            ("enc.2.bias", "layers/sequential/layers/dense_1/vars/1", "encoder", 5, (4,), ()),
            ("head.weight", "layers/dense_2/vars/0", "head", 0, (4, 3), T_DENSE),
            ("head.bias", "layers/dense_2/vars/1", "head", 1, (3,), ()),
        ],
        "constants": [
            ("bn1.bias", (4,), "float32", 0.0),
            ("bn1.num_batches_tracked", (), "int64", 0),
            ("enc.1.num_batches_tracked", (), "int64", 0),
        ],
    },
    "Small": {
        "tensors": [
            ("conv.weight", "layers/conv1d/vars/0", "conv1d", 0, (2, 4, 3), T_CONV1D),
            ("conv.bias", "layers/conv1d/vars/1", "conv1d", 1, (3,), ()),
            ("fc.weight", "layers/dense/vars/0", "dense", 0, (12, 2),
                (("permute_rows", (4, 3), (1, 0)), ("transpose", (1, 0)))),
            ("fc.bias", "layers/dense/vars/1", "dense", 1, (2,), ()),
        ],
        "constants": [],
    },
}


def reference_net(model):
    """Expected state_dict of Net, computed from the Keras layer objects."""
    conv1, bn1, conv2, fc, shared, enc, head = (
        model.layers[1], model.layers[2], model.layers[4], model.layers[6],
        model.get_layer("shared_proj"), model.get_layer("encoder"), model.get_layer("head"),
    )
    assert isinstance(conv1, L.Conv2D) and isinstance(bn1, L.BatchNormalization)
    assert isinstance(conv2, L.Conv2D) and isinstance(fc, L.Dense)
    n = lambda v: np.array(v.numpy())  # noqa: E731
    rows = np.arange(72).reshape(6, 6, 2).transpose(2, 0, 1).ravel()
    e0, e1, e2 = enc.layers
    return {
        "conv1.weight": n(conv1.kernel).transpose(3, 2, 0, 1),
        "bn1.weight": n(bn1.gamma),
        "bn1.running_mean": n(bn1.moving_mean),
        "bn1.running_var": n(bn1.moving_variance),
        "conv2.weight": n(conv2.kernel).transpose(3, 2, 0, 1),
        "conv2.bias": n(conv2.bias),
        "fc.weight": n(fc.kernel)[rows].T,
        "fc.bias": n(fc.bias),
        "shared.weight": n(shared.kernel).T,
        "shared.bias": n(shared.bias),
        "enc.0.weight": n(e0.kernel).T,
        "enc.0.bias": n(e0.bias),
        "enc.1.weight": n(e1.gamma),
        "enc.1.bias": n(e1.beta),
        "enc.1.running_mean": n(e1.moving_mean),
        "enc.1.running_var": n(e1.moving_variance),
        "enc.2.weight": n(e2.kernel).T,
        "enc.2.bias": n(e2.bias),
        "head.weight": n(head.kernel).T,
        "head.bias": n(head.bias),
        "bn1.bias": np.zeros(4, np.float32),
        "bn1.num_batches_tracked": np.array(0, np.int64),
        "enc.1.num_batches_tracked": np.array(0, np.int64),
    }


def reference_small(model):
    conv, fc = model.layers[0], model.layers[2]
    rows = np.arange(12).reshape(4, 3).transpose(1, 0).ravel()
    return {
        "conv.weight": np.array(conv.kernel.numpy()).transpose(2, 1, 0),
        "conv.bias": np.array(conv.bias.numpy()),
        "fc.weight": np.array(fc.kernel.numpy())[rows].T,
        "fc.bias": np.array(fc.bias.numpy()),
    }


# ---------------------------------------------------------------------------
# Files and the script
# ---------------------------------------------------------------------------


def save_all(model, stem):
    """All four formats; returns {format: path}."""
    paths = {
        "keras": os.path.join(TMP, stem + ".keras"),
        "weights.h5": os.path.join(TMP, stem + ".weights.h5"),
        "legacy-full.h5": os.path.join(TMP, stem + "_full.h5"),
        "legacy-weights.h5": os.path.join(TMP, stem + "_wonly.h5"),
    }
    model.save(paths["keras"])
    model.save_weights(paths["weights.h5"])
    model.save(paths["legacy-full.h5"])
    # Keras 3 refuses save_weights("x.h5"); the legacy weights-only layout is
    # written by the same function Keras 2's save_weights used.
    with h5py.File(paths["legacy-weights.h5"], "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return paths


def write_script(directory, models, primary="Net", name="net_weights.py"):
    os.makedirs(directory, exist_ok=True)
    header = (
        '"""Weights script for the runtime test (hand-written table)."""\n\n'
        "SCHEMA = 1\n\n"
        f"PRIMARY = {primary!r}\n\n"
        f"MODELS = {models!r}\n\n"
    )
    with open(RUNTIME) as f:
        runtime = f.read()
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(header + runtime)
    return path


def run(script, *args):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    p = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, env=env, cwd=os.path.dirname(script)
    )
    return p.returncode, p.stdout, p.stderr


def load_output(path):
    if path.endswith(".safetensors"):
        return {k: np.asarray(v) for k, v in load_safetensors(path).items()}
    sd = torch.load(path, weights_only=True)
    assert type(sd).__name__ == "OrderedDict", f"torch.save payload is {type(sd)}"
    for k, t in sd.items():
        assert t.is_contiguous(), f"{k} is not contiguous"
    return {k: t.numpy() for k, t in sd.items()}


def compare(got, want):
    assert set(got) == set(want), (
        f"keys differ: missing {sorted(set(want) - set(got))}, extra {sorted(set(got) - set(want))}"
    )
    for k, w in want.items():
        g = got[k]
        assert g.shape == w.shape, f"{k}: shape {g.shape} != {w.shape}"
        expected_dtype = np.int64 if w.dtype == np.int64 else np.float32
        assert g.dtype == expected_dtype, f"{k}: dtype {g.dtype} != {expected_dtype}"
        assert np.array_equal(g, w.astype(expected_dtype)), f"{k}: values differ"


def expect_success(script, src, out, want, *extra):
    code, stdout, stderr = run(script, src, out, *extra)
    assert code == 0, f"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    compare(load_output(out), want)
    return stdout


def expect_failure(script, src, out, code_wanted, *needles, extra=()):
    code, stdout, stderr = run(script, src, out, *extra)
    assert code == code_wanted, f"exit {code}, wanted {code_wanted}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    assert "Traceback" not in stderr, f"stack trace on an expected failure:\n{stderr}"
    for n in needles:
        assert n in stderr, f"{n!r} not in stderr:\n{stderr}"
    assert not os.path.exists(out), "output written despite failure"
    leftovers = [f for f in os.listdir(os.path.dirname(out) or ".") if f.endswith(".tmp")]
    assert not leftovers, f"temp files left behind: {leftovers}"
    return stderr


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------


def main():
    keras.utils.set_random_seed(0)

    # Fresh session: Keras' auto names equal the table's legacy names.
    keras.backend.clear_session()
    net = build_net()
    net.compile(optimizer="adam", loss="mse")
    net.fit(np.zeros((2, 8, 8, 3)), np.zeros((2, 3)), verbose=0)  # optimizer state in the files
    randomize(net, 1)
    net_files = save_all(net, "net")
    net_ref = reference_net(net)

    keras.backend.clear_session()
    small = build_small()
    randomize(small, 2)
    small_files = save_all(small, "small")
    small_ref = reference_small(small)

    # Name drift: throwaway layers first, so every auto name shifts
    # (conv2d_1, batch_normalization_1, conv2d_2, dense_1, ... in the legacy file).
    keras.backend.clear_session()
    for _ in range(1):
        L.Conv2D(1, 1), L.BatchNormalization(), L.Dense(1)
    drift = build_net()
    randomize(drift, 3)
    drift_files = save_all(drift, "drift")
    drift_ref = reference_net(drift)

    sdir = os.path.join(TMP, "script")
    script = write_script(sdir, MODELS)

    def names_as_expected():
        with h5py.File(net_files["legacy-full.h5"]) as f:
            names = [n if isinstance(n, str) else n.decode() for n in f["model_weights"].attrs["layer_names"]]
        assert names[:4] == ["input_layer", "conv2d", "batch_normalization", "re_lu"], names
        with h5py.File(drift_files["legacy-full.h5"]) as f:
            names = [n if isinstance(n, str) else n.decode() for n in f["model_weights"].attrs["layer_names"]]
        assert "conv2d_2" in names and "dense" not in names, names

    check("fixture layer names (fresh vs drifted session)", names_as_expected)

    for fmt, path in net_files.items():
        for ext in (".safetensors", ".pt"):
            out = os.path.join(TMP, f"out_net_{fmt}{ext}")
            check(f"Net from {fmt} -> {ext}", lambda p=path, o=out: expect_success(script, p, o, net_ref))

    for fmt, path in small_files.items():
        out = os.path.join(TMP, f"out_small_{fmt}.pth")
        check(
            f"Small (--model) from {fmt} -> .pth",
            lambda p=path, o=out: expect_success(script, p, o, small_ref, "--model", "Small"),
        )

    # Keras 3 formats are keyed by path, so drift does not matter there.
    for fmt in ("keras", "weights.h5"):
        out = os.path.join(TMP, f"out_drift_{fmt}.safetensors")
        check(f"drifted session, {fmt}", lambda p=drift_files[fmt], o=out: expect_success(script, p, o, drift_ref))

    def drift_legacy(fmt):
        out = os.path.join(TMP, f"out_drift_{fmt}.safetensors")
        stdout = expect_success(script, drift_files[fmt], out, drift_ref, "--verbose")
        # conv2d -> conv2d_1 etc. by order+shape; explicit names still by name.
        assert "order+shape" in stdout, stdout
        for line in stdout.splitlines():
            if line.strip().startswith(("head ", "encoder ", "shared_proj ")):
                assert "[name]" in line or "[order+shape]" in line, line
        assert "conv2d_1" in stdout and "conv2d_2" in stdout, stdout

    for fmt in ("legacy-full.h5", "legacy-weights.h5"):
        check(f"drifted session, {fmt}: fallback order+shape", lambda f=fmt: drift_legacy(f))

    def verbose_table():
        out = os.path.join(TMP, "out_verbose.pt")
        stdout = expect_success(script, net_files["legacy-full.h5"], out, net_ref, "--verbose")
        assert "conv2d" in stdout and "[name]" in stdout and "conv1.weight" in stdout, stdout
        assert "permute_rows" in stdout and "constant" in stdout, stdout
        stdout = expect_success(script, net_files["keras"], out, net_ref, "--verbose")
        assert "layers/sequential/layers/batch_normalization/vars/3" in stdout, stdout

    check("--verbose prints the mapping and strategies", verbose_table)

    # Ambiguity guard: same shapes, names shifted by one. A name hit (`dense_1`)
    # points at the wrong layer; the order-preserving fallback must win.
    def shifted_same_shapes():
        keras.backend.clear_session()
        L.Dense(1)  # consumes the name `dense`
        m = keras.Sequential([keras.Input((4,)), L.Dense(4), L.Dense(4)])
        randomize(m, 4)
        p = os.path.join(TMP, "shift.h5")
        m.save(p)
        table = {
            "Two": {
                "tensors": [
                    ("a.weight", "layers/dense/vars/0", "dense", 0, (4, 4), T_DENSE),
                    ("a.bias", "layers/dense/vars/1", "dense", 1, (4,), ()),
                    ("b.weight", "layers/dense_1/vars/0", "dense_1", 0, (4, 4), T_DENSE),
                    ("b.bias", "layers/dense_1/vars/1", "dense_1", 1, (4,), ()),
                ],
                "constants": [],
            }
        }
        s = write_script(os.path.join(TMP, "shift"), table, primary="Two")
        want = {
            "a.weight": m.layers[0].kernel.numpy().T,
            "a.bias": m.layers[0].bias.numpy(),
            "b.weight": m.layers[1].kernel.numpy().T,
            "b.bias": m.layers[1].bias.numpy(),
        }
        expect_success(s, p, os.path.join(TMP, "shift.pt"), want)

    check("drift with a misleading name hit is matched by order", shifted_same_shapes)

    # --- failure paths ------------------------------------------------------
    fail_dir = os.path.join(TMP, "fail")

    def missing_tensor():
        t = {"Net": dict(MODELS["Net"])}
        t["Net"]["tensors"] = list(t["Net"]["tensors"]) + [
            ("extra.weight", "layers/dense_9/vars/0", "dense_9", 0, (2, 2), ())
        ]
        s = write_script(fail_dir, t, name="missing_weights.py")
        for fmt in ("keras", "legacy-full.h5"):
            out = os.path.join(fail_dir, f"missing_{fmt}.safetensors")
            err = expect_failure(s, net_files[fmt], out, 1)
            assert "missing" in err or "not found" in err, err

    check("missing tensor -> exit 1, nothing written", missing_tensor)

    def unexpected_and_misshaped():
        rows = [r for r in MODELS["Net"]["tensors"] if r[0] != "head.bias"]
        rows = [
            (k, p, ln, li, (5, 5) if k == "shared.weight" else s, tf) for k, p, ln, li, s, tf in rows
        ]
        t = {"Net": {"tensors": rows, "constants": MODELS["Net"]["constants"]}}
        s = write_script(fail_dir, t, name="bad_weights.py")
        for fmt in ("weights.h5", "legacy-weights.h5"):
            out = os.path.join(fail_dir, f"bad_{fmt}.pt")
            err = expect_failure(s, net_files[fmt], out, 1, "unexpected", "mis-shaped")
            # every problem is listed, not just the first
            assert err.count("  - ") >= 2, err

    check("unexpected + mis-shaped listed together -> exit 1", unexpected_and_misshaped)

    def drift_shape_disagrees():
        rows = [
            (k, p, ln, li, (3, 3, 3, 5) if k == "conv1.weight" else s, tf)
            for k, p, ln, li, s, tf in MODELS["Net"]["tensors"]
        ]
        t = {"Net": {"tensors": rows, "constants": MODELS["Net"]["constants"]}}
        s = write_script(fail_dir, t, name="drift_bad_weights.py")
        out = os.path.join(fail_dir, "drift_bad.pt")
        expect_failure(s, drift_files["legacy-full.h5"], out, 1, "order and shape")

    check("drift fallback with disagreeing shapes -> exit 1", drift_shape_disagrees)

    def wrong_model():
        out = os.path.join(TMP, "wrong_model.pt")
        expect_failure(script, net_files["keras"], out, 2, "NoSuchModel", extra=("--model", "NoSuchModel"))

    check("wrong --model -> exit 2", wrong_model)

    def bad_inputs():
        junk = os.path.join(TMP, "junk.h5")
        with open(junk, "w") as f:
            f.write("not a model\n")
        expect_failure(script, junk, os.path.join(TMP, "junk.pt"), 2, "junk.h5")
        expect_failure(script, os.path.join(TMP, "nope.keras"), os.path.join(TMP, "nope.pt"), 2)
        expect_failure(script, net_files["keras"], os.path.join(TMP, "out.npy"), 2, ".safetensors")
        code, _o, err = run(script)
        assert code == 2 and "usage" in err, err

    check("unreadable input / bad OUTPUT / no args -> exit 2", bad_inputs)

    def shadowing():
        d = os.path.join(TMP, "shadow")
        s = write_script(d, MODELS)
        for lib in ("torch", "numpy", "h5py", "safetensors", "zipfile"):
            with open(os.path.join(d, lib + ".py"), "w") as f:
                f.write(f"raise ImportError('shadowed {lib}.py was imported')\n")
        for ext in (".safetensors", ".pt"):
            expect_success(s, net_files["keras"], os.path.join(d, "out" + ext), net_ref)

    check("sibling torch.py/numpy.py/h5py.py/safetensors.py do not shadow", shadowing)

    def in_process():
        import importlib.util

        spec = importlib.util.spec_from_file_location("net_weights_mod", script)
        mod = importlib.util.module_from_spec(spec)
        before = list(sys.path)
        spec.loader.exec_module(mod)
        assert sys.path == before, "importing the script changed sys.path"
        sd, report = mod.convert(net_files["legacy-weights.h5"])
        compare({k: v.numpy() for k, v in sd.items()}, net_ref)
        assert list(sd) == [r[0] for r in MODELS["Net"]["tensors"]] + [c[0] for c in MODELS["Net"]["constants"]]
        assert report["strategies"]["conv2d"] == ("conv2d", "name"), report["strategies"]
        try:
            mod.convert(net_files["keras"], "Nope")
        except mod.ConversionError as e:
            assert e.exit_code == 2
        else:
            raise AssertionError("no ConversionError for an unknown model")

    check("convert() in-process", in_process)

    def real_windows_keras_zip():
        # Real TF 2.15 file with backslash paths and metrics/optimizer groups.
        fixture = os.path.join(_fixtures_dir(), "tf2.15_conv1d_bn.keras")
        if not os.path.exists(fixture):
            return
        rows, n = [], 0
        spec = [("batch_normalization", 4, (512,)), ("batch_normalization_1", 4, (128,)),
                ("batch_normalization_2", 4, (64,))]
        for layer, count, shape in spec:
            for i in range(count):
                rows.append((f"t{n}", f"layers/{layer}/vars/{i}", layer, i, shape, ()))
                n += 1
        for layer, kshape, bshape in [("conv1d", (3, 1, 512), (512,)), ("conv1d_1", (3, 512, 128), (128,)),
                                      ("conv1d_2", (2, 128, 64), (64,)), ("conv1d_3", (2, 64, 32), (32,)),
                                      ("dense", (32, 128), (128,)), ("dense_1", (128, 64), (64,)),
                                      ("dense_2", (64, 1), (1,))]:
            rows.append((f"t{n}", f"layers/{layer}/vars/0", layer, 0, kshape, ()))
            rows.append((f"t{n + 1}", f"layers/{layer}/vars/1", layer, 1, bshape, ()))
            n += 2
        s = write_script(os.path.join(TMP, "win"), {"W": {"tensors": rows, "constants": []}}, primary="W")
        out = os.path.join(TMP, "win", "w.safetensors")
        code, stdout, stderr = run(s, fixture, out)
        assert code == 0, stderr
        assert len(load_safetensors(out)) == n

    check("real Windows-saved .keras (backslash paths, metrics ignored)", real_windows_keras_zip)

    def real_keras2_weights_only():
        # Real Keras 2.1.5 save_weights file: names conv2d_1/dense_1/dense_2 and `:0`
        # suffixes, while a fresh Keras 3 session names the layers conv2d/dense/dense_1.
        fixture = os.path.join(_fixtures_dir(), "k2.1.5_cnn_weights_only.h5")
        if not os.path.exists(fixture):
            return
        rows = [
            ("conv.weight", "layers/conv2d/vars/0", "conv2d", 0, (3, 3, 1, 32), T_CONV),
            ("conv.bias", "layers/conv2d/vars/1", "conv2d", 1, (32,), ()),
            ("fc1.weight", "layers/dense/vars/0", "dense", 0, (5408, 128),
                (("permute_rows", (13, 13, 32), (2, 0, 1)), ("transpose", (1, 0)))),
            ("fc1.bias", "layers/dense/vars/1", "dense", 1, (128,), ()),
            ("fc2.weight", "layers/dense_1/vars/0", "dense_1", 0, (128, 10), T_DENSE),
            ("fc2.bias", "layers/dense_1/vars/1", "dense_1", 1, (10,), ()),
        ]
        s = write_script(os.path.join(TMP, "k2"), {"Cnn": {"tensors": rows, "constants": []}}, primary="Cnn")
        out = os.path.join(TMP, "k2", "cnn.safetensors")
        code, stdout, stderr = run(s, fixture, out, "--verbose")
        assert code == 0, stderr
        assert "dense_1                      <- dense_2" in stdout, stdout
        got = load_safetensors(out)
        with h5py.File(fixture) as f:
            k = f["dense_1/dense_1/kernel:0"][()]
        rows_perm = np.arange(5408).reshape(13, 13, 32).transpose(2, 0, 1).ravel()
        assert np.array_equal(got["fc1.weight"], k[rows_perm].T)

    check("real Keras 2.1.5 weights-only .h5 with drifted names", real_keras2_weights_only)

    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 0 if not FAILED else 1


if __name__ == "__main__":
    code = 1
    try:
        code = main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(code)

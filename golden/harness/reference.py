#!/usr/bin/env python3
"""Golden reference stage: real Keras runs every golden case's source, in ONE process.

    python golden/harness/reference.py --golden golden --work golden/.work [case ...]

For each case folder ``<golden>/<case>/`` holding a ``case.json`` (all of them, or the ones named):

1. ``keras.backend.clear_session()`` and ``keras.utils.set_random_seed(seed)``;
2. runs ``reference_prelude`` (if any), then the case's source (``src/<keras3_source>`` if set, else
   ``src/<module>``) as a module of a fresh synthetic package whose path is ``src/`` (so both
   ``from blocks import x`` and ``from .blocks import x`` work), with ``src/`` on ``sys.path``;
3. evaluates ``entry`` in the module's globals to get the model (building it on the inputs if needed);
4. gives every variable in ``model.weights`` a seeded random value (BatchNorm statistics included);
5. saves ``keras/model.keras``, ``keras/model.weights.h5`` and the legacy ``keras/model.h5``; with
   ``saved_keras_version`` the files then say that Keras wrote them (for cases that compile the saved
   file, ``compile_from``), and with a 2.x version the whole case runs with Keras 2's definitions where
   Keras 3 changed them (``use_keras2_definitions``: hard_sigmoid from Keras 2's documented formula);
6. runs ``model(inputs, training=False)`` (compiled with XLA when ``reference_xla`` is set) on seeded inputs and writes ``reference.json`` plus raw
   little-endian ``.bin`` files for the inputs and outputs, all under ``<work>/<case>/``.

A string input (``"dtype": "string"``) draws its strings from the spec's ``choices``; the PyTorch side gets
the output of the spec's ``boundary_layer`` on them (the generated module starts after that layer), written
as the input's ``.bin``, with the strings beside it in ``input_<i>.strings.json``.

A failing case is recorded in its reference.json (``"ok": false``, ``"error"``, ``"traceback"``) and the
others go on. Exit code: 0 when every case passed, 1 when some case failed, 2 on a usage error.

This stage never reads keras2torch's output: it is the independent reference.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import shutil
import sys
import time
import traceback
import types
import zlib
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN reorders float sums; turning it off makes the reference reproducible across machines.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402

DEFAULT_SEED = 1234
INT_DEFAULT_RANGE = (0, 10)
SMALL_STD = 0.1


# --------------------------------------------------------------------------------------------------
# Case discovery


def discover_cases(golden: Path, names: list[str]) -> list[str]:
    if names:
        return names
    return sorted(
        p.name
        for p in golden.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "case.json").is_file()
    )


# --------------------------------------------------------------------------------------------------
# Module loading


_USED_SRC_DIRS: list[Path] = []


def _purge_case_modules() -> None:
    """Removes from sys.modules everything that a previous case's source loaded, so a case never sees
    another case's module of the same name."""
    roots = [str(d) + os.sep for d in _USED_SRC_DIRS]
    for name, mod in list(sys.modules.items()):
        if name.startswith("k2t_golden_case_"):
            del sys.modules[name]
            continue
        f = getattr(mod, "__file__", None)
        # Plain string checks: resolving thousands of TensorFlow module paths per case is slow.
        if f and any(os.path.abspath(f).startswith(r) for r in roots):
            del sys.modules[name]
    importlib.invalidate_caches()


def load_case_module(case_name: str, src: Path, rel_file: str) -> types.ModuleType:
    """Imports src/<rel_file> as a submodule of a synthetic package rooted at src/."""
    src = src.resolve()
    _purge_case_modules()
    _USED_SRC_DIRS.append(src)
    pkg_name = "k2t_golden_case_" + "".join(c if c.isalnum() else "_" for c in case_name)
    pkg = types.ModuleType(pkg_name)
    pkg.__path__ = [str(src)]  # type: ignore[attr-defined]
    pkg.__package__ = pkg_name
    pkg.__file__ = None
    sys.modules[pkg_name] = pkg
    rel = Path(rel_file)
    if rel.suffix != ".py":
        raise ValueError(f"module must be a .py file: {rel_file}")
    # Intermediate folders (src/a/b.py) become namespace subpackages automatically.
    dotted = ".".join((pkg_name, *rel.with_suffix("").parts))
    return importlib.import_module(dotted)


# --------------------------------------------------------------------------------------------------
# Weights


def _short_name(v) -> str:
    name = getattr(v, "name", None) or getattr(v, "path", "")
    return name.split("/")[-1].split(":")[0]


def random_value(v, rng: np.random.Generator) -> np.ndarray | None:
    """A seeded value for one Keras variable, chosen from its name and shape. None = leave as is."""
    shape = tuple(int(d) for d in v.shape)
    dtype = np.dtype(getattr(v.dtype, "name", None) or str(v.dtype))
    path = getattr(v, "path", "") or ""
    if "seed_generator" in path or not (np.issubdtype(dtype, np.floating)):
        return None  # RNG states, counters: not model weights
    name = _short_name(v)
    if "moving_variance" in name or name == "variance":
        a = rng.uniform(0.5, 1.5, size=shape)
    elif "moving_mean" in name or name == "mean":
        a = rng.normal(0.0, SMALL_STD, size=shape)
    elif name == "gamma" or name.endswith("_gamma"):
        a = 1.0 + rng.normal(0.0, SMALL_STD, size=shape)
    elif name == "beta" or name.endswith("_beta") or "bias" in name:
        a = rng.normal(0.0, SMALL_STD, size=shape)
    elif name == "alpha":  # PReLU
        a = rng.uniform(0.05, 0.5, size=shape)
    elif name == "embeddings":
        a = rng.normal(0.0, 0.5, size=shape)
    elif len(shape) == 0:
        a = 1.0 + rng.normal(0.0, SMALL_STD, size=shape)
    elif len(shape) == 1:
        a = rng.normal(0.0, SMALL_STD, size=shape)
    else:
        fan_in = max(1, math.prod(shape[:-1]))
        a = rng.normal(0.0, 1.0 / math.sqrt(fan_in), size=shape)
    return np.asarray(a, dtype=dtype)


def randomize_weights(model, rng: np.random.Generator) -> list[dict]:
    done = []
    for v in model.weights:
        val = random_value(v, rng)
        if val is None:
            done.append({"path": v.path, "shape": list(v.shape), "randomized": False})
            continue
        v.assign(val)
        done.append({"path": v.path, "shape": list(v.shape), "randomized": True})
    return done


# --------------------------------------------------------------------------------------------------
# Inputs and outputs


def make_inputs(specs: list[dict], rng: np.random.Generator) -> list[np.ndarray]:
    arrays = []
    for i, spec in enumerate(specs):
        shape = tuple(spec["shape"])
        if any(d is None for d in shape):
            raise ValueError(f"input {i}: shape must be concrete (batch included), got {spec['shape']}")
        if spec.get("dtype") == "string":
            # Strings for Keras, drawn from the case's `choices`; the PyTorch side gets what the model's
            # boundary layer makes of them (see run_case).
            choices = spec.get("choices")
            if not choices or not all(isinstance(c, str) for c in choices):
                raise ValueError(f"input {i}: a string input needs `choices`, a list of strings")
            if not spec.get("boundary_layer"):
                raise ValueError(f"input {i}: a string input needs `boundary_layer`, the layer whose output PyTorch gets")
            arrays.append(np.asarray(choices)[rng.integers(0, len(choices), size=shape)])
            continue
        dtype = np.dtype(spec.get("dtype", "float32"))
        if np.issubdtype(dtype, np.floating):
            a = rng.normal(0.0, 1.0, size=shape)
        elif dtype == np.bool_:
            a = rng.integers(0, 2, size=shape)
        elif np.issubdtype(dtype, np.integer):
            lo, hi = spec.get("range", INT_DEFAULT_RANGE)
            a = rng.integers(lo, hi, size=shape)  # lo inclusive, hi exclusive
        else:
            raise ValueError(f"input {i}: unsupported dtype {dtype}")
        arrays.append(np.ascontiguousarray(np.asarray(a, dtype=dtype)))
    return arrays


def model_input_arg(specs: list[dict], arrays: list[np.ndarray]):
    if specs and all("name" in s for s in specs) and len(specs) > 1:
        return {s["name"]: a for s, a in zip(specs, arrays)}
    if len(arrays) == 1:
        return arrays[0]
    return list(arrays)


def flatten_outputs(model, result) -> tuple[str, list[tuple[str, np.ndarray]]]:
    import keras

    names = list(getattr(model, "output_names", None) or [])
    if not names:
        try:  # Sequential has no output_names: name the outputs after the layers that make them
            names = [t._keras_history.operation.name for t in model.outputs]
        except Exception:  # noqa: BLE001 - subclassed models have no symbolic outputs
            names = []
    if isinstance(result, dict):
        return "dict", [(str(k), keras.ops.convert_to_numpy(t)) for k, t in result.items()]
    if isinstance(result, (list, tuple)):
        flat = keras.tree.flatten(result)
        out = []
        for i, t in enumerate(flat):
            nm = names[i] if len(names) == len(flat) else f"output_{i}"
            out.append((nm, keras.ops.convert_to_numpy(t)))
        return "list", out
    nm = names[0] if len(names) == 1 else "output_0"
    return "single", [(nm, keras.ops.convert_to_numpy(result))]


def write_bin(path: Path, a: np.ndarray) -> None:
    a = np.ascontiguousarray(a)
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and sys.byteorder == "big"):
        a = a.astype(a.dtype.newbyteorder("<"))
    path.write_bytes(a.tobytes(order="C"))


# --------------------------------------------------------------------------------------------------
# One case


def save_all_formats(model, kdir: Path) -> dict:
    files: dict[str, dict] = {}

    def attempt(key: str, rel: str, fn, **extra):
        try:
            fn()
            files[key] = {"file": rel, "error": None, **extra}
        except Exception as e:  # noqa: BLE001
            files[key] = {"file": rel, "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}

    attempt("keras", "keras/model.keras", lambda: model.save(kdir / "model.keras"))
    if files["keras"]["error"] is not None:
        # A subclassed model or custom layer whose __init__ took values Keras cannot serialize has no
        # config. The weights are what the golden test needs: let such classes report a minimal config and
        # have Keras' own writer save the file again.
        first_error = files["keras"]["error"]

        def save_with_minimal_configs():
            patched = []
            try:
                for obj in [model, *model._flatten_layers(include_self=False, recursive=True)]:
                    cls = type(obj)
                    if any(c is cls for c, _ in patched):
                        continue
                    try:
                        obj.get_config()
                    except NotImplementedError:
                        patched.append((cls, cls.__dict__.get("get_config")))
                        cls.get_config = lambda self: {"name": self.name, "trainable": self.trainable}
                (kdir / "model.keras").unlink(missing_ok=True)
                model.save(kdir / "model.keras")
            finally:
                for cls, original in patched:
                    if original is None:
                        del cls.get_config
                    else:
                        cls.get_config = original

        attempt("keras", "keras/model.keras", save_with_minimal_configs, kind="minimal_config",
                full_config_error=first_error)
    attempt("weights_h5", "keras/model.weights.h5", lambda: model.save_weights(kdir / "model.weights.h5"))

    def save_legacy():
        model.save(kdir / "model.h5")

    attempt("h5", "keras/model.h5", save_legacy, kind="full_model")
    if files["h5"]["error"] is not None:
        # Models that legacy HDF5 cannot describe still get Keras 2's weights-only layout.
        import h5py
        from keras.src.legacy.saving import legacy_h5_format

        first_error = files["h5"]["error"]

        def save_weights_only():
            (kdir / "model.h5").unlink(missing_ok=True)
            with h5py.File(kdir / "model.h5", "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, model)

        attempt("h5", "keras/model.h5", save_weights_only, kind="weights_only", full_model_error=first_error)
    return files


def use_keras2_definitions():
    """Keras 2's definitions where Keras 3 changed them, for cases with `saved_keras_version` 2.x: the
    reference is then what a Keras 2 file computes. Written from Keras 2's documented formula
    (keras/backend.py: hard_sigmoid is `clip(0.2 * x + 0.5, 0, 1)`). Returns the undo."""
    import tensorflow as tf
    from keras.src.backend.tensorflow import nn as tf_nn

    original = tf_nn.hard_sigmoid

    def keras2_hard_sigmoid(x):
        x = tf.convert_to_tensor(x)
        return tf.clip_by_value(0.2 * x + 0.5, 0.0, 1.0)

    tf_nn.hard_sigmoid = keras2_hard_sigmoid

    def undo():
        tf_nn.hard_sigmoid = original

    return undo


def stamp_keras_version(kdir: Path, version: str) -> None:
    """Make the saved files say that Keras `version` wrote them: the legacy .h5's `keras_version`
    attribute and the .keras zip's metadata.json (the rest of each file is left as Keras wrote it)."""
    import zipfile

    import h5py

    h5 = kdir / "model.h5"
    if h5.exists():
        with h5py.File(h5, "a") as f:
            f.attrs["keras_version"] = version
    zipped = kdir / "model.keras"
    if zipped.exists():
        with zipfile.ZipFile(zipped) as z:
            items = [(i, z.read(i.filename)) for i in z.infolist()]
        with zipfile.ZipFile(zipped, "w") as z:
            for info, data in items:
                if info.filename == "metadata.json":
                    meta = json.loads(data)
                    meta["keras_version"] = version
                    data = json.dumps(meta).encode()
                z.writestr(info, data)


def run_case(golden: Path, work: Path, case_name: str) -> dict:
    import keras

    case_dir = golden / case_name
    out_dir = work / case_name
    out_dir.mkdir(parents=True, exist_ok=True)
    kdir = out_dir / "keras"
    if kdir.exists():
        shutil.rmtree(kdir)
    for p in [*out_dir.glob("*.bin"), *out_dir.glob("*.strings.json")]:
        p.unlink()
    (out_dir / "reference.json").unlink(missing_ok=True)
    kdir.mkdir(parents=True)

    record: dict = {
        "case": case_name,
        "ok": False,
        "error": None,
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
    }
    t0 = time.perf_counter()
    undo_keras2 = None
    try:
        spec = json.loads((case_dir / "case.json").read_text(encoding="utf8"))
        # A saved file that says Keras 2 wrote it, or a source compiled with --keras-version 2
        # (`keras_version`), is checked against Keras 2's definitions.
        saved_version = spec.get("saved_keras_version") or spec.get("keras_version")
        if saved_version and not str(saved_version).startswith("3"):
            undo_keras2 = use_keras2_definitions()
        seed = int(spec.get("seed", DEFAULT_SEED))
        record["seed"] = seed
        src = case_dir / "src"
        rel_source = spec.get("keras3_source") or spec["module"]
        record["source"] = f"src/{rel_source}"
        record["entry"] = spec.get("entry", "model")

        phases = record["phase_seconds"] = {}
        tp = time.perf_counter()

        def phase(name):
            nonlocal tp
            now = time.perf_counter()
            phases[name] = round(now - tp, 3)
            tp = now

        keras.backend.clear_session()  # also runs the garbage collector
        phase("clear_session")
        keras.utils.set_random_seed(seed)

        sys.path.insert(0, str(src.resolve()))
        try:
            prelude = spec.get("reference_prelude")
            if prelude:
                exec(compile(prelude, f"<{case_name}/case.json reference_prelude>", "exec"),
                     {"__name__": "__k2t_prelude__", "keras": keras, "np": np})
            module = load_case_module(case_name, src, rel_source)
            model = eval(record["entry"], module.__dict__)  # noqa: S307 - our own test sources
        finally:
            try:
                sys.path.remove(str(src.resolve()))
            except ValueError:
                pass
        phase("build")
        if not isinstance(model, keras.Model):
            raise TypeError(f"entry {record['entry']!r} gave {type(model).__name__}, not a keras.Model")

        # Separate streams so adding an input does not change the weights, and vice versa.
        weight_rng = np.random.default_rng([seed, 1])
        input_rng = np.random.default_rng([seed, 2])
        input_specs = spec.get("inputs") or []
        inputs = make_inputs(input_specs, input_rng)
        x = model_input_arg(input_specs, inputs)
        if not model.built or not model.weights:
            model(x, training=False)  # subclassed models get their variables on the first call

        record["weights"] = randomize_weights(model, weight_rng)
        # Layers that derive tensors from their variables (Normalization's broadcast mean) recompute
        # them, as Keras does after loading weights.
        for layer in model._flatten_layers():
            finalize = getattr(layer, "finalize_state", None)
            if callable(finalize) and layer.built:
                finalize()
        phase("randomize")
        record["files"] = save_all_formats(model, kdir)
        if saved_version:
            stamp_keras_version(kdir, str(saved_version))
        phase("save")

        if spec.get("reference_xla"):
            # TF's CPU kernels lack some channels-first convolutions (strided NCHW Conv2D); XLA has them.
            import tensorflow as tf
            result = tf.function(lambda inputs: model(inputs, training=False), jit_compile=True)(x)
        else:
            result = model(x, training=False)
        phase("run")
        structure, outputs = flatten_outputs(model, result)

        record["inputs"] = []
        for i, (s, a) in enumerate(zip(input_specs, inputs)):
            fn = f"input_{i}.bin"
            strings = None
            if s.get("dtype") == "string":
                # The string boundary: the generated module takes the boundary layer's output, so that
                # output (computed by Keras) is the PyTorch side's input; the strings are kept beside it.
                strings = f"input_{i}.strings.json"
                (out_dir / strings).write_text(json.dumps(a.tolist()) + "\n", encoding="utf8")
                a = np.ascontiguousarray(keras.ops.convert_to_numpy(model.get_layer(s["boundary_layer"])(a)))
            write_bin(out_dir / fn, a)
            entry = {"shape": list(a.shape), "dtype": str(a.dtype), "file": fn}
            if strings:
                entry["strings_file"] = strings
                entry["boundary_layer"] = s["boundary_layer"]
            if "name" in s:
                entry["name"] = s["name"]
            record["inputs"].append(entry)
        record["outputs"] = []
        for i, (nm, a) in enumerate(outputs):
            fn = f"output_{i}.bin"
            if a.dtype == np.float64:
                a = a.astype(np.float32)
            write_bin(out_dir / fn, a)
            record["outputs"].append({"name": nm, "shape": list(a.shape), "dtype": str(a.dtype), "file": fn})
        record["output_structure"] = structure

        file_errors = [f"{k}: {v['error']}" for k, v in record["files"].items() if v.get("error")]
        if file_errors:
            record["error"] = "saving failed for " + "; ".join(file_errors)
        else:
            record["ok"] = True
    except BaseException as e:  # noqa: BLE001 - a case must never stop the others
        if isinstance(e, KeyboardInterrupt):
            raise
        record["ok"] = False
        record["error"] = f"{type(e).__name__}: {e}"
        record["traceback"] = traceback.format_exc()
    finally:
        if undo_keras2:
            undo_keras2()
    record["seconds"] = round(time.perf_counter() - t0, 3)
    (out_dir / "reference.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf8")
    return record


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--golden", default="golden", help="folder holding the case folders")
    ap.add_argument("--work", default="golden/.work", help="output folder (one subfolder per case)")
    ap.add_argument("cases", nargs="*", help="case names (default: every folder with a case.json)")
    args = ap.parse_args(argv)

    golden = Path(args.golden)
    work = Path(args.work)
    if not golden.is_dir():
        print(f"reference: golden folder not found: {golden}", file=sys.stderr)
        return 2
    cases = discover_cases(golden, args.cases)
    missing = [c for c in cases if not (golden / c / "case.json").is_file()]
    work.mkdir(parents=True, exist_ok=True)

    t_import = time.perf_counter()
    import keras  # noqa: F401 - imported once for all cases

    print(f"reference: keras {keras.__version__} ({keras.backend.backend()}) imported in "
          f"{time.perf_counter() - t_import:.1f} s; {len(cases)} case(s)", flush=True)
    failed = 0
    t_all = time.perf_counter()
    for name in cases:
        if name in missing:
            (work / name).mkdir(parents=True, exist_ok=True)
            rec = {"case": name, "ok": False, "error": f"no case.json in {golden / name}", "seconds": 0}
            (work / name / "reference.json").write_text(json.dumps(rec, indent=2) + "\n", encoding="utf8")
        else:
            rec = run_case(golden, work, name)
        status = "ok" if rec["ok"] else f"FAILED: {rec['error']}"
        print(f"reference: {name}: {status} ({rec['seconds']:.2f} s)", flush=True)
        if not rec["ok"]:
            failed += 1
            if rec.get("traceback"):
                print(rec["traceback"], file=sys.stderr, flush=True)
    print(f"reference: {len(cases) - failed}/{len(cases)} ok in {time.perf_counter() - t_all:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

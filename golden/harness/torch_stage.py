#!/usr/bin/env python3
"""Golden torch stage: loads the Keras reference weights into the generated PyTorch modules, in ONE process.

    python golden/harness/torch_stage.py --golden golden --work golden/.work [case ...]
    python golden/harness/torch_stage.py --golden golden --work golden/.work --cases-from-stdin

Inputs per case (``W = <work>/<case>``):
- ``<golden>/<case>/case.json`` (``module``, ``tolerance``);
- ``W/reference.json`` + ``W/*.bin`` + ``W/keras/model.{keras,weights.h5,h5}`` from reference.py;
- ``W/out/`` written by ``keras2torch convert <golden>/<case>/src -o W/out``: ``keras2torch.json``, the
  generated module and its weights script.

For each Keras file the generated weights script runs in-process (``runpy.run_path`` as ``__main__``, with
``sys.argv = [script, KERAS_FILE, W/torch/<format>.safetensors, (--model CLASS)]``), the generated module
is imported from its path, ``Class()`` is built, ``.eval()``-ed, loaded with ``strict=True`` and run on the
reference inputs permuted by the manifest's ``permute``; every output is compared with the Keras output
transposed by its ``permute``. The module loaded from the ``.keras`` weights is then exported with
``torch.onnx.export`` to ``W/torch/model.onnx``. A format's ``.safetensors`` is deleted once it has passed
(a failing one is kept for inspection).

Writes ``W/torch/result.json``. A case is never skipped: every failure is recorded there.
Exit code: 0 when every case is ok, 1 when some case failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import math
import os
import re
import runpy
import shutil
import sys
import time
import traceback
from pathlib import Path

import numpy as np

# The three Keras files reference.py writes: result key -> file under W/keras/.
FORMATS = {
    "keras": "model.keras",
    "weights_h5": "model.weights.h5",
    "h5": "model.h5",
}
DEFAULT_TOLERANCE = 1e-4
LOG_LIMIT = 20000  # characters of captured stdout/stderr kept per step


class CaseError(Exception):
    """A failure that ends a case (or a format) with a plain message."""


def _tail(text: str) -> str:
    return text if len(text) <= LOG_LIMIT else "…" + text[-LOG_LIMIT:]


def _err(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


# --------------------------------------------------------------------------------------------------
# Reading the pieces


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf8"))
    except FileNotFoundError:
        raise CaseError(f"missing {path}") from None
    except json.JSONDecodeError as e:
        raise CaseError(f"{path} is not valid JSON: {e}") from None


def read_bin(path: Path, shape, dtype: str) -> np.ndarray:
    dt = np.dtype(dtype).newbyteorder("<")
    a = np.fromfile(path, dtype=dt)
    expected = math.prod(shape)
    if a.size != expected:
        raise CaseError(f"{path}: {a.size} elements, expected {expected} for shape {shape}")
    return a.reshape(shape).astype(np.dtype(dtype))


def find_primary(manifest: dict, module: str) -> tuple[dict, dict]:
    norm = module.replace("\\", "/").lstrip("./")
    # A case compiled from a saved file (compile_from) has input model.keras / model.h5 and module model.py.
    entries = [f for f in manifest.get("files", []) if str(f.get("input", "")).lstrip("./") == norm or f.get("module") == norm]
    if len(entries) != 1:
        raise CaseError(
            f"manifest has {len(entries)} file entries with input {module!r} "
            f"(inputs: {[f.get('input') for f in manifest.get('files', [])]})"
        )
    entry = entries[0]
    models = entry.get("models") or []
    primaries = [m for m in models if m.get("primary")]
    if len(primaries) != 1:
        raise CaseError(f"file entry {module!r} has {len(primaries)} primary models (expected exactly 1)")
    for key in ("module", "weights_script"):
        if not entry.get(key):
            raise CaseError(f"file entry {module!r} has no {key!r}")
    return entry, primaries[0]


def check_permute(perm, ndim: int, what: str) -> list[int]:
    if not isinstance(perm, list) or sorted(perm) != list(range(ndim)):
        raise CaseError(f"{what}: permute {perm!r} is not a permutation of {ndim} axes")
    return perm


# --------------------------------------------------------------------------------------------------
# Running generated code


@contextlib.contextmanager
def _sys_path_first(directory: Path):
    d = str(directory)
    sys.path.insert(0, d)
    try:
        yield
    finally:
        try:
            sys.path.remove(d)
        except ValueError:
            pass


def purge_modules_under(directory: Path) -> None:
    root = str(directory.resolve()) + os.sep
    for name, mod in list(sys.modules.items()):
        f = getattr(mod, "__file__", None)
        if f and os.path.abspath(f).startswith(root):  # no resolve(): cheap for thousands of modules
            del sys.modules[name]
    importlib.invalidate_caches()


def run_weights_script(script: Path, argv: list[str]) -> dict:
    """Runs a weights script as `python script argv...` would, in this process."""
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    exc = None
    old_argv = sys.argv[:]
    t0 = time.perf_counter()
    try:
        sys.argv = [str(script), *argv]
        with _sys_path_first(script.parent), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                runpy.run_path(str(script), run_name="__main__")
            except SystemExit as e:
                code = e.code
    except BaseException as e:  # noqa: BLE001
        if isinstance(e, KeyboardInterrupt):
            raise
        exc = traceback.format_exc()
        code = 1
    finally:
        sys.argv = old_argv
    if code is None:
        code = 0
    if not isinstance(code, int):  # sys.exit("message") prints the message and exits 1
        err.write(f"{code}\n")
        code = 1
    return {
        "argv": [script.name, *argv],
        "exit_code": code,
        "stdout": _tail(out.getvalue()),
        "stderr": _tail(err.getvalue() + (exc or "")),
        "seconds": round(time.perf_counter() - t0, 3),
    }


_import_counter = 0


def import_generated(path: Path, case: str):
    global _import_counter
    _import_counter += 1
    name = f"k2t_generated_{re.sub(r'[^0-9A-Za-z_]', '_', case)}_{_import_counter}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CaseError(f"cannot import {path}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    with _sys_path_first(path.parent):
        spec.loader.exec_module(mod)
    return mod


# --------------------------------------------------------------------------------------------------
# Outputs


def flatten_torch_result(result, structure: str):
    """Returns [(key, tensor)] with key = dict key, or position for tensors/tuples."""
    import torch

    if structure == "dict":
        if not isinstance(result, dict):
            raise CaseError(f"Keras returns a dict; forward returned {type(result).__name__}")
        return [(str(k), v) for k, v in result.items()]
    if structure == "list":
        if not isinstance(result, (tuple, list)):
            raise CaseError(f"Keras returns several outputs; forward returned {type(result).__name__}")
        flat = []

        def walk(x):
            if isinstance(x, (tuple, list)):
                for y in x:
                    walk(y)
            else:
                flat.append(x)

        walk(result)
        return [(i, t) for i, t in enumerate(flat)]
    if not isinstance(result, torch.Tensor):
        raise CaseError(f"Keras returns one tensor; forward returned {type(result).__name__}")
    return [(0, result)]


def pair_outputs(ref: dict, manifest_outputs: list[dict], flat) -> list[dict]:
    """Matches each torch output with its Keras output and manifest entry.
    Returns [{ref_index, manifest_index, key, tensor}] in torch's flatten order."""
    ref_outs = ref["outputs"]
    if len(flat) != len(ref_outs):
        raise CaseError(f"forward returned {len(flat)} outputs, Keras {len(ref_outs)}")
    if len(manifest_outputs) != len(ref_outs):
        raise CaseError(f"manifest lists {len(manifest_outputs)} outputs, Keras returns {len(ref_outs)}")
    pairs = []
    for pos, (key, t) in enumerate(flat):
        if ref["output_structure"] == "dict":
            idx = [i for i, o in enumerate(ref_outs) if o["name"] == key]
            if not idx:
                raise CaseError(f"forward returned dict key {key!r}; Keras keys are {[o['name'] for o in ref_outs]}")
            ri = idx[0]
            mi_by_name = [i for i, o in enumerate(manifest_outputs) if o.get("name") == key]
            mi = mi_by_name[0] if mi_by_name else ri
        else:
            ri = mi = pos
        pairs.append({"ref_index": ri, "manifest_index": mi, "key": key, "tensor": t})
    if sorted(p["ref_index"] for p in pairs) != list(range(len(ref_outs))):
        raise CaseError("forward's outputs do not cover every Keras output once")
    return pairs


def compare(torch_out: np.ndarray, keras_out: np.ndarray, permute: list[int]) -> dict:
    expected = np.transpose(keras_out, permute)
    rec: dict = {
        "keras_shape": list(keras_out.shape),
        "expected_shape": list(expected.shape),
        "torch_shape": list(torch_out.shape),
        "max_abs": None,
        "scaled": None,
        "error": None,
    }
    if tuple(torch_out.shape) != tuple(expected.shape):
        rec["error"] = f"shape {list(torch_out.shape)}, expected {list(expected.shape)} (Keras {list(keras_out.shape)} permuted by {permute})"
        return rec
    a = torch_out.astype(np.float64)
    b = expected.astype(np.float64)
    if not np.all(np.isfinite(a)) and not np.array_equal(np.isfinite(a), np.isfinite(b)):
        rec["error"] = "non-finite values where Keras has finite ones"
        return rec
    finite = np.isfinite(b)
    if a.size == 0:
        rec["max_abs"], rec["scaled"] = 0.0, 0.0
        return rec
    diff = np.abs(a[finite] - b[finite])
    max_abs = float(diff.max()) if diff.size else 0.0
    scale = max(1.0, float(np.abs(b[finite]).max()) if finite.any() else 1.0)
    rec["max_abs"] = max_abs
    rec["scaled"] = max_abs / scale
    return rec


# --------------------------------------------------------------------------------------------------
# ONNX


def _onnx_io_names(path: Path) -> tuple[list[str], list[str], bool]:
    import onnx

    m = onnx.load(str(path), load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in inits]
    dynamic = bool(inputs) and all(
        len(i.type.tensor_type.shape.dim) > 0 and i.type.tensor_type.shape.dim[0].dim_param != ""
        for i in inputs
    )
    return [i.name for i in inputs], [o.name for o in m.graph.output], dynamic


def export_onnx(module, args: tuple, input_names: list[str], output_names: list[str], path: Path) -> dict:
    import torch

    attempts = []
    plans = [
        ("dynamo", True),
        ("dynamo", False),
        ("torchscript", True),
        ("torchscript", False),
    ]
    done_exporters = set()
    for exporter, dynamic in plans:
        if exporter in done_exporters:
            continue
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        log = io.StringIO()
        t0 = time.perf_counter()
        try:
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log), torch.no_grad():
                if exporter == "dynamo":
                    kw = {}
                    if dynamic:
                        kw["dynamic_shapes"] = tuple({0: torch.export.Dim.AUTO} for _ in args)
                    torch.onnx.export(
                        module, args, str(path), dynamo=True, input_names=input_names,
                        output_names=output_names, external_data=False, **kw,
                    )
                else:
                    kw = {}
                    if dynamic:
                        kw["dynamic_axes"] = {n: {0: "batch"} for n in [*input_names, *output_names]}
                    torch.onnx.export(
                        module, args, str(path), dynamo=False, input_names=input_names,
                        output_names=output_names, **kw,
                    )
            if not path.is_file():
                raise RuntimeError(f"export returned but wrote no {path.name}")
            # An exported file only counts if ONNX Runtime can load it: the new exporter's optimizer
            # can fold a ZeroPad2d into MaxPool pads that ONNX Runtime rejects (pads >= kernel).
            import onnxruntime

            # Graph optimizations off: ORT's PadFusion bug (see test/golden-util.ts) is not an export failure.
            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
            onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            names_in, names_out, is_dynamic = _onnx_io_names(path)
            attempts.append({"exporter": exporter, "dynamic_batch": dynamic, "error": None,
                             "seconds": round(time.perf_counter() - t0, 3)})
            return {
                "file": path.name,
                "exporter": exporter,
                "dynamic_batch": is_dynamic,
                "error": None,
                "input_names": names_in,
                "output_names": names_out,
                "attempts": attempts,
            }
        except Exception as e:  # noqa: BLE001
            attempts.append({
                "exporter": exporter, "dynamic_batch": dynamic, "error": _err(e),
                "traceback": _tail(traceback.format_exc()), "log": _tail(log.getvalue()),
                "seconds": round(time.perf_counter() - t0, 3),
            })
            if not dynamic:
                done_exporters.add(exporter)
    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    return {
        "file": None,
        "exporter": None,
        "dynamic_batch": False,
        "error": "; ".join(f"{a['exporter']}{' (dynamic batch)' if a['dynamic_batch'] else ''}: {a['error']}" for a in attempts),
        "input_names": [],
        "output_names": [],
        "attempts": attempts,
    }


def ort_check(path: Path, feeds: dict, expected: list[tuple[str, np.ndarray]]) -> dict:
    """onnxruntime (Python) on the exported file: a diagnostic beside the onnxruntime-node check."""
    try:
        import onnxruntime as ort

        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        names = [i.name for i in sess.get_inputs()]
        outs = sess.run(None, {n: feeds[n] for n in names})
        out_names = [o.name for o in sess.get_outputs()]
        res = []
        for name, exp in expected:
            got = outs[out_names.index(name)]
            res.append({"name": name, **{k: v for k, v in compare(np.asarray(got), exp, list(range(exp.ndim))).items()
                                          if k in ("max_abs", "scaled", "error")}})
        return {"error": None, "outputs": res}
    except Exception as e:  # noqa: BLE001
        return {"error": _err(e), "outputs": []}


# --------------------------------------------------------------------------------------------------
# One case


def _json_safe(x):
    """NaN and infinities are not JSON: they become strings."""
    if isinstance(x, dict):
        return {str(k): _json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_json_safe(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else str(float(x))
    if isinstance(x, np.integer):
        return int(x)
    if x is None or isinstance(x, (str, int, bool)):
        return x
    return str(x)


def _onnx_name(raw, fallback: str, used: set[str]) -> str:
    name = re.sub(r"[^0-9A-Za-z_]", "_", str(raw)) if raw not in (None, "") else fallback
    if not name or name[0].isdigit():
        name = f"{fallback}_{name}"
    base, i = name, 1
    while name in used:
        i += 1
        name = f"{base}_{i}"
    used.add(name)
    return name


def run_case(golden: Path, work: Path, case: str) -> dict:
    import safetensors.torch
    import torch

    wdir = work / case
    tdir = wdir / "torch"
    out_dir = wdir / "out"
    result: dict = {
        "case": case,
        "ok": False,
        "error": None,
        "tolerance": DEFAULT_TOLERANCE,
        "class": None,
        "formats": {k: {"ok": False, "outputs": [], "error": "not run"} for k in FORMATS},
        "onnx": {"file": None, "exporter": None, "dynamic_batch": False, "error": "not run", "input_names": [],
                 "output_names": [], "inputs": [], "outputs": [], "attempts": []},
    }
    t0 = time.perf_counter()
    if tdir.exists():
        shutil.rmtree(tdir)
    tdir.mkdir(parents=True)
    loaded = {}
    try:
        spec = read_json(golden / case / "case.json")
        tol = spec.get("tolerance", DEFAULT_TOLERANCE)
        result["tolerance"] = tol
        ref = read_json(wdir / "reference.json")
        if not ref.get("ok"):
            raise CaseError(f"the Keras reference failed: {ref.get('error')}")
        manifest = read_json(out_dir / "keras2torch.json")
        entry, model = find_primary(manifest, spec["module"])
        cls_name = model.get("class")
        result["class"] = cls_name
        n_models = len(entry.get("models") or [])
        module_path = out_dir / entry["module"]
        script_path = out_dir / entry["weights_script"]
        for p in (module_path, script_path):
            if not p.is_file():
                raise CaseError(f"the manifest names {p.relative_to(wdir)}, which does not exist")

        # Inputs, permuted into the module's layout.
        m_inputs = model.get("inputs") or []
        if len(m_inputs) != len(ref["inputs"]):
            raise CaseError(f"manifest lists {len(m_inputs)} inputs, the case has {len(ref['inputs'])}")
        keras_inputs = [read_bin(wdir / i["file"], i["shape"], i["dtype"]) for i in ref["inputs"]]
        torch_np_inputs = [
            np.ascontiguousarray(np.transpose(a, check_permute(mi.get("permute"), a.ndim, f"input {k}")))
            for k, (a, mi) in enumerate(zip(keras_inputs, m_inputs))
        ]
        keras_outputs = [read_bin(wdir / o["file"], o["shape"], o.get("dtype", "float32")) for o in ref["outputs"]]
        m_outputs = model.get("outputs") or []

        purge_modules_under(out_dir)
        mod = import_generated(module_path, case)
        cls = getattr(mod, cls_name, None)
        if cls is None:
            raise CaseError(f"{entry['module']} defines no class {cls_name!r}")

        for fmt, fname in FORMATS.items():
            frec: dict = {"ok": False, "outputs": [], "error": None}
            result["formats"][fmt] = frec
            tf0 = time.perf_counter()
            try:
                kfile = wdir / "keras" / fname
                if not kfile.is_file():
                    raise CaseError(f"the reference wrote no {kfile.name}")
                st = tdir / f"{fmt}.safetensors"
                argv = [str(kfile), str(st)]
                if n_models > 1:
                    argv += ["--model", cls_name]
                run = run_weights_script(script_path, argv)
                frec["weights_script"] = run
                if run["exit_code"] != 0:
                    raise CaseError(f"weights script exited {run['exit_code']}: {run['stderr'].strip()[-2000:]}")
                if not st.is_file():
                    raise CaseError(f"weights script exited 0 but wrote no {st.name}")
                purge_modules_under(out_dir)  # whatever the script imported from beside itself
                torch.manual_seed(0)
                net = cls(**spec.get("constructor", {}))  # sizes the class takes as parameters
                net.eval()
                state = safetensors.torch.load_file(str(st))
                # strict=True forgives a missing BatchNorm num_batches_tracked; the contract does not.
                want = set(net.state_dict().keys())
                missing, unexpected = sorted(want - set(state)), sorted(set(state) - want)
                if missing or unexpected:
                    raise CaseError(f"state_dict keys differ: missing {missing}, unexpected {unexpected}")
                net.load_state_dict(state, strict=True)
                args = tuple(torch.from_numpy(a.copy()) for a in torch_np_inputs)
                with torch.no_grad():
                    res = net(*args)
                flat = flatten_torch_result(res, ref["output_structure"])
                pairs = pair_outputs(ref, m_outputs, flat)
                errors = []
                for p in pairs:
                    mo = m_outputs[p["manifest_index"]]
                    ko = keras_outputs[p["ref_index"]]
                    perm = check_permute(mo.get("permute"), ko.ndim, f"output {p['key']!r}")
                    t = p["tensor"]
                    if not isinstance(t, torch.Tensor):
                        raise CaseError(f"output {p['key']!r} is a {type(t).__name__}, not a tensor")
                    c = compare(t.detach().cpu().float().numpy(), ko, perm)
                    c.update(name=ref["outputs"][p["ref_index"]]["name"], keras_index=p["ref_index"],
                             permute=perm, within_tolerance=c["scaled"] is not None and c["scaled"] <= tol)
                    frec["outputs"].append(c)
                    if c["error"]:
                        errors.append(f"{c['name']}: {c['error']}")
                frec["outputs"].sort(key=lambda o: o["keras_index"])
                if errors:
                    raise CaseError("; ".join(errors))
                frec["ok"] = True
                loaded[fmt] = (net, args, pairs)
                # The module holds the weights now. A passing format's file has no other reader, and the
                # applications' files alone would take 5 GB of the CI machine's disk; a failing one stays.
                st.unlink()
            except Exception as e:  # noqa: BLE001
                frec["error"] = str(e) if isinstance(e, CaseError) else _err(e)
                if not isinstance(e, CaseError):
                    frec["traceback"] = _tail(traceback.format_exc())
            frec["seconds"] = round(time.perf_counter() - tf0, 3)

        # ONNX, from the module loaded with the .keras weights.
        src_fmt = "keras" if "keras" in loaded else next(iter(loaded), None)
        if src_fmt is None:
            result["onnx"] = {"file": None, "exporter": None, "dynamic_batch": False,
                              "error": "no format loaded, nothing to export", "input_names": [],
                              "output_names": [], "inputs": [], "outputs": [], "attempts": []}
        else:
            net, args, pairs = loaded[src_fmt]
            used: set[str] = set()
            in_names = [_onnx_name(mi.get("name"), f"input_{k}", used) for k, mi in enumerate(m_inputs)]
            out_names = [_onnx_name(ref["outputs"][p["ref_index"]]["name"], f"output_{p['ref_index']}", used)
                         for p in pairs]
            onnx_rec = export_onnx(net, args, in_names, out_names, tdir / "model.onnx")
            onnx_rec["weights_from"] = src_fmt
            # Where each ONNX input/output goes: ONNX may drop an input the graph does not use.
            onnx_rec["inputs"] = [
                {"name": n, "input_index": in_names.index(n)} for n in onnx_rec["input_names"] if n in in_names
            ]
            onnx_rec["outputs"] = []
            for n in onnx_rec["output_names"]:
                if n in out_names:
                    p = pairs[out_names.index(n)]
                    onnx_rec["outputs"].append({
                        "name": n, "keras_index": p["ref_index"], "manifest_index": p["manifest_index"],
                        "permute": m_outputs[p["manifest_index"]]["permute"],
                    })
            if onnx_rec["error"] is None:
                if len(onnx_rec["outputs"]) != len(pairs):
                    onnx_rec["error"] = (f"ONNX outputs {onnx_rec['output_names']} do not match the expected "
                                         f"names {out_names}")
                else:
                    feeds = {n: torch_np_inputs[in_names.index(n)] for n in onnx_rec["input_names"]
                             if n in in_names}
                    expected = [(o["name"], np.ascontiguousarray(np.transpose(keras_outputs[o["keras_index"]], o["permute"])))
                                for o in onnx_rec["outputs"]]
                    onnx_rec["onnxruntime_python"] = ort_check(tdir / "model.onnx", feeds, expected)
            result["onnx"] = onnx_rec

        problems = [f"{k}: {v['error']}" for k, v in result["formats"].items() if not v["ok"]]
        problems += [f"{k}: scaled error {o['scaled']:.3g} > {tol}" for k, v in result["formats"].items()
                     for o in v["outputs"] if v["ok"] and not o["within_tolerance"]]
        if result["onnx"]["error"]:
            problems.append(f"onnx: {result['onnx']['error']}")
        if problems:
            result["error"] = "; ".join(problems)
        else:
            result["ok"] = True
    except Exception as e:  # noqa: BLE001
        result["error"] = str(e) if isinstance(e, CaseError) else _err(e)
        if not isinstance(e, CaseError):
            result["traceback"] = _tail(traceback.format_exc())
    finally:
        if out_dir.exists():
            purge_modules_under(out_dir)
    result["seconds"] = round(time.perf_counter() - t0, 3)
    (tdir / "result.json").write_text(json.dumps(_json_safe(result), indent=2, allow_nan=False) + "\n",
                                      encoding="utf8")
    return result


# --------------------------------------------------------------------------------------------------


def discover_cases(golden: Path, names: list[str]) -> list[str]:
    if names:
        return names
    return sorted(
        p.name
        for p in golden.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "case.json").is_file()
    )


def streamed_cases():
    """Case names from stdin, one per line, each yielded as soon as it arrives."""
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--golden", default="golden")
    ap.add_argument("--work", default="golden/.work")
    ap.add_argument("cases", nargs="*")
    ap.add_argument(
        "--cases-from-stdin", action="store_true",
        help="read case names from stdin, one per line, and run each as it arrives, until end of input "
             "(the golden test sends a case once its Keras reference and its CLI run are done)",
    )
    args = ap.parse_args(argv)
    golden, work = Path(args.golden).resolve(), Path(args.work).resolve()
    if not golden.is_dir():
        print(f"torch_stage: golden folder not found: {golden}", file=sys.stderr)
        return 2
    t_import = time.perf_counter()
    import logging

    import torch

    # The exporters log warnings (torchvision missing, symbolic shapes) straight to stderr; results and
    # errors are in result.json.
    for name in ("torch.onnx", "torch.export", "torch.fx", "torch._dynamo", "torch._export", "onnxscript"):
        logging.getLogger(name).setLevel(logging.ERROR)
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    print(f"torch_stage: torch {torch.__version__} imported in {time.perf_counter() - t_import:.1f} s", flush=True)
    cases = streamed_cases() if args.cases_from_stdin else discover_cases(golden, args.cases)
    failed = ran = 0
    t_all = time.perf_counter()
    for case in cases:
        (work / case).mkdir(parents=True, exist_ok=True)
        rec = run_case(golden, work, case)
        print(f"torch_stage: {case}: {'ok' if rec['ok'] else 'FAILED: ' + str(rec['error'])[:2000]} "
              f"({rec['seconds']:.2f} s)", flush=True)
        ran += 1
        failed += 0 if rec["ok"] else 1
    print(f"torch_stage: {ran - failed}/{ran} ok in {time.perf_counter() - t_all:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

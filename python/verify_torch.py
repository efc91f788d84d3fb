"""`keras2torch verify`, the PyTorch side: python verify_torch.py JOB.json

Loads the generated module, moves the trained weights into it with the generated weights script (no
Keras, no TensorFlow), runs it on the inputs the Keras process saved (keras.npz), and writes
report.json: every output compared, every tapped layer compared (layout undone), gradients with
`grad`, timings (eager and torch.compile) and whether the module compiles with fullgraph=True and
exports with torch.export.export.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_common as common  # noqa: E402


def load_by_path(name, path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def inverse(perm):
    out = [0] * len(perm)
    for i, p in enumerate(perm):
        out[p] = i
    return out


def to_keras_layout(array, spec, np):
    """The PyTorch value in Keras' axis order: the layout undone."""
    if spec.get("flat"):
        inner, order = spec["flat"]["inner"], spec["flat"]["inner_permute"]
        n = array.shape[0]
        torch_inner = array.reshape([n] + [inner[p] for p in order])
        return torch_inner.transpose([0] + [1 + q for q in inverse(order)]).reshape(n, -1)
    perm = spec.get("permute")
    if perm and len(perm) == array.ndim:
        return np.transpose(array, inverse(perm))
    return array


def compare(ref, got, atol, rtol, np):
    """Max |Δ| against atol + rtol·max|ref| (scale-relative, as the golden suite checks)."""
    entry = {"keras_shape": list(ref.shape), "torch_shape": list(got.shape)}
    if ref.shape != got.shape:
        entry.update({"ok": False, "max_abs": None, "max_rel": None, "problem": "shapes differ"})
        return entry
    ref64, got64 = ref.astype(np.float64), got.astype(np.float64)
    scale = float(np.max(np.abs(ref64))) if ref.size else 0.0
    diff = np.abs(ref64 - got64)
    max_abs = float(np.nanmax(diff)) if diff.size else 0.0
    if diff.size and np.isnan(diff).any():
        max_abs = float("nan")
    entry.update({"max_abs": max_abs, "max_rel": max_abs / scale if scale > 0 else max_abs, "scale": scale})
    entry["ok"] = bool(max_abs <= atol + rtol * scale)
    return entry


def statement_lines(module_path, class_name):
    """(first, last) line of each statement of `class_name.forward`, as written in the generated file."""
    import ast

    with open(module_path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "forward":
                    return [(s.lineno, s.end_lineno) for s in item.body]
    return []


def traced_forward(net, xs, lines):
    """Runs forward once, keeping each statement's locals right after it ran (line tracing).

    Forward hooks would see `self.conv(x)` before a fused activation (`F.relu(self.conv(x))`); Keras'
    layer output includes it, so the statement's result is the value to compare.
    """
    code = type(net).forward.__code__
    events = []

    def local(frame, event, arg):
        if event == "line":
            events.append((frame.f_lineno, dict(frame.f_locals)))
        elif event == "return":
            events.append((None, dict(frame.f_locals)))
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code is code else None

    sys.settrace(tracer)
    try:
        net(*xs)
    finally:
        sys.settrace(None)
    after = []
    for first, last in lines:
        inside = [i for i, (line, _) in enumerate(events) if line is not None and first <= line <= last]
        if not inside:
            after.append(None)
            continue
        nxt = next((e for e in events[inside[0]:] if e[0] is None or not first <= e[0] <= last), None)
        after.append(nxt[1] if nxt else None)
    return after


def init_lines(module_path):
    """(class, attribute) -> (generated line, source file, source line) of each `self.X = ...` in an
    `__init__`, the source location read off the statement's `# file.py:LINE` comment."""
    import ast
    import re

    with open(module_path, encoding="utf-8") as f:
        text = f.read()
    rows = text.split("\n")
    found = {}
    for node in ast.parse(text).body:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if not (isinstance(item, ast.FunctionDef) and item.name == "__init__"):
                continue
            for stmt in item.body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Attribute):
                    m = re.search(r"#\s*(\S+\.py):(\d+)\s*$", rows[stmt.end_lineno - 1])
                    found[(node.name, stmt.targets[0].attr)] = (stmt.lineno, m.group(1) if m else None, int(m.group(2)) if m else None)
    return found


def keras_layouts(got, shape, np):
    """The PyTorch value as Keras could hold it: as is, or channels-first moved back to channels-last."""
    out = [got] if list(got.shape) == list(shape) else []
    if got.ndim >= 3:
        moved = np.transpose(got, [0] + list(range(2, got.ndim)) + [1])
        if list(moved.shape) == list(shape):
            out.append(moved)
    return out


def sublayer_report(net, xs, data, table, module_path, atol, rtol, torch, np):
    """Subclassed models: forward hooks on the submodules Keras' layers were paired with (through the
    weight mapping), in the order they run."""
    captured, order, handles = {}, [], []
    for item in table:
        try:
            sub = net.get_submodule(item["module"])
        except AttributeError:
            continue

        def hook(mod, inputs, output, _key=item["module"]):
            value = output[0] if isinstance(output, (tuple, list)) else output
            if _key not in captured and isinstance(value, torch.Tensor):
                captured[_key] = value.detach().cpu().numpy()
                order.append(_key)

        handles.append(sub.register_forward_hook(hook))
    try:
        with torch.no_grad():
            net(*xs)
    finally:
        for h in handles:
            h.remove()
    lines = init_lines(module_path)
    by_module = {item["module"]: item for item in table}
    entries = []
    for key in order:
        item = by_module[key]
        refs = [data[f"sub_{item['index']}"]]
        if f"subpre_{item['index']}" in data.files:
            refs.append(data[f"subpre_{item['index']}"])
        best = None
        for ref in refs:
            for candidate in keras_layouts(captured[key], ref.shape, np):
                e = compare(ref, candidate, atol, rtol, np)
                if best is None or (e["max_abs"] is not None and (best["max_abs"] is None or e["max_abs"] < best["max_abs"])):
                    best = e
        if best is None:
            best = compare(refs[0], captured[key], atol, rtol, np)
        owner_path, _, attr = key.rpartition(".")
        owner = net.get_submodule(owner_path) if owner_path else net
        generated, file, line = lines.get((type(owner).__name__, attr), (None, None, None))
        entries.append({"name": item["name"], "class": item["class"], "call": 0, "output": 0, "module": key, "file": file, "line": line, "module_line": generated, **best})
    return entries


def outputs_list(value, job):
    if isinstance(value, dict):
        return [value[spec["name"]] for spec in job["outputs"]]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def torch_inputs(arrays, job, torch, np):
    xs = []
    for array, spec in zip(arrays, job["inputs"]):
        perm = spec.get("permute")
        moved = np.transpose(array, perm) if perm and len(perm) == array.ndim else array
        xs.append(torch.from_numpy(np.ascontiguousarray(moved)))
    return xs



def readiness(net, xs, torch):
    result = {}
    try:
        import torch._dynamo

        torch._dynamo.reset()
        compiled = torch.compile(net, fullgraph=True, backend="eager")
        with torch.no_grad():
            compiled(*xs)
        result["compile_fullgraph"] = {"ok": True}
    except Exception as error:  # noqa: BLE001 (the verdict is the report)
        result["compile_fullgraph"] = {"ok": False, "error": common.short_error(error)}
        # Dynamo refuses nn.LSTM / nn.GRU / nn.RNN unless allow_rnn is set: say whether that is all.
        if "RNN, GRU, or LSTM" in str(error) and hasattr(torch._dynamo.config, "allow_rnn"):
            try:
                torch._dynamo.reset()
                with torch._dynamo.config.patch(allow_rnn=True), torch.no_grad():
                    torch.compile(net, fullgraph=True, backend="eager")(*xs)
                result["compile_fullgraph"]["hint"] = "it compiles with torch._dynamo.config.allow_rnn = True"
            except Exception as retry:  # noqa: BLE001
                result["compile_fullgraph"]["hint"] = f"with torch._dynamo.config.allow_rnn = True: {common.short_error(retry)}"
    try:
        torch.export.export(net, tuple(xs))
        result["export"] = {"ok": True}
    except Exception as error:  # noqa: BLE001
        result["export"] = {"ok": False, "error": common.short_error(error)}
    return result


def main(job_path):
    import json

    with open(job_path) as f:
        job = json.load(f)
    result_path = os.path.join(job["workdir"], "report.json")
    missing = [common.missing_entry(m, "the PyTorch side") for m in common.missing_modules(["numpy", "torch", "h5py"])]
    if missing:
        common.fail_missing(result_path, missing)
    import numpy as np
    import torch

    atol, rtol = job["atol"], job["rtol"]
    report = {"torch_version": torch.__version__, "notes": []}
    module = load_by_path("keras2torch_verify_module", job["module"])
    weights = load_by_path("keras2torch_verify_weights", job["weights_script"])
    state_dict, _ = weights.convert(job["weights"], job["class"])
    net = getattr(module, job["class"])()
    net.load_state_dict(state_dict, strict=True)
    net.eval()

    data = np.load(os.path.join(job["workdir"], "keras.npz"))
    arrays = [data[f"input_{i}"] for i in range(len(job["inputs"]))]
    xs = torch_inputs(arrays, job, torch, np)
    report["compare_inputs"] = [list(a.shape) for a in arrays]

    # Outputs, and the layer taps from the same run.
    lines = statement_lines(job["module"], job["class"])
    with torch.no_grad():
        outs = outputs_list(net(*xs), job)
        snapshots = traced_forward(net, xs, lines) if job["layers"] else []
    report["outputs"] = []
    for i, (spec, out) in enumerate(zip(job["outputs"], outs)):
        got = to_keras_layout(out.detach().cpu().numpy(), spec, np)
        entry = compare(data[f"output_{i}"], got, atol, rtol, np)
        entry["name"] = spec["name"]
        report["outputs"].append(entry)

    report["layers"] = []
    if any(k.startswith("layer_") for k in data.files):
        for index, tap in enumerate(job["layers"]):
            first = lines[tap["statement"]][0] if tap["statement"] < len(lines) else None
            snap = snapshots[tap["statement"]] if tap["statement"] < len(snapshots) else None
            for j, out in enumerate(tap["outputs"]):
                key = f"layer_{index}_{j}"
                if key not in data.files or out["variable"] == "_":
                    continue
                entry = {"name": tap["name"], "class": tap["class"], "call": tap["call"], "output": j, "file": tap["file"], "line": tap["line"], "module_line": first}
                value = None if snap is None else snap.get(out["variable"])
                if not isinstance(value, torch.Tensor):
                    entry.update({"ok": None, "problem": "no tensor to compare in the generated forward"})
                else:
                    entry.update(compare(data[key], to_keras_layout(value.detach().cpu().numpy(), out, np), atol, rtol, np))
                report["layers"].append(entry)
    elif job["keras_info"].get("sublayers"):
        report["layers"] = sublayer_report(net, xs, data, job["keras_info"]["sublayers"], job["module"], atol, rtol, torch, np)
    bad = [e for e in report["layers"] if e.get("ok") is False]
    report["first_drift"] = bad[0] if bad else None

    if job.get("grad"):
        keras_info = job["keras_info"]
        params = dict(net.named_parameters())
        net.zero_grad()
        with torch.enable_grad():
            outs = outputs_list(net(*xs), job)
            loss = sum(torch.mean(torch.square(o.float())) for o in outs)
            loss.backward()
        # The transforms the weights script really applied (its table), else the compiler's.
        table = {r[0]: r[5] for r in getattr(weights, "MODELS", {}).get(job["class"], {}).get("tensors", []) if r[0]}
        rows = []
        for item in keras_info.get("grad_rows", []):
            row = job["mapping"][item["row"]]
            entry = {"key": row["key"], "keras_variable": item["keras_variable"], "layer": row["legacyLayer"]}
            param = params.get(row["key"])
            if param is None or param.grad is None:
                entry.update({"ok": False, "problem": "PyTorch gives no gradient" if param is not None else "not a parameter"})
            else:
                expected = weights._apply_transforms(data[f"grad_{item['row']}"], table.get(row["key"], row["transforms"]))
                entry.update(compare(np.asarray(expected), param.grad.detach().cpu().numpy(), atol, rtol, np))
            rows.append(entry)
        report["grad"] = {"tensors": rows, "skipped": keras_info.get("grad_skipped", [])}
        bad = [r for r in rows if not r["ok"]]
        report["grad"]["first_difference"] = bad[0] if bad else None
        net.zero_grad(set_to_none=True)

    if job.get("toolchain", True):
        report["readiness"] = readiness(net, xs, torch)

    report["speed"] = []
    if job.get("speed"):
        backend = job.get("compile_backend") or "inductor"
        compiled = None
        if backend != "off":
            try:
                import torch._dynamo

                torch._dynamo.reset()
                compiled = torch.compile(net, backend=backend)
            except Exception as error:  # noqa: BLE001
                report["notes"].append(f"torch.compile is unavailable: {common.short_error(error)}")
        for batch in job["batches"]:
            bx = torch_inputs(common.random_inputs(job, batch, np.random.default_rng(job["seed"] + batch), np), job, torch, np)
            row = {"batch": batch}
            with torch.inference_mode():
                row["eager"] = common.timings(lambda: net(*bx), job["warmup"], job["repeats"])
            if compiled is not None:
                try:
                    with torch.no_grad():
                        row["compiled"] = common.timings(lambda: compiled(*bx), job["warmup"], job["repeats"])
                except Exception as error:  # noqa: BLE001
                    row["compiled"] = None
                    row["compiled_error"] = common.short_error(error)
            report["speed"].append(row)
        report["compile_backend"] = backend
    common.write_json(result_path, report)


if __name__ == "__main__":
    main(sys.argv[1])

"""Which golden cases' generated modules run under torch.compile(fullgraph=True, backend="eager") and
export with torch.export.export (what `keras2torch verify` reports for one model), over the committed
snapshots golden/<case>/expected/, with random weights and the case's input shapes.

    .venv/bin/python scripts/toolchain-readiness.py [golden/]

Prints one line per case that does not pass both, then a count. Exit 1 when any export fails or a graph
break has another cause than dynamo's refusal of nn.LSTM / nn.GRU / nn.RNN (allow_rnn=False).
"""

import glob
import importlib.util
import json
import os
import sys
import warnings

import numpy as np
import torch
import torch._dynamo

warnings.filterwarnings("ignore")


def first_line(error):
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"[:200]


def case_inputs(case, model):
    rng = np.random.default_rng(0)
    xs = []
    for spec, value in zip(case["inputs"], model["inputs"]):
        dtype = spec.get("dtype", "float32")
        if "int" in dtype:
            low, high = (spec.get("range") or [0, 2])[:2]
            array = rng.integers(low, high, size=spec["shape"]).astype(dtype)
        else:
            array = rng.standard_normal(spec["shape"]).astype(dtype)
        xs.append(torch.from_numpy(np.ascontiguousarray(np.transpose(array, value["permute"]))))
    return xs


def main(root):
    bad, passed, skipped = 0, 0, 0
    for case_dir in sorted(glob.glob(os.path.join(root, "*", "case.json"))):
        case_dir = os.path.dirname(case_dir)
        name = os.path.basename(case_dir)
        expected = os.path.join(case_dir, "expected")
        case = json.load(open(os.path.join(case_dir, "case.json")))
        manifest = json.load(open(os.path.join(expected, "keras2torch.json")))
        entry = next(f for f in manifest["files"] if f.get("module") == case.get("module", "model.py"))
        model = next(m for m in entry["models"] if m["primary"])
        if any(i.get("boundary") for i in model["inputs"]):
            skipped += 1
            continue
        spec = importlib.util.spec_from_file_location(f"golden_{name}", os.path.join(expected, entry["module"]))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        net = getattr(module, model["class"])(**case.get("constructor", {})).eval()
        xs = case_inputs(case, model)
        problems = []
        try:
            torch._dynamo.reset()
            with torch.no_grad():
                torch.compile(net, fullgraph=True, backend="eager")(*xs)
        except Exception as error:  # noqa: BLE001
            rnn = "RNN, GRU, or LSTM" in str(error)
            problems.append(("graph break: " + first_line(error), not rnn))
        try:
            torch.export.export(net, tuple(xs))
        except Exception as error:  # noqa: BLE001
            problems.append(("export: " + first_line(error), True))
        if problems:
            print(name, "; ".join(p for p, _ in problems), flush=True)
            bad += any(fatal for _, fatal in problems)
        else:
            passed += 1
    print(f"{passed} pass both, {bad} fail for another reason than allow_rnn, {skipped} skipped (string inputs)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "golden")))

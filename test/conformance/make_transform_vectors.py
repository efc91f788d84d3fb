"""Writes transforms.json: each transform op of the weights mapping applied by numpy to small arrays,
with the results, so that test/weights-convert.test.ts checks the TypeScript ops against numpy's
semantics without running Python. Run once: .venv/bin/python test/conformance/make_transform_vectors.py

The numpy code below is the Python runtime's `_apply_transforms` (templates/weights_runtime.py),
imported from the template itself so the vectors follow it."""
import json
import os
import re

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
source = open(os.path.join(ROOT, "templates", "weights_runtime.py"), encoding="utf8").read()
body = re.search(r"^def _apply_transforms\(.*?(?=^def )", source, re.S | re.M).group(0)
scope = {"np": np}
exec(body, scope)
apply = scope["_apply_transforms"]

CASES = [
    ("identity", [2, 3], []),
    ("transpose 2-D", [3, 4], [["transpose", [1, 0]]]),
    ("transpose conv kernel", [3, 2, 4, 5], [["transpose", [3, 2, 0, 1]]]),
    ("transpose 1-D", [5], [["transpose", [0]]]),
    ("transpose large (tiles)", [130, 70], [["transpose", [1, 0]]]),
    ("permute_rows flatten NHWC to NCHW then transpose", [24, 3], [["permute_rows", [2, 3, 4], [2, 0, 1]], ["transpose", [1, 0]]]),
    ("permute_rows 1-D", [6], [["permute_rows", [2, 3], [1, 0]]]),
    ("reshape depthwise after transpose", [3, 3, 2, 2], [["transpose", [2, 3, 0, 1]], ["reshape", [4, 1, 3, 3]]]),
    ("reshape multi-head kernel then transpose", [4, 2, 3], [["reshape", [4, 6]], ["transpose", [1, 0]]]),
    ("reshape after transpose (copy)", [2, 3], [["transpose", [1, 0]], ["reshape", [6]]]),
    ("reshape after permute_rows (copy)", [6, 2], [["permute_rows", [2, 3], [1, 0]], ["reshape", [3, 4]]]),
    ("reshape to scalar-free vector", [1, 5], [["reshape", [5]]]),
    ("index", [2, 6], [["index", 1]]),
    ("index then reorder_blocks (GRU bias)", [2, 9], [["index", 0], ["reorder_blocks", [1, 0, 2]]]),
    ("reorder_blocks kernel rows", [6, 2], [["reorder_blocks", [1, 0, 2]]]),
    ("transpose then reorder_blocks (GRU kernel)", [2, 6], [["transpose", [1, 0]], ["reorder_blocks", [1, 0, 2]]]),
    ("index of 3-D", [3, 2, 2], [["index", 2], ["transpose", [1, 0]]]),
    ("empty tensor transpose", [0, 3], [["transpose", [1, 0]]]),
    ("scalar", [], []),
    # Errors: the message the runtime reports (as a mis-shaped problem).
    ("error transpose rank", [2, 3], [["transpose", [0]]]),
    ("error permute_rows rows", [5, 2], [["permute_rows", [2, 3], [1, 0]]]),
    ("error reshape size", [2, 3], [["reshape", [4]]]),
    ("error index range", [2, 3], [["index", 2]]),
    ("error reorder_blocks divide", [5], [["reorder_blocks", [1, 0, 2]]]),
]

vectors = []
for name, shape, transforms in CASES:
    x = (np.arange(int(np.prod(shape)), dtype=np.float32) * 0.5 - 3).reshape(shape)
    entry = {"name": name, "shape": shape, "transforms": transforms}
    try:
        y = apply(x, [tuple(t) for t in transforms])
        entry["out_shape"] = list(y.shape)
        entry["out"] = [float(v) for v in np.ascontiguousarray(y).ravel()]
    except ValueError as e:
        entry["error"] = str(e)
    vectors.append(entry)

with open(os.path.join(HERE, "transforms.json"), "w", encoding="utf8") as f:
    json.dump({"input": "arange(n) * 0.5 - 3 as float32, in the given shape", "cases": vectors}, f, indent=1)
    f.write("\n")
print(f"wrote {len(vectors)} transform vectors")

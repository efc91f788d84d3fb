"""Shared pieces of `keras2torch verify`'s two Python processes (verify_keras.py, verify_torch.py).

The TypeScript side (src/cli/verify.ts) writes a job file, runs the Keras process, then the PyTorch
process, and reads their JSON results. Keras and PyTorch never share a process, so TensorFlow's and
torch's thread pools do not compete while they are timed.
"""

import importlib
import importlib.util
import json
import os
import statistics
import sys
import time

# Exit code of a process that found a dependency missing; its result file lists which.
EXIT_MISSING = 3

INSTALL = {
    "numpy": "numpy",
    "keras": "keras",
    "torch": "torch",
    "h5py": "h5py",
    "tensorflow": "tensorflow",
    "jax": "jax",
}


def missing_modules(names):
    """The modules among `names` that this Python cannot find (without importing them)."""
    missing = []
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def missing_entry(name, role):
    return {"module": name, "role": role, "install": f"{sys.executable} -m pip install {INSTALL.get(name, name)}"}


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(value, f, allow_nan=True)
    os.replace(tmp, path)


def fail_missing(result_path, missing):
    write_json(result_path, {"missing": missing, "python": sys.executable, "python_version": sys.version.split()[0]})
    sys.exit(EXIT_MISSING)


def timings(fn, warmup, repeats):
    """Per-call wall times in milliseconds after `warmup` calls: median, quartiles, min, max."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    if not times:
        return None
    q = statistics.quantiles(times, n=4, method="inclusive") if len(times) > 1 else [times[0]] * 3
    return {
        "median_ms": statistics.median(times),
        "p25_ms": q[0],
        "p75_ms": q[2],
        "min_ms": min(times),
        "max_ms": max(times),
        "repeats": len(times),
        "warmup": warmup,
    }


def short_error(error):
    text = f"{type(error).__name__}: {error}".strip()
    first = text.splitlines()[0] if text else type(error).__name__
    return first[:400]


def random_inputs(job, batch, rng, np):
    """Seeded inputs in Keras' layout, one array per model input; both processes draw the same ones."""
    arrays = []
    for spec in job["inputs"]:
        shape = [batch] + [d if d is not None else job["unknown_size"] for d in spec["keras_shape"][1:]]
        dtype = spec.get("dtype") or "float32"
        if "int" in dtype:
            arrays.append(rng.integers(0, 10, size=shape).astype(dtype))
        elif dtype == "bool":
            arrays.append(rng.integers(0, 2, size=shape).astype(bool))
        else:
            arrays.append(rng.standard_normal(shape).astype(dtype))
    return arrays

"""Checks op-rule lowerings against real Keras / TensorFlow, one process for every case.

Reads a JSON list of cases on stdin (written by test/ops.test.ts). For each case it makes seeded
inputs, computes the reference with the real library (`ref`, a Python expression over the argument
names), converts the inputs to the layouts the rule asked for, evaluates the PyTorch expression
(`torch`), converts its outputs back from the layouts the rule declared, and compares shapes, dtype
kinds and values. Prints one JSON object: {"results": [{"id", "ok", "error"?}]}.

Keras 2's backend functions (`keras.backend.mean` and friends) are not in Keras 3, and tf-keras is not
installed, so `K2` below spells each of them as the TensorFlow call Keras 2's backend makes
(tf_keras/backend.py): thin wrappers, plus the few places where Keras 2 adds semantics.
"""

import json
import operator
import os
import sys
import traceback

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class K2:
    """Keras 2 backend functions as tf-keras defines them (argument names included)."""

    @staticmethod
    def zeros(shape, dtype=None, name=None):
        return tf.zeros(shape, dtype=dtype or tf.float32)

    @staticmethod
    def ones(shape, dtype=None, name=None):
        return tf.ones(shape, dtype=dtype or tf.float32)

    @staticmethod
    def zeros_like(x, dtype=None, name=None):
        return tf.zeros_like(x, dtype=dtype)

    @staticmethod
    def ones_like(x, dtype=None, name=None):
        return tf.ones_like(x, dtype=dtype)

    @staticmethod
    def identity(x, name=None):
        return tf.identity(x)

    @staticmethod
    def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
        return tf.random.normal(shape, mean=mean, stddev=stddev, dtype=dtype or tf.float32, seed=seed)

    @staticmethod
    def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
        return tf.random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype or tf.float32, seed=seed)

    @staticmethod
    def hard_sigmoid(x):
        # tf_keras/backend.py: x * 0.2 + 0.5, clipped to [0, 1] (Keras 3's is relu6(x + 3) / 6).
        return tf.clip_by_value(x * 0.2 + 0.5, 0.0, 1.0)

    @staticmethod
    def l2_normalize(x, axis=None):
        return tf.linalg.l2_normalize(x, axis=axis)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return tf.reduce_sum(x, axis, keepdims)

    @staticmethod
    def mean(x, axis=None, keepdims=False):
        if x.dtype == tf.bool:
            x = tf.cast(x, "float32")
        return tf.reduce_mean(x, axis, keepdims)

    @staticmethod
    def max(x, axis=None, keepdims=False):
        return tf.reduce_max(x, axis, keepdims)

    @staticmethod
    def min(x, axis=None, keepdims=False):
        return tf.reduce_min(x, axis, keepdims)

    @staticmethod
    def prod(x, axis=None, keepdims=False):
        return tf.reduce_prod(x, axis, keepdims)

    @staticmethod
    def std(x, axis=None, keepdims=False):
        if x.dtype == tf.bool:
            x = tf.cast(x, "float32")
        return tf.math.reduce_std(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def var(x, axis=None, keepdims=False):
        if x.dtype == tf.bool:
            x = tf.cast(x, "float32")
        return tf.math.reduce_variance(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def any(x, axis=None, keepdims=False):
        return tf.reduce_any(tf.cast(x, tf.bool), axis, keepdims)

    @staticmethod
    def all(x, axis=None, keepdims=False):
        return tf.reduce_all(tf.cast(x, tf.bool), axis, keepdims)

    @staticmethod
    def argmax(x, axis=-1):
        return tf.argmax(x, axis)

    @staticmethod
    def argmin(x, axis=-1):
        return tf.argmin(x, axis)

    square = staticmethod(tf.square)
    abs = staticmethod(tf.abs)
    exp = staticmethod(tf.exp)
    log = staticmethod(tf.math.log)
    round = staticmethod(tf.round)
    sign = staticmethod(tf.sign)
    sin = staticmethod(tf.sin)
    cos = staticmethod(tf.cos)
    sigmoid = staticmethod(tf.sigmoid)
    tanh = staticmethod(tf.tanh)

    @staticmethod
    def softplus(x):
        return tf.math.softplus(x)

    @staticmethod
    def softsign(x):
        return tf.math.softsign(x)

    @staticmethod
    def sqrt(x):
        # Keras 2 clips negative values to 0 first.
        return tf.sqrt(tf.maximum(x, tf.constant(0.0, x.dtype)))

    @staticmethod
    def pow(x, a):
        return tf.pow(x, a)

    @staticmethod
    def clip(x, min_value, max_value):
        if isinstance(min_value, (int, float)) and isinstance(max_value, (int, float)) and max_value < min_value:
            max_value = min_value
        if min_value is None:
            min_value = -np.inf
        if max_value is None:
            max_value = np.inf
        return tf.clip_by_value(x, min_value, max_value)

    @staticmethod
    def equal(x, y):
        return tf.equal(x, y)

    @staticmethod
    def not_equal(x, y):
        return tf.not_equal(x, y)

    @staticmethod
    def greater(x, y):
        return tf.greater(x, y)

    @staticmethod
    def greater_equal(x, y):
        return tf.greater_equal(x, y)

    @staticmethod
    def less(x, y):
        return tf.less(x, y)

    @staticmethod
    def less_equal(x, y):
        return tf.less_equal(x, y)

    @staticmethod
    def maximum(x, y):
        return tf.maximum(x, y)

    @staticmethod
    def minimum(x, y):
        return tf.minimum(x, y)

    @staticmethod
    def concatenate(tensors, axis=-1):
        return tf.concat(list(tensors), axis)

    @staticmethod
    def reshape(x, shape):
        return tf.reshape(x, shape)

    @staticmethod
    def permute_dimensions(x, pattern):
        return tf.transpose(x, perm=pattern)

    @staticmethod
    def transpose(x):
        return tf.transpose(x)

    @staticmethod
    def expand_dims(x, axis=-1):
        return tf.expand_dims(x, axis)

    @staticmethod
    def squeeze(x, axis):
        return tf.squeeze(x, [axis])

    @staticmethod
    def stack(x, axis=0):
        return tf.stack(list(x), axis=axis)

    @staticmethod
    def one_hot(indices, num_classes):
        return tf.one_hot(indices, depth=num_classes, axis=-1)

    @staticmethod
    def arange(start, stop=None, step=1, dtype="int32"):
        if stop is None and start < 0:
            start = 0
        result = tf.range(start, limit=stop, delta=step)
        if dtype != "int32":
            result = tf.cast(result, dtype)
        return result

    @staticmethod
    def cast(x, dtype):
        return tf.cast(x, dtype)

    @staticmethod
    def gather(reference, indices):
        return tf.gather(reference, indices)

    @staticmethod
    def shape(x):
        return tf.shape(x)

    @staticmethod
    def dot(x, y):
        # NumPy's dot: for a higher-rank y, x's last axis against y's second-to-last.
        if len(x.shape) > 2 or len(y.shape) > 2:
            y_perm = list(range(len(y.shape)))
            y_perm = [y_perm.pop(-2)] + y_perm
            xt = tf.reshape(x, [-1, x.shape[-1]])
            yt = tf.reshape(tf.transpose(y, perm=y_perm), [y.shape[-2], -1])
            return tf.reshape(tf.matmul(xt, yt), list(x.shape[:-1]) + list(y.shape[:-2]) + list(y.shape[-1:]))
        return tf.matmul(x, y)

    @staticmethod
    def relu(x, alpha=0.0, max_value=None, threshold=0.0):
        return keras.activations.relu(x, negative_slope=alpha, max_value=max_value, threshold=threshold)

    @staticmethod
    def elu(x, alpha=1.0):
        res = tf.nn.elu(x)
        return res if alpha == 1 else tf.where(x > 0, res, alpha * res)

    @staticmethod
    def softmax(x, axis=-1):
        return tf.nn.softmax(x, axis)


def generated_helpers():
    """The functions a generated module defines (`keras_relu`, `sparsemax`...), loaded from their templates."""
    scope = {"F": F, "torch": torch, "nn": nn}
    folder = os.path.join(ROOT, "templates", "helpers")
    for name in sorted(os.listdir(folder)):
        if name.endswith(".py"):
            with open(os.path.join(folder, name)) as f:
                exec(f.read(), scope)
    return {k: v for k, v in scope.items() if k not in ("F", "torch", "nn", "__builtins__")}


def generate(spec, rng):
    shape = tuple(2 if d is None else d for d in spec["shape"])
    dtype = spec.get("dtype", "float32")
    gen = spec.get("gen") or ("bool" if dtype == "bool" else "int" if "int" in dtype else "normal")
    if gen == "bool":
        arr = rng.random(shape) > 0.5
    elif gen == "int":
        lo, hi = spec.get("range") or [0, 4]
        arr = rng.integers(lo, hi, size=shape)
    elif gen == "positive":
        arr = rng.uniform(0.5, 2.0, size=shape)
    elif gen == "nonzero":
        arr = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    elif gen == "halves":
        arr = rng.integers(-6, 7, size=shape) / 2.0
    elif gen == "unit":
        arr = rng.uniform(-0.9, 0.9, size=shape)
    else:
        arr = rng.standard_normal(shape)
    return np.asarray(arr).astype(dtype)


def to_torch_order(arr, layout):
    if "perm" in layout:
        return np.transpose(arr, layout["perm"])
    inner, inner_perm = layout["flat"]["inner"], layout["flat"]["innerPerm"]
    n = arr.shape[0]
    return arr.reshape(n, *inner).transpose(0, *[1 + p for p in inner_perm]).reshape(n, -1)


def to_keras_order(arr, layout):
    if "perm" in layout:
        return np.transpose(arr, np.argsort(layout["perm"]))
    inner, inner_perm = layout["flat"]["inner"], layout["flat"]["innerPerm"]
    n = arr.shape[0]
    permuted = [inner[p] for p in inner_perm]
    return arr.reshape(n, *permuted).transpose(0, *[1 + q for q in np.argsort(inner_perm)]).reshape(n, -1)


def decode_value(name, value, floats):
    """JSON → Python: lists become tuples, `tensorflow.float32` a dtype, the getitem encoding an index."""
    if name in floats and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if name == "index":
        return decode_index(value)
    return decode_plain(value)


def decode_plain(value):
    if isinstance(value, list):
        return tuple(decode_plain(v) for v in value)
    if isinstance(value, str) and value.startswith("tensorflow."):
        return getattr(tf, value[len("tensorflow."):])
    return value


def decode_index(value):
    if isinstance(value, list):
        return tuple(decode_index(v) for v in value)
    if value == "...":
        return Ellipsis
    if isinstance(value, dict):
        return slice(*value["slice"])
    return value


def is_tensor(v):
    return isinstance(v, (tf.Tensor, np.ndarray, torch.Tensor))


def outputs_of(result):
    if isinstance(result, (list, tuple)) and len(result) > 0 and all(is_tensor(v) for v in result):
        return list(result)
    return [result]


def as_numpy(v):
    if isinstance(v, torch.Tensor):
        return v.detach().numpy()
    if isinstance(v, torch.Size):
        return np.asarray(list(v))
    if isinstance(v, tf.Tensor):
        return v.numpy()
    if isinstance(v, tf.TensorShape):
        return np.asarray(v.as_list())
    if isinstance(v, tuple) and any(isinstance(d, torch.Tensor) for d in v):
        return np.asarray([int(d) for d in v])
    return np.asarray(v)


def kind(dtype):
    name = str(dtype)
    if name == "bfloat16":
        return "float"
    k = np.dtype(name).kind
    return {"b": "bool", "i": "int", "u": "int", "f": "float"}.get(k, k)


def run_case(index, case, helpers):
    rng = np.random.default_rng(1000 + index)
    floats = set(case.get("floats", []))
    ref_env = {"tf": tf, "keras": keras, "np": np, "operator": operator, "K2": K2}
    torch_env = {"torch": torch, "F": F, "nn": nn, **helpers}
    for name, value in case.get("values", {}).items():
        ref_env[name] = decode_value(name, value, floats)
    for spec in case["tensors"]:
        arr = generate(spec, rng)
        ref_t = tf.constant(arr)
        torch_t = torch.from_numpy(to_torch_order(arr, spec["layout"]).copy(order="C"))
        if spec.get("list") is None:
            ref_env[spec["param"]] = ref_t
            torch_env[spec["param"]] = torch_t
        else:
            ref_env.setdefault(spec["param"], []).append(ref_t)
            torch_env.setdefault(spec["param"], []).append(torch_t)
    ref = outputs_of(eval(case["ref"], ref_env))
    got = outputs_of(eval(case["torch"], torch_env))
    declared = case["outputs"]
    if len(ref) != len(declared):
        return f"the reference has {len(ref)} outputs, the rule declares {len(declared)}"
    if len(got) != len(declared):
        return f"the PyTorch expression gives {len(got)} outputs, the rule declares {len(declared)}"
    for i, (r, g, d) in enumerate(zip(ref, got, declared)):
        r = as_numpy(r)
        g = to_keras_order(as_numpy(g), d["layout"])
        want = d["shape"]
        if len(want) != r.ndim or any(w is not None and w != s for w, s in zip(want, r.shape)):
            return f"output {i}: the rule infers shape {want}, the reference has {list(r.shape)}"
        if g.shape != r.shape:
            return f"output {i}: PyTorch shape {list(g.shape)} (Keras order), reference {list(r.shape)}"
        kinds = (kind(d["dtype"]), kind(r.dtype), kind(g.dtype))
        if len(set(kinds)) != 1:
            return f"output {i}: dtype kinds differ (rule {d['dtype']}, reference {r.dtype}, PyTorch {g.dtype})"
        if case.get("moments"):
            # Random draws: the same distribution, not the same values.
            for what, fn in (("mean", np.mean), ("std", np.std)):
                a, b = float(fn(r)), float(fn(g))
                if abs(a - b) > case["tol"] * max(1.0, abs(a)):
                    return f"output {i}: {what} {b:.4g} (PyTorch) vs {a:.4g} (reference)"
            continue
        if kinds[0] == "float":
            r64, g64 = r.astype(np.float64), g.astype(np.float64)
            if not np.array_equal(np.isnan(r64), np.isnan(g64)):
                return f"output {i}: NaNs differ"
            finite = ~np.isnan(r64)
            scale = max(1.0, float(np.max(np.abs(r64[finite]))) if finite.any() else 1.0)
            err = float(np.max(np.abs(r64[finite] - g64[finite]))) if finite.any() else 0.0
            if err > case["tol"] * scale:
                return f"output {i}: max |diff| {err:.3g} > {case['tol']} x {scale:.3g}"
        elif not np.array_equal(r, g):
            return f"output {i}: values differ\nreference {r.tolist()}\npytorch   {g.tolist()}"
    return None


def main():
    cases = json.load(sys.stdin)
    helpers = generated_helpers()
    results = []
    for index, case in enumerate(cases):
        try:
            error = run_case(index, case, helpers)
        except Exception:
            error = traceback.format_exc(limit=3)
        results.append({"id": case["id"], "ok": error is None, **({"error": error} if error else {})})
    print(json.dumps({"results": results}))


if __name__ == "__main__":
    main()

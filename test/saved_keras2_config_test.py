"""A Keras 2 Functional config — what tf.keras 2.x writes in `model_config` — compiles into a module that
computes what the model computes.

The real Keras 2 fixtures are all Sequential, so this test makes a legacy HDF5 file whose `model_config`
is written here by hand in tf.keras 2.12's format: class names `Functional` and `Model`, module paths
`keras.src.engine.functional`, `batch_input_shape`, `time_major`/`implementation` on the LSTM, inbound
nodes as `[[layer, node, tensor, kwargs]]`, a shared layer called twice (node index 1), a nested
Sequential and a nested Functional, and `TFOpLambda` nodes (`tf.nn.relu`, `tf.concat` on a list,
`tf.math.multiply` with `y` as a keyword, `tf.__operators__.add` with a tensor keyword, a `SlicingOpLambda`), with
`keras_version` 2.12.0.

How the reference is made: the same model is built in Keras 3.15.1 (the TFOpLambda calls as keras.ops),
with random weights, which Keras' own legacy writer saves into the file's `model_weights` group. Where
Keras 2 and 3 differ, Keras 2's documented definition is used: the LSTM's `hard_sigmoid` is
clip(0.2x + 0.5, 0, 1). keras2torch reads only the file.
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ref(name, node=0, tensor=0, kwargs=None):
    return [name, node, tensor, {} if kwargs is None else kwargs]


def dense(name, units, activation="linear", nodes=()):
    return {"class_name": "Dense", "config": {"name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation, "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None},
            "name": name, "inbound_nodes": [list(n) for n in nodes]}


def tf_op(name, function, nodes):
    return {"class_name": "TFOpLambda", "config": {"name": name, "trainable": True, "dtype": "float32", "function": function}, "name": name, "inbound_nodes": nodes}


KERAS2_CONFIG = {
    "class_name": "Functional",
    "config": {
        "name": "two_branch",
        "trainable": True,
        "layers": [
            {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 6, 4], "dtype": "float32", "sparse": False, "ragged": False, "name": "a"}, "name": "a", "inbound_nodes": []},
            {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 5], "dtype": "float32", "sparse": False, "ragged": False, "name": "b"}, "name": "b", "inbound_nodes": []},
            {"class_name": "LSTM", "config": {"name": "lstm", "trainable": True, "dtype": "float32", "return_sequences": False, "return_state": False, "go_backwards": False,
                                              "stateful": False, "unroll": False, "time_major": False, "units": 8, "activation": "tanh", "recurrent_activation": "hard_sigmoid",
                                              "use_bias": True, "unit_forget_bias": True, "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 2},
             "name": "lstm", "inbound_nodes": [[ref("a")]]},
            tf_op("tf.nn.relu", "nn.relu", [[ref("lstm", kwargs={"name": None})]]),
            dense("proj", 8, nodes=[[ref("b")]]),
            dense("shared", 8, nodes=[[ref("tf.nn.relu")], [ref("proj")]]),
            tf_op("tf.concat", "concat", [[ref("shared", 0, 0, {"axis": -1, "name": None}), ref("shared", 1, 0, {"axis": -1, "name": None})]]),
            {"class_name": "Sequential", "config": {"name": "head_seq", "layers": [
                {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 16], "dtype": "float32", "sparse": False, "ragged": False, "name": "head_in"}},
                {**dense("head_dense", 4, "tanh"), "inbound_nodes": None}]},
             "name": "head_seq", "inbound_nodes": [[ref("tf.concat")]]},
            {"class_name": "Model", "module": "keras.src.engine.functional", "config": {"name": "inner", "trainable": True, "layers": [
                {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 8], "dtype": "float32", "sparse": False, "ragged": False, "name": "inner_in"}, "name": "inner_in", "inbound_nodes": []},
                dense("inner_dense", 4, nodes=[[ref("inner_in")]])],
                "input_layers": [["inner_in", 0, 0]], "output_layers": [["inner_dense", 0, 0]]},
             "name": "inner", "inbound_nodes": [[ref("shared", 1, 0)]]},
            tf_op("tf.math.multiply", "math.multiply", [[ref("head_seq", kwargs={"y": 2.0, "name": None})]]),
            tf_op("tf.__operators__.add", "__operators__.add", [[ref("tf.math.multiply", kwargs={"y": ["inner", 0, 0], "name": None})]]),
            {**tf_op("tf.__operators__.getitem", "__operators__.getitem", [[ref("shared", kwargs={"slice_spec": [{"start": None, "stop": None, "step": None}, {"start": 1, "stop": 7, "step": 2}]})]]),
             "class_name": "SlicingOpLambda"},
        ],
        "input_layers": [["a", 0, 0], ["b", 0, 0]],
        "output_layers": [["tf.__operators__.add", 0, 0], ["shared", 0, 0], ["tf.__operators__.getitem", 0, 0]],
    },
}


def keras2_hard_sigmoid(x):
    import keras

    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def keras3_model():
    import keras
    from keras import layers

    a = keras.Input(batch_shape=(None, 6, 4), name="a")
    b = keras.Input(batch_shape=(None, 5), name="b")
    r = keras.ops.relu(layers.LSTM(8, recurrent_activation=keras2_hard_sigmoid, name="lstm")(a))
    shared = layers.Dense(8, name="shared")
    s1 = shared(r)
    s2 = shared(layers.Dense(8, name="proj")(b))
    head = keras.Sequential([keras.Input(shape=(16,), name="head_in"), layers.Dense(4, activation="tanh", name="head_dense")], name="head_seq")
    inner_in = keras.Input(shape=(8,), name="inner_in")
    inner = keras.Model(inner_in, layers.Dense(4, name="inner_dense")(inner_in), name="inner")
    out = head(keras.ops.concatenate([s1, s2], axis=-1)) * 2.0 + inner(s2)
    return keras.Model([a, b], [out, s1, s1[:, 1:7:2]], name="two_branch")


def main():
    import h5py
    import keras
    import torch
    from keras.src.legacy.saving import legacy_h5_format
    from safetensors.torch import load_file

    keras.utils.set_random_seed(3)
    model = keras3_model()
    rng = np.random.default_rng(3)
    for w in model.weights:
        w.assign(rng.normal(scale=0.5, size=w.shape).astype("float32"))
    failures = []
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "keras2_functional.h5")
        with h5py.File(path, "w") as f:
            f.attrs["keras_version"] = "2.12.0"
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = json.dumps(KERAS2_CONFIG)
            legacy_h5_format.save_weights_to_hdf5_group(f.create_group("model_weights"), model)
        out = os.path.join(work, "out")
        run = subprocess.run(["node", os.path.join(ROOT, "bin", "keras2torch.js"), "convert", path, "-o", out], capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr)
            print("0 passed, 1 failed")
            return 1
        manifest = json.load(open(os.path.join(out, "keras2torch.json")))
        entry = manifest["files"][0]
        tensors = os.path.join(work, "w.safetensors")
        script = subprocess.run([sys.executable, os.path.join(out, entry["weights_script"]), path, tensors, "--verbose"], capture_output=True, text=True)
        if script.returncode != 0:
            print(script.stdout + script.stderr)
            print("0 passed, 1 failed")
            return 1
        spec = importlib.util.spec_from_file_location("keras2_functional", os.path.join(out, entry["module"]))
        generated = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(generated)
        module = getattr(generated, next(m["class"] for m in entry["models"] if m["primary"]))()
        module.load_state_dict(load_file(tensors), strict=True)
        module.eval()
        xa = rng.normal(size=(3, 6, 4)).astype("float32")
        xb = rng.normal(size=(3, 5)).astype("float32")
        expected = [np.asarray(t) for t in model([xa, xb], training=False)]
        with torch.no_grad():
            got = [t.numpy() for t in module(torch.from_numpy(xa), torch.from_numpy(xb))]
        for k, (e, g) in enumerate(zip(expected, got)):
            error = float(np.max(np.abs(e - g)))
            print(f"     output {k}: max |Δ| {error:.2e} (values up to {float(np.max(np.abs(e))):.3g})")
            if error > 1e-4:
                failures.append(f"output {k}: max |Δ| {error}")
        # Keras 3's hard_sigmoid would give other numbers: the Keras 2 formula is what was compiled.
        if "keras2_hard_sigmoid" not in open(os.path.join(out, entry["module"])).read():
            failures.append("the LSTM does not use keras2_hard_sigmoid")
    name = "a Keras 2 Functional config (TFOpLambda, shared and nested models) compiles and matches"
    print(("ok   " if not failures else "FAIL ") + name + ("" if not failures else f": {failures}"))
    print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

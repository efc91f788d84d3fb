"""Every full-model file in shared/fixtures/keras-files/ (real Keras 2.x saves) compiles from the
architecture stored in it (`keras2torch convert FILE`), its weights load into the generated module with
no tensor left unmapped (strict), and the module computes what the saved model computes. The
weights-only file is refused with a clear `invalid-saved-model` error and no output.

How the reference is made (the folder's README, first way): Keras 3.15.1 cannot `load_model` these
files, so this test rebuilds the stored architecture in Keras 3 itself — each stored layer constructed
from its config with the arguments Keras 3 does not take removed (`time_major`, `implementation`,
initializers; `batch_input_shape` becomes the Input's shape) — and loads the file's weights with Keras'
own loader (`model.load_weights`, the legacy HDF5 loader for `.h5`). Where Keras 2 and 3 differ, the
Keras 2 definition is used, written from Keras 2's documented formula: `hard_sigmoid(x) =
clip(0.2 * x + 0.5, 0, 1)`. None of this shares code with keras2torch, whose side reads the file
directly and never uses Keras.
"""
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
from fixture_checks import FAILED, PASSED, check, fixtures_dir  # noqa: E402
FULL_MODELS = ["k2.2.2_lstm_full.h5", "k2.10_bilstm_full.h5", "k2.10_conv1d_bigru_full.h5", "k2.12_conv_autoencoder_full.h5", "tf2.15_conv1d_bn.keras"]


def stored_config(path):
    """The stored architecture and the Keras version that wrote it, read with h5py / zipfile."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("config.json")), json.loads(z.read("metadata.json"))["keras_version"]
    import h5py

    with h5py.File(path, "r") as f:
        text = f.attrs["model_config"]
        version = f.attrs["keras_version"]
    as_text = lambda v: v.decode() if isinstance(v, bytes) else str(v)  # noqa: E731
    return json.loads(as_text(text)), as_text(version)


def keras2_hard_sigmoid(x):
    import keras

    # Keras 2's documented definition (keras/backend.py: "Segment-wise linear approximation of sigmoid").
    return keras.ops.clip(0.2 * x + 0.5, 0.0, 1.0)


def keras3_layer(entry, keras2):
    """A stored layer, constructed in Keras 3 with the arguments it does not take left out."""
    import keras

    cls = getattr(keras.layers, entry["class_name"])
    accepted = set(inspect.signature(cls.__init__).parameters) | {"name", "trainable", "dtype"}
    kwargs = {}
    for key, value in entry["config"].items():
        if key not in accepted or key.endswith(("_initializer", "_regularizer", "_constraint")) or key == "dtype":
            continue
        if key in ("layer", "backward_layer") and isinstance(value, dict):
            value = keras3_layer(value, keras2)
        if key == "axis" and entry["class_name"] == "BatchNormalization" and isinstance(value, list) and len(value) == 1:
            value = value[0]  # Keras 2 stored BatchNormalization's axis as a list
        if key in ("activation", "recurrent_activation") and value == "hard_sigmoid" and keras2:
            value = keras2_hard_sigmoid
        kwargs[key] = value
    return cls(**kwargs)


def keras3_model(config, version):
    import keras

    keras2 = not version.startswith("3")
    layers_config = config["config"] if isinstance(config["config"], list) else config["config"]["layers"]
    assert config["class_name"] == "Sequential", "the fixtures are Sequential models"
    layers, shape = [], None
    for entry in layers_config:
        stored = entry["config"]
        if entry["class_name"] == "InputLayer":
            shape = stored["batch_input_shape"]
            continue
        if shape is None and "batch_input_shape" in stored:
            shape = stored["batch_input_shape"]
        layers.append(keras3_layer(entry, keras2))
    return keras.Sequential([keras.Input(batch_shape=tuple(shape))] + layers)


def keras3_weights_file(path, work):
    """The weights Keras 3's loader reads: the legacy `.h5` itself, or the `.keras` zip's
    `model.weights.h5` with Windows backslashes in its paths made `/` (copied with h5py)."""
    if not zipfile.is_zipfile(path):
        return path
    import h5py

    with zipfile.ZipFile(path) as z:
        z.extract("model.weights.h5", work)
    source = os.path.join(work, "model.weights.h5")
    target = os.path.join(work, "fixed.weights.h5")
    with h5py.File(source, "r") as src, h5py.File(target, "w") as dst:
        def copy(name, obj):
            if isinstance(obj, h5py.Dataset):
                dst.create_dataset(name.replace("\\", "/"), data=obj[()])

        src.visititems(copy)
    return target


def run_fixture(fixture, work):
    import importlib.util

    import keras
    import torch
    from safetensors.torch import load_file

    path = os.path.join(fixtures_dir(), fixture)
    out = os.path.join(work, "out")
    subprocess.run(["node", os.path.join(ROOT, "bin", "keras2torch.js"), "convert", path, "-o", out, "-q"], check=True)
    manifest = json.load(open(os.path.join(out, "keras2torch.json")))
    entry = manifest["files"][0]
    stem = fixture.rsplit(".", 1)[0]
    assert entry["module"] == stem + ".py", entry
    tensors = os.path.join(work, "weights.safetensors")
    run = subprocess.run([sys.executable, os.path.join(out, entry["weights_script"]), path, tensors, "--verbose"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr + run.stdout

    # PyTorch: the module compiled from the stored architecture, with the file's weights (strict).
    spec = importlib.util.spec_from_file_location("saved_" + stem.replace(".", "_"), os.path.join(out, entry["module"]))
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    model_entry = next(m for m in entry["models"] if m["primary"])
    module = getattr(generated, model_entry["class"])()
    module.load_state_dict(load_file(tensors), strict=True)
    module.eval()

    # Keras 3: the stored architecture rebuilt by this test, the file's weights through Keras' loader.
    config, version = stored_config(path)
    model = keras3_model(config, version)
    model.load_weights(keras3_weights_file(path, work))
    shape = (3,) + tuple(model.inputs[0].shape[1:])
    # Inputs in [0, 1], as these models were trained on (images, normalised signals, embeddings).
    x = np.random.default_rng(7).uniform(size=shape).astype("float32")
    expected = np.asarray(model(x, training=False))
    permute = model_entry["inputs"][0]["permute"]
    # A saturated sigmoid hides differences: the last Dense layer's logits are compared too.
    last = model.layers[-1]
    hooked = {}
    head = getattr(module, last.name, None) if isinstance(last, keras.layers.Dense) else None
    if isinstance(head, torch.nn.Linear):
        def keep(_module, _inputs, output):
            hooked["logits"] = output.numpy()

        head.register_forward_hook(keep)
    with torch.no_grad():
        got = module(torch.from_numpy(x).permute(*permute)).numpy()
    got = got.transpose(np.argsort(model_entry["outputs"][0]["permute"]))
    error = float(np.max(np.abs(expected - got)))
    assert error < 1e-4, f"max |Δ| {error}"
    if "logits" in hooked:
        features = np.asarray(keras.Model(model.inputs[0], last.input)(x, training=False))
        logits = features @ np.asarray(last.kernel) + np.asarray(last.bias)
        logit_error = float(np.max(np.abs(logits - hooked["logits"])) / max(1.0, float(np.max(np.abs(logits)))))
        assert logit_error < 1e-4, f"logits: relative max |Δ| {logit_error}"
        error = max(error, logit_error)
    print(f"     {fixture}: Keras {version}, class {model_entry['class']}, max |Δ| {error:.2e}, outputs in [{expected.min():.3g}, {expected.max():.3g}]")


def weights_only_refused(work):
    path = os.path.join(fixtures_dir(), "k2.1.5_cnn_weights_only.h5")
    out = os.path.join(work, "out")
    run = subprocess.run(["node", os.path.join(ROOT, "bin", "keras2torch.js"), "convert", path, "-o", out], capture_output=True, text=True)
    # Its only input could not be read as a model: exit 2, nothing written (not even a manifest).
    assert run.returncode == 2, run.returncode
    assert not os.path.exists(out)
    assert "invalid-saved-model" in run.stderr and "weights-only" in run.stderr, run.stderr
    assert not os.path.exists(os.path.join(out, "k2.1.5_cnn_weights_only.py"))


def main():
    with tempfile.TemporaryDirectory() as work:
        for fixture in FULL_MODELS:
            folder = os.path.join(work, fixture)
            os.makedirs(folder)
            check(f"{fixture} compiles from its stored architecture and matches Keras", lambda: run_fixture(fixture, folder))
        folder = os.path.join(work, "weights_only")
        os.makedirs(folder)
        check("the weights-only file is refused: it stores no architecture", lambda: weights_only_refused(folder))
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 0 if not FAILED else 1


if __name__ == "__main__":
    sys.exit(main())

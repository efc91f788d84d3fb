"""Real Keras 2.x files with LSTM, GRU and Bidirectional layers (shared/fixtures/keras-files/) load into
the modules keras2torch generates from the same architecture, written in Keras 3
(test/fixture-models/<file>.py), with no tensor left unmapped, and the module then computes what Keras 3
computes with those weights.

How the reference is made: Keras 3.15.1 cannot `load_model` these files, so the test builds the Keras 3
source and loads the file's weights with Keras' own legacy HDF5 weight loader (`model.load_weights`), then
runs both on the same seeded input. keras2torch's side never uses Keras: the generated weights script
reads the file directly.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "test", "fixture-models")
from fixture_checks import FAILED, PASSED, check, fixtures_dir  # noqa: E402


def run_fixture(fixture, work):
    import importlib.util

    import keras
    import torch
    from safetensors.torch import load_file

    source = os.path.join(MODELS, fixture.rsplit(".", 1)[0] + ".py")
    out = os.path.join(work, "out")
    subprocess.run(["node", os.path.join(ROOT, "bin", "keras2torch.js"), "convert", source, "-o", out, "-q"], check=True)
    module_name = os.path.basename(source)[:-3]
    weights_script = os.path.join(out, module_name + "_weights.py")
    tensors = os.path.join(work, "weights.safetensors")
    run = subprocess.run([sys.executable, weights_script, os.path.join(fixtures_dir(), fixture), tensors, "--verbose"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr + run.stdout

    # PyTorch: the generated module with the file's weights (strict: every tensor mapped).
    spec = importlib.util.spec_from_file_location("generated_" + module_name.replace(".", "_"), os.path.join(out, module_name + ".py"))
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    manifest = json.load(open(os.path.join(out, "keras2torch.json")))
    class_name = manifest["files"][0]["models"][0]["class"]
    module = getattr(generated, class_name)()
    module.load_state_dict(load_file(tensors), strict=True)
    module.eval()

    # Keras 3: the same source, the file's weights through Keras' legacy loader.
    keras.utils.set_random_seed(0)
    spec = importlib.util.spec_from_file_location("keras_" + module_name.replace(".", "_"), source)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    model = reference.model
    model.load_weights(os.path.join(fixtures_dir(), fixture))
    shape = (3,) + tuple(model.inputs[0].shape[1:])
    x = np.random.default_rng(7).normal(size=shape).astype("float32")
    expected = np.asarray(model(x, training=False))
    # The module takes its input in the layout the manifest gives (channels-first after a conv).
    permute = manifest["files"][0]["models"][0]["inputs"][0]["permute"]
    with torch.no_grad():
        got = module(torch.from_numpy(x).permute(*permute)).numpy()
    error = float(np.max(np.abs(expected - got)))
    assert error < 1e-4, f"max |Δ| {error}"


def main():
    with tempfile.TemporaryDirectory() as work:
        for fixture in ["k2.2.2_lstm_full.h5", "k2.10_bilstm_full.h5", "k2.10_conv1d_bigru_full.h5"]:
            folder = os.path.join(work, fixture)
            os.makedirs(folder)
            check(f"{fixture} loads into the generated module and matches Keras 3", lambda: run_fixture(fixture, folder))
    print(f"{len(PASSED)} passed, {len(FAILED)} failed")
    return 0 if not FAILED else 1


if __name__ == "__main__":
    sys.exit(main())

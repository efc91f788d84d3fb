"""Training-mode behaviour of generated modules against real Keras (the golden suite checks inference only).

Compiles a small Keras source with the real CLI, moves seeded weights with the generated weights script,
then compares, with real Keras 3.15.1 and PyTorch:
- Dropout in training: the same kept-value scale 1 / (1 - rate), and about `rate` of the values dropped;
- SpatialDropout2D, GaussianNoise, GaussianDropout and AlphaDropout in training: the same distributions
  as Keras (whole channels dropped with the same scale; the same noise mean and spread; AlphaDropout's
  dropped value and its preserved mean and variance);
- BatchNormalization in training: the forward pass uses the batch statistics exactly as Keras does, and
  the moving mean follows Keras' momentum. The moving variance is known to differ by the factor
  n / (n - 1) (PyTorch updates it with the unbiased batch variance, Keras with the biased one); the test
  pins that relation so a change on either side is noticed.

Run: .venv/bin/python test/training_mode_test.py   (prints `N passed, M failed`, exits non-zero on failure)
"""

import importlib.util
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = '''
import keras
from keras import layers

inputs = keras.Input(shape=(6,))
x = layers.Dense(8, name="fc")(inputs)
x = layers.BatchNormalization(momentum=0.9, name="bn")(x)
x = layers.Dropout(0.5, name="drop")(x)
model = keras.Model(inputs, x, name="train_check")
'''

NOISE_SOURCE = '''
import keras
from keras import layers

spatial = keras.Sequential([keras.Input(shape=(16, 16, 64)), layers.SpatialDropout2D(0.5)])
noise = keras.Sequential([keras.Input(shape=(4000,)), layers.GaussianNoise(0.3)])
gaussian_dropout = keras.Sequential([keras.Input(shape=(4000,)), layers.GaussianDropout(0.2)])
alpha_dropout = keras.Sequential([keras.Input(shape=(4000,)), layers.AlphaDropout(0.2)])
'''

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")


def main():
    work = tempfile.mkdtemp(prefix="keras2torch-train-")
    with open(os.path.join(work, "model.py"), "w") as f:
        f.write(SOURCE)
    subprocess.run([  # the real CLI, as a user runs it
        "node", os.path.join(ROOT, "bin", "keras2torch.js"), "convert", os.path.join(work, "model.py"), "-o", os.path.join(work, "out"), "-q",
    ], check=True)

    keras.utils.set_random_seed(7)
    namespace = {}
    exec(compile(SOURCE, "model.py", "exec"), namespace)
    kmodel = namespace["model"]
    rng = np.random.default_rng(0)
    for v in kmodel.weights:
        shape = tuple(v.shape)
        value = rng.uniform(0.5, 1.5, shape) if "variance" in v.path else rng.normal(0, 0.5, shape)
        v.assign(value.astype("float32"))
    kmodel.save(os.path.join(work, "model.keras"))
    subprocess.run([sys.executable, os.path.join(work, "out", "model_weights.py"), os.path.join(work, "model.keras"), os.path.join(work, "w.pt")], check=True)

    spec = importlib.util.spec_from_file_location("generated_train_check", os.path.join(work, "out", "model.py"))
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    tmodel = generated.TrainCheck()
    tmodel.load_state_dict(torch.load(os.path.join(work, "w.pt")), strict=True)

    # Dropout: inverted dropout with the same scale.
    ones = np.ones((200, 50), dtype="float32")
    kept_keras = np.unique(np.asarray(kmodel.get_layer("drop")(ones, training=True)))
    tmodel.train()
    dropped = tmodel.drop(torch.ones(200, 50)).numpy()
    check("Dropout keeps values scaled by 1/(1-rate), like Keras", set(np.round(np.unique(dropped), 5)) == set(np.round(kept_keras, 5)) == {0.0, 2.0}, f"torch {np.unique(dropped)}, keras {kept_keras}")
    check("Dropout drops about `rate` of the values", abs((dropped == 0).mean() - 0.5) < 0.02, f"{(dropped == 0).mean()}")

    # BatchNormalization: training forward with batch statistics (dropout off for a deterministic check).
    x = rng.normal(0, 1, (16, 6)).astype("float32")
    k_before = np.asarray(kmodel.get_layer("bn").moving_mean), np.asarray(kmodel.get_layer("bn").moving_variance)
    features = kmodel.get_layer("fc")(x)
    k_out = np.asarray(kmodel.get_layer("bn")(features, training=True))
    t_out = tmodel.bn(tmodel.fc(torch.from_numpy(x))).detach().numpy()
    check("BatchNormalization training forward matches Keras", np.abs(k_out - t_out).max() < 1e-4, f"max |diff| {np.abs(k_out - t_out).max()}")
    k_mean = np.asarray(kmodel.get_layer("bn").moving_mean)
    t_mean = tmodel.bn.running_mean.numpy()
    check("BatchNormalization moving mean follows Keras' momentum", np.abs(k_mean - t_mean).max() < 1e-5, f"{k_mean} vs {t_mean}")
    batch = np.asarray(features)
    n = batch.shape[0]
    expected_torch_var = 0.9 * k_before[1] + 0.1 * batch.var(axis=0, ddof=1)
    k_var = np.asarray(kmodel.get_layer("bn").moving_variance)
    check("Keras updates the moving variance with the biased batch variance", np.abs(k_var - (0.9 * k_before[1] + 0.1 * batch.var(axis=0))).max() < 1e-5)
    check(f"PyTorch updates it with the unbiased one (factor n/(n-1), n={n})", np.abs(tmodel.bn.running_var.numpy() - expected_torch_var).max() < 1e-5)

    noise_checks(work)

    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


def noise_checks(work):
    """Training-mode noise and dropout layers: compare distributions, not draws."""
    os.makedirs(os.path.join(work, "noise"), exist_ok=True)
    with open(os.path.join(work, "noise", "noise.py"), "w") as f:
        f.write(NOISE_SOURCE)
    subprocess.run(["node", os.path.join(ROOT, "bin", "keras2torch.js"), "convert", os.path.join(work, "noise", "noise.py"), "-o", os.path.join(work, "noise_out"), "-q"], check=True)
    namespace = {}
    exec(compile(NOISE_SOURCE, "noise.py", "exec"), namespace)
    spec = importlib.util.spec_from_file_location("generated_noise", os.path.join(work, "noise_out", "noise.py"))
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)

    def both(name, cls, x_keras, x_torch):
        k = np.asarray(namespace[name](x_keras, training=True))
        t = getattr(generated, cls)().train()(torch.from_numpy(x_torch)).detach().numpy()
        return k, t

    # SpatialDropout2D: each (sample, channel) map is dropped whole or kept scaled by 1 / (1 - rate).
    ones = np.ones((4, 16, 16, 64), dtype="float32")
    k, t = both("spatial", "Spatial", ones, np.ascontiguousarray(ones.transpose(0, 3, 1, 2)))
    k_maps, t_maps = k.transpose(0, 3, 1, 2).reshape(256, -1), t.reshape(256, -1)
    whole = lambda m: all(len(np.unique(row)) == 1 for row in m)  # noqa: E731
    check("SpatialDropout2D drops whole channel maps, like Keras", whole(k_maps) and whole(t_maps))
    check("SpatialDropout2D keeps maps scaled by 1/(1-rate), like Keras", set(np.unique(k_maps)) == set(np.unique(t_maps)) == {0.0, 2.0}, f"{np.unique(k_maps)} vs {np.unique(t_maps)}")
    check("SpatialDropout2D drops about `rate` of the maps", abs((t_maps[:, 0] == 0).mean() - 0.5) < 0.15 and abs((k_maps[:, 0] == 0).mean() - 0.5) < 0.15)

    # GaussianNoise: zero-mean noise of the given stddev.
    zeros = np.zeros((8, 4000), dtype="float32")
    k, t = both("noise", "Noise", zeros, zeros)
    check("GaussianNoise adds noise of Keras' stddev", abs(k.std() - 0.3) < 0.01 and abs(t.std() - 0.3) < 0.01 and abs(t.mean()) < 0.01, f"keras {k.std()}, torch {t.std()}")

    # GaussianDropout: multiplicative noise of mean 1 and stddev sqrt(rate / (1 - rate)).
    ones = np.ones((8, 4000), dtype="float32")
    k, t = both("gaussian_dropout", "GaussianDropout", ones, ones)
    want = np.sqrt(0.2 / 0.8)
    check("GaussianDropout's noise has Keras' mean and stddev", abs(k.mean() - 1) < 0.01 and abs(t.mean() - 1) < 0.01 and abs(k.std() - want) < 0.01 and abs(t.std() - want) < 0.01, f"keras {k.mean()} {k.std()}, torch {t.mean()} {t.std()}")

    # AlphaDropout: dropped units take one value, and a standard normal input keeps its mean and variance.
    x = np.random.default_rng(3).normal(0, 1, (8, 4000)).astype("float32")
    k, t = both("alpha_dropout", "AlphaDropout", x, x)
    mode = lambda a: float(np.round(np.unique(np.round(a, 5), return_counts=True)[0][np.argmax(np.unique(np.round(a, 5), return_counts=True)[1])], 4))  # noqa: E731
    check("AlphaDropout sets dropped units to Keras' value", abs(mode(k) - mode(t)) < 1e-3, f"keras {mode(k)}, torch {mode(t)}")
    check("AlphaDropout keeps a standard normal's mean and variance, like Keras", abs(t.mean()) < 0.03 and abs(t.std() - 1) < 0.03 and abs(k.mean()) < 0.03 and abs(k.std() - 1) < 0.03, f"keras {k.mean()} {k.std()}, torch {t.mean()} {t.std()}")


if __name__ == "__main__":
    sys.exit(main())

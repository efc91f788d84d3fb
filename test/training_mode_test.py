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
- LSTM, GRU and SimpleRNN `dropout`/`recurrent_dropout` in training: with both sides' masks patched to the
  same draws, the generated module equals Keras (input dropout alone, per-gate masks, go_backwards,
  return_state, initial_state, Bidirectional, generated KerasRNN cells, masked input dropout); with real draws, the input mask is the same at every step and the kept
  values are scaled by 1 / (1 - rate), like Keras, and eval does not drop.

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
drop_path = keras.Sequential([keras.Input(shape=(4, 4, 8)), layers.Dropout(0.5, noise_shape=(None, 1, 1, 1))])
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
    recurrent_dropout_checks(work)

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

    # Dropout(noise_shape=(None, 1, 1, 1)), EfficientNet's drop-path: each sample kept whole (scaled) or dropped.
    ones = np.ones((400, 4, 4, 8), dtype="float32")
    k, t = both("drop_path", "DropPath", ones, ones)
    k_rows, t_rows = k.reshape(400, -1), t.reshape(400, -1)
    check("Dropout with noise_shape drops whole samples, like Keras", whole(k_rows) and whole(t_rows))
    check("Dropout with noise_shape keeps values scaled by 1/(1-rate), like Keras", set(np.unique(k_rows)) == set(np.unique(t_rows)) == {0.0, 2.0}, f"{np.unique(k_rows)} vs {np.unique(t_rows)}")
    check("Dropout with noise_shape drops about `rate` of the samples", abs((t_rows[:, 0] == 0).mean() - 0.5) < 0.1 and abs((k_rows[:, 0] == 0).mean() - 0.5) < 0.1)

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


RECURRENT_SOURCE = '''
import keras
from keras import layers

inputs = keras.Input(shape=(7, 5))
h0 = keras.Input(shape=(6,))
c0 = keras.Input(shape=(6,))
x = layers.LSTM(6, dropout=0.4, recurrent_dropout=0.3, return_sequences=True, name="both")(inputs)
y, h, c = layers.LSTM(6, dropout=0.5, go_backwards=True, return_sequences=True, return_state=True, name="input_only")(x, initial_state=[h0, c0])
g = layers.GRU(6, dropout=0.3, recurrent_dropout=0.4, return_sequences=True, name="gru")(y)
g2, gh = layers.GRU(6, dropout=0.5, go_backwards=True, return_state=True, name="gru_input")(g, initial_state=h0)
s = layers.SimpleRNN(6, dropout=0.3, recurrent_dropout=0.5, activation="relu", name="simple")(g)
s2 = layers.SimpleRNN(6, recurrent_dropout=0.5, go_backwards=True, return_sequences=True, name="simple_rec")(x)
bi, bh1, bc1, bh2, bc2 = layers.Bidirectional(layers.LSTM(6, dropout=0.3, recurrent_dropout=0.2, return_sequences=True, return_state=True), name="bi")(x, initial_state=[h0, c0, c0, h0])
bg = layers.Bidirectional(layers.GRU(6, dropout=0.4), merge_mode="sum", name="bi_gru")(bi)
k1 = layers.LSTM(6, activation="relu", dropout=0.3, recurrent_dropout=0.4, go_backwards=True, name="gen_lstm")(x, initial_state=[h0, c0])
k2 = layers.GRU(6, reset_after=False, dropout=0.4, return_sequences=True, name="gen_gru")(x)
k3 = layers.GRU(6, reset_after=False, dropout=0.2, recurrent_dropout=0.3, name="gen_gru_rec")(k2)
k4 = layers.Bidirectional(layers.LSTM(6, activation="relu", recurrent_dropout=0.3), name="gen_bi")(x)
masked = layers.Masking(name="masking")(inputs)
m1 = layers.LSTM(6, dropout=0.5, name="masked")(masked)
m2 = layers.GRU(6, dropout=0.3, go_backwards=True, return_sequences=True, name="masked_gru")(masked)
model = keras.Model([inputs, h0, c0], [y, h, c, g2, gh, s, s2, bi, bh1, bc1, bh2, bc2, bg, k1, k2, k3, k4, m1, m2], name="recurrent_train")

probe = keras.Sequential([keras.Input(shape=(9, 400)), layers.SimpleRNN(400, dropout=0.5, activation="relu", name="rnn")])
probe_rec = keras.Sequential([keras.Input(shape=(9, 400)), layers.SimpleRNN(400, dropout=0.5, recurrent_dropout=0.25, activation="relu", return_sequences=True, name="rnn")])
'''


def recurrent_dropout_checks(work):
    """Recurrent dropout in training: exact against Keras with the same masks, then the masks' structure."""
    from keras.src.layers.rnn.dropout_rnn_cell import DropoutRNNCell

    os.makedirs(os.path.join(work, "rec"), exist_ok=True)
    with open(os.path.join(work, "rec", "rec.py"), "w") as f:
        f.write(RECURRENT_SOURCE)
    subprocess.run(["node", os.path.join(ROOT, "bin", "keras2torch.js"), "convert", os.path.join(work, "rec", "rec.py"), "-o", os.path.join(work, "rec_out"), "-q"], check=True)
    namespace = {}
    exec(compile(RECURRENT_SOURCE, "rec.py", "exec"), namespace)
    kmodel = namespace["model"]
    rng = np.random.default_rng(1)
    for v in kmodel.weights:
        v.assign(rng.normal(0, 0.4, tuple(v.shape)).astype("float32"))
    kmodel.save(os.path.join(work, "rec.keras"))
    subprocess.run([sys.executable, os.path.join(work, "rec_out", "rec_weights.py"), "--model", "RecurrentTrain", os.path.join(work, "rec.keras"), os.path.join(work, "rec.pt")], check=True)
    spec = importlib.util.spec_from_file_location("generated_rec", os.path.join(work, "rec_out", "rec.py"))
    generated = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generated)
    tmodel = generated.RecurrentTrain()
    tmodel.load_state_dict(torch.load(os.path.join(work, "rec.pt")), strict=True)

    # The same masks on both sides: Keras' draws (0/1 keep patterns) are replayed by torch.bernoulli, layer by
    # layer in each layer's draw order (the two sides may run independent layers in another order).
    drawn = {}
    layer_of_cell = {id(layer.cell): layer.name for layer in kmodel.layers if hasattr(layer, "cell")}
    # A Bidirectional's two layers draw in one torch call: forward first, as Keras runs them.
    layer_of_cell.update({id(side.cell): layer.name for layer in kmodel.layers if hasattr(layer, "forward_layer") for side in (layer.forward_layer, layer.backward_layer)})
    current = [None]
    mask_rng = np.random.default_rng(5)

    def keras_masks(self, step_input, rate):
        count = getattr(self, "dropout_mask_count", None)
        masks = []
        for _ in range(count or 1):
            keep = (mask_rng.random(tuple(step_input.shape)) >= rate).astype("float32")
            drawn.setdefault(layer_of_cell[id(self)], []).append(keep)
            masks.append(keras.ops.convert_to_tensor(keep / (1 - rate)))
        return masks if count else masks[0]

    def torch_bernoulli(p, *args, **kwargs):
        # A masked layer's input mask is drawn in forward before its module runs; its keep rate names it.
        layer = {0.5: "masked", 0.7: "masked_gru"}[round(float(p.flatten()[0]), 4)] if p.dim() == 3 else current[0]
        keep = drawn[layer].pop(0)
        # A masked layer's input mask is drawn as (batch, 1, features).
        assert keep.size == p.numel() and keep.shape[-1] == p.shape[-1], (current[0], keep.shape, tuple(p.shape))
        return torch.from_numpy(keep).reshape(p.shape)

    helper = generated.keras_recurrent_dropout
    module_names = {id(m): n for n, m in tmodel.named_children()}

    def traced_helper(rnn, *args, **kwargs):
        current[0] = module_names[id(rnn)]
        return helper(rnn, *args, **kwargs)

    # Generated KerasRNN modules draw in their own forward.
    for child_name, child in tmodel.named_children():
        child.register_forward_pre_hook(lambda module, args, child_name=child_name: current.__setitem__(0, child_name))

    xs = [rng.normal(0, 1, (3, 7, 5)).astype("float32"), rng.normal(0, 1, (3, 6)).astype("float32"), rng.normal(0, 1, (3, 6)).astype("float32")]
    xs[0][0, 5:] = 0  # masked steps for the Masking layer
    xs[0][1, 2] = 0
    original_masks, original_bernoulli = DropoutRNNCell._create_dropout_mask, torch.bernoulli
    DropoutRNNCell._create_dropout_mask = keras_masks
    generated.keras_recurrent_dropout = traced_helper
    try:
        k_out = [np.asarray(o) for o in kmodel(xs, training=True)]
        draws = sum(len(v) for v in drawn.values())
        torch.bernoulli = torch_bernoulli
        tmodel.train()
        with torch.no_grad():
            t_out = [o.numpy() for o in tmodel(*[torch.from_numpy(a) for a in xs])]
    finally:
        DropoutRNNCell._create_dropout_mask, torch.bernoulli = original_masks, original_bernoulli
        generated.keras_recurrent_dropout = helper
    drawn = [m for v in drawn.values() for m in v]
    # both: 4 + 4, input_only: 1, gru: 3 + 3, gru_input: 1, simple: 1 + 1, simple_rec: 1, bi: 2 * (4 + 4), bi_gru: 2 * 1,
    # gen_lstm: 4 + 4, gen_gru: 1, gen_gru_rec: 3 + 3, gen_bi: 2 * 4, masked: 1, masked_gru: 1
    check("recurrent layers draw Keras' masks in training (per gate with recurrent_dropout, per direction)", draws == 62 and not drawn, f"{draws} drawn by Keras, {len(drawn)} left by torch")
    diffs = [float(np.abs(k - t).max()) for k, t in zip(k_out, t_out)]
    check("LSTM/GRU/SimpleRNN (Bidirectional, generated KerasRNN) dropout in training equal Keras with the same masks", max(diffs) < 1e-5, f"max |diff| per output {diffs}")
    tmodel.eval()
    with torch.no_grad():
        e_out = [o.numpy() for o in tmodel(*[torch.from_numpy(a) for a in xs])]
    k_eval = [np.asarray(o) for o in kmodel(xs, training=False)]
    check("in eval the recurrent layers do not drop, like Keras", max(float(np.abs(k - t).max()) for k, t in zip(k_eval, e_out)) < 1e-5)
    check("training output differs from eval", min(float(np.abs(t - e).max()) for t, e in zip(t_out, e_out)) > 1e-3)

    # Structure of real draws: a SimpleRNN with kernel I, recurrent kernel 0 and relu returns its masked
    # input, so an all-ones sequence shows the input mask at every step.
    for which, cls in (("probe", "Probe"), ("probe_rec", "ProbeRec")):
        klayer = namespace[which].get_layer("rnn")
        klayer.cell.kernel.assign(np.eye(400, dtype="float32"))
        klayer.cell.recurrent_kernel.assign(np.zeros((400, 400), dtype="float32"))
        klayer.cell.bias.assign(np.zeros(400, dtype="float32"))
        tprobe = getattr(generated, cls)().train()
        with torch.no_grad():
            tprobe.rnn.weight_ih_l0.copy_(torch.eye(400))
            tprobe.rnn.weight_hh_l0.zero_()
            tprobe.rnn.bias_ih_l0.zero_()
            tprobe.rnn.bias_hh_l0.zero_()
            ones = np.ones((50, 9, 400), dtype="float32")
            k = np.asarray(namespace[which](ones, training=True))
            t = tprobe(torch.from_numpy(ones)).numpy()
        if k.ndim == 2:  # the last step only: compare with one step's mask via two calls' shapes below
            k, t = k[:, None], t[:, None]
        const = lambda a: bool((a == a[:, :1]).all())  # noqa: E731
        check(f"{which}: the input mask is the same at every step, like Keras", const(k) and const(t))
        check(f"{which}: kept inputs are scaled by 1/(1-rate), like Keras", set(np.round(np.unique(k), 4)) == set(np.round(np.unique(t), 4)) == {0.0, 2.0}, f"keras {np.unique(k)}, torch {np.unique(t)}")
        check(f"{which}: about `rate` of the inputs dropped, like Keras", abs((t == 0).mean() - 0.5) < 0.02 and abs((k == 0).mean() - 0.5) < 0.02, f"keras {(k == 0).mean()}, torch {(t == 0).mean()}")

    # Recurrent mask scale: kernel 0, recurrent kernel I, bias 1: h1 = 1, h2 = 1 + m, with m in {0, 1/(1-rate)}.
    klayer = namespace["probe_rec"].get_layer("rnn")
    klayer.cell.kernel.assign(np.zeros((400, 400), dtype="float32"))
    klayer.cell.recurrent_kernel.assign(np.eye(400, dtype="float32"))
    klayer.cell.bias.assign(np.ones(400, dtype="float32"))
    tprobe = generated.ProbeRec().train()
    with torch.no_grad():
        tprobe.rnn.weight_ih_l0.zero_()
        tprobe.rnn.weight_hh_l0.copy_(torch.eye(400))
        tprobe.rnn.bias_ih_l0.fill_(1.0)
        tprobe.rnn.bias_hh_l0.zero_()
        ones = np.ones((50, 9, 400), dtype="float32")
        k = np.asarray(namespace["probe_rec"](ones, training=True))[:, 1]
        t = tprobe(torch.from_numpy(ones)).numpy()[:, 1]
    check("recurrent dropout keeps the state scaled by 1/(1-rate), like Keras", np.allclose(np.unique(k), [1, 1 + 1 / 0.75]) and np.allclose(np.unique(t), [1, 1 + 1 / 0.75]), f"keras {np.unique(k)}, torch {np.unique(t)}")
    check("recurrent dropout drops about `rate` of the state, like Keras", abs((t == 1).mean() - 0.25) < 0.02 and abs((k == 1).mean() - 0.25) < 0.02, f"keras {(k == 1).mean()}, torch {(t == 1).mean()}")


if __name__ == "__main__":
    sys.exit(main())

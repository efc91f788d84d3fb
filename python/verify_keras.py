"""`keras2torch verify`, the Keras side: python verify_keras.py JOB.json

Runs the user's model file (as a module, so its `if __name__ == "__main__":` block does not run),
builds the model the job names, loads the trained weights with Keras itself, and writes to the job's
work folder:
  keras.npz   the inputs (Keras layout), the outputs, every tapped layer's output and, with `grad`,
              the gradient of the fixed loss with respect to every mapped weight
  keras.json  backend and versions, timings per batch size, what could not be done and why
Any Keras 3 backend works: KERAS_BACKEND picks it as usual.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify_common as common  # noqa: E402


def check_installed(result_path):
    # Everything verify needs, reported at once: torch and h5py are the PyTorch process's, looked up
    # here (not imported) so the user hears about every missing package in one run.
    missing = [common.missing_entry(m, "verify") for m in common.missing_modules(["numpy"])]
    missing += [common.missing_entry(m, "the Keras side") for m in common.missing_modules(["keras"])]
    missing += [common.missing_entry(m, "the PyTorch side") for m in common.missing_modules(["torch", "h5py"])]
    if missing:
        common.fail_missing(result_path, missing)


def check_dependencies(result_path):
    check_installed(result_path)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        import keras  # noqa: F401
    except ModuleNotFoundError as error:
        # Keras imports its backend (KERAS_BACKEND, tensorflow by default) and h5py on import.
        name = (error.name or "").split(".")[0] or "unknown"
        backend = os.environ.get("KERAS_BACKEND", "tensorflow")
        role = f"Keras' backend (KERAS_BACKEND={backend})" if name in ("tensorflow", "jax", "torch") else "Keras"
        common.fail_missing(result_path, [common.missing_entry(name, role)])


def build_model(job, keras):
    import runpy

    path = os.path.abspath(job["model_file"])
    sys.path.insert(0, os.path.dirname(path))
    scope = runpy.run_path(path, run_name="__keras2torch_verify__")
    if job.get("entry"):
        candidate = eval(job["entry"], scope)  # noqa: S307 (the user's own --entry, as convert read it)
        candidates = [candidate]
    else:
        candidates = [scope[n] for n in job["names"] if n in scope]
    for obj in candidates:
        if isinstance(obj, keras.Model):
            return obj
    for obj in candidates:
        if callable(obj) and not isinstance(obj, type):
            made = obj()
            if isinstance(made, keras.Model):
                return made
    raise RuntimeError(f"{job['model_file']}: none of {job.get('entry') or job['names']} is a Keras model after running the file")


def load_inputs(job, np):
    data = np.load(job["npz"])
    names = [spec["name"] for spec in job["inputs"]]
    if all(n in data.files for n in names):
        return [data[n] for n in names]
    positional = [f"arr_{i}" for i in range(len(names))]
    if all(n in data.files for n in positional):
        return [data[n] for n in positional]
    if len(names) == 1 and len(data.files) == 1:
        return [data[data.files[0]]]
    raise RuntimeError(f"{job['npz']}: expected arrays named {names} (or arr_0...), found {data.files}")


def model_inputs(arrays):
    return arrays[0] if len(arrays) == 1 else list(arrays)


def output_list(job, outputs, keras):
    if isinstance(outputs, dict):
        return [outputs[spec["name"]] for spec in job["outputs"]]
    if isinstance(outputs, (list, tuple)):
        return list(outputs)
    return [outputs]


def to_numpy(value, keras, np):
    return np.asarray(keras.ops.convert_to_numpy(value))


def layer_outputs(job, model, arrays, keras, np):
    """Every tapped layer's output, from a keras.Model that exposes them (graph-built models)."""
    taps = job["layers"]
    if not taps:
        return {}, "the model has no layer table (a subclassed model): only its outputs are compared"
    try:
        symbolic = []
        for tap in taps:
            layer = model.get_layer(tap["name"])
            out = layer._get_node_attribute_at_index(tap["call"], "output_tensors", "output")
            flat = keras.tree.flatten(out)
            symbolic.append(flat)
        probe = keras.Model(model.inputs, [t for group in symbolic for t in group])
        values = probe(model_inputs(arrays), training=False)
        values = values if isinstance(values, (list, tuple)) else [values]
    except Exception as error:  # noqa: BLE001 (reported, the outputs are still compared)
        return {}, f"Keras' layer outputs could not be exposed: {common.short_error(error)}"
    result, i = {}, 0
    for index, group in enumerate(symbolic):
        for j in range(len(group)):
            result[f"layer_{index}_{j}"] = to_numpy(values[i], keras, np)
            i += 1
    return result, None


def saved_variables(model):
    """Keras 3 saving path (`layers/conv2d/vars/0`) -> variable, walked as Keras' own saver walks."""
    from keras.src.saving import saving_lib

    found = {}

    class Recorder(saving_lib.NpzIOStore):
        # Passes _save_state's type check; records instead of writing.
        def __init__(self):
            pass

        def __bool__(self):
            return True

        def make(self, path, metadata=None):
            prefix = f"{path}/vars" if path else "vars"

            class Entry(dict):
                def __setitem__(self, key, value):
                    found[f"{prefix}/{key}"] = value

            return Entry()

    try:
        saving_lib._save_state(model, Recorder(), None, "", set())
    except Exception:  # noqa: BLE001 (a private API: fall back to layer names)
        return {}
    return found


def sublayer_outputs(job, model, arrays, keras, np):
    """For a model without a layer table (subclassed): the output of every layer that owns a mapped
    weight, recorded during one eager call, keyed by the PyTorch submodule the mapping moves it to.
    A layer with an activation also records the activation's input: the generated code may apply the
    activation outside the submodule (`F.relu(self.conv(x))`)."""
    by_path = saved_variables(model)
    owner = {}
    for layer in model._flatten_layers(include_self=False, recursive=True):
        for v in list(layer._trainable_variables) + list(layer._non_trainable_variables):
            owner.setdefault(id(v), layer)
    pairs, seen = [], set()
    for row in job["mapping"]:
        variable = by_path.get(row["keras3Path"])
        layer = owner.get(id(variable)) if variable is not None else None
        module = row["key"].rsplit(".", 1)[0]
        if layer is None or module in seen or "." not in row["key"]:
            continue
        seen.add(module)
        pairs.append((module, layer))
    records = {module: {"out": [], "pre": []} for module, _ in pairs}
    linear = keras.activations.get("linear")
    restore = []
    for module, layer in pairs:
        rec = records[module]

        def wrapped(*args, _call=layer.call, _rec=rec, **kwargs):
            out = _call(*args, **kwargs)
            flat = keras.tree.flatten(out)
            if flat:
                _rec["out"].append(to_numpy(flat[0], keras, np))
            return out

        restore.append((layer, "call", layer.call))
        object.__setattr__(layer, "call", wrapped)
        activation = getattr(layer, "activation", None)
        if callable(activation) and activation is not linear:

            def pre(x, _act=activation, _rec=rec):
                _rec["pre"].append(to_numpy(x, keras, np))
                return _act(x)

            restore.append((layer, "activation", activation))
            object.__setattr__(layer, "activation", pre)
    try:
        model(model_inputs(arrays), training=False)
    finally:
        for layer, name, value in reversed(restore):
            object.__setattr__(layer, name, value)
    table, result = [], {}
    for index, (module, layer) in enumerate(pairs):
        rec = records[module]
        if not rec["out"]:
            continue
        result[f"sub_{index}"] = rec["out"][0]
        if rec["pre"]:
            result[f"subpre_{index}"] = rec["pre"][0]
        table.append({"index": index, "module": module, "name": layer.name, "class": type(layer).__name__, "calls": len(rec["out"])})
    return result, table


def mapped_variables(job, model):
    """The Keras variable of each trainable mapping row: by its saving path, else by layer name and index."""
    import keras

    by_path = saved_variables(model)
    pairs, skipped = [], []
    for index, row in enumerate(job["mapping"]):
        if not row.get("trainable", True):
            continue
        variable = by_path.get(row["keras3Path"])
        if not isinstance(variable, keras.Variable):
            try:
                variable = model.get_layer(row["legacyLayer"]).weights[row["legacyIndex"]]
            except (ValueError, IndexError, KeyError) as error:
                skipped.append({"key": row["key"], "reason": common.short_error(error)})
                continue
        if list(variable.shape) != list(row["kerasShape"]) or not variable.trainable:
            skipped.append({"key": row["key"], "reason": f"Keras variable {variable.path} has shape {list(variable.shape)}"})
            continue
        pairs.append((index, variable))
    return pairs, skipped


def gradients(model, arrays, variables, keras, np):
    """d loss / d variable with the backend's own autodiff; loss = sum over outputs of mean(out**2)."""
    backend = keras.backend.backend()
    x = model_inputs(arrays)

    def loss_of(outputs):
        flat = keras.tree.flatten(outputs)
        return sum(keras.ops.mean(keras.ops.square(keras.ops.cast(o, "float32"))) for o in flat)

    if backend == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_of(model(x, training=False))
        grads = tape.gradient(loss, [v.value for v in variables])
    elif backend == "torch":
        for v in variables:
            v.value.grad = None
        loss = loss_of(model(x, training=False))
        loss.backward()
        grads = [v.value.grad for v in variables]
    elif backend == "jax":
        import jax

        trainable = model.trainable_variables
        others = model.non_trainable_variables

        def f(values):
            outputs, _ = model.stateless_call(values, [v.value for v in others], x, training=False)
            return loss_of(outputs)

        all_grads = jax.grad(f)([v.value for v in trainable])
        by_id = {id(v): g for v, g in zip(trainable, all_grads)}
        grads = [by_id.get(id(v)) for v in variables]
    else:
        raise RuntimeError(f"gradients are not implemented for the Keras backend `{backend}`")
    return [None if g is None else to_numpy(g, keras, np) for g in grads]


def main(job_path):
    import json

    with open(job_path) as f:
        job = json.load(f)
    result_path = os.path.join(job["workdir"], "keras.json")
    check_dependencies(result_path)
    import keras
    import numpy as np

    info = {"backend": keras.backend.backend(), "keras_version": keras.__version__, "notes": [], "speed": []}
    model = build_model(job, keras)
    rng = np.random.default_rng(job["seed"])
    if job.get("npz"):
        arrays = load_inputs(job, np)
    else:
        arrays = common.random_inputs(job, job["compare_batch"], rng, np)
    # Subclassed models (and their layers) get their variables on the first call; `build()` alone
    # may leave the inner layers unbuilt.
    model(model_inputs(arrays), training=False)
    model.load_weights(job["weights"])
    arrays_out = {f"input_{i}": a for i, a in enumerate(arrays)}
    outputs = output_list(job, model(model_inputs(arrays), training=False), keras)
    for i, o in enumerate(outputs):
        arrays_out[f"output_{i}"] = to_numpy(o, keras, np)
    taps, note = layer_outputs(job, model, arrays, keras, np)
    arrays_out.update(taps)
    info["layers"] = note is None
    if not job["layers"]:
        try:
            subs, table = sublayer_outputs(job, model, arrays, keras, np)
            arrays_out.update(subs)
            info["sublayers"] = table
            note = "the model has no layer table (a subclassed model): its layers with weights are compared by the submodule their weights move to"
        except Exception as error:  # noqa: BLE001 (the outputs are still compared)
            note = f"the layers of this subclassed model could not be recorded: {common.short_error(error)}"
    if note:
        info["notes"].append(note)
    if job.get("grad"):
        pairs, skipped = mapped_variables(job, model)
        info["grad_skipped"] = skipped
        grads = gradients(model, arrays, [v for _, v in pairs], keras, np)
        info["grad_rows"] = []
        for (index, variable), g in zip(pairs, grads):
            if g is None:
                info["grad_skipped"].append({"key": job["mapping"][index]["key"], "reason": "Keras gives no gradient"})
                continue
            arrays_out[f"grad_{index}"] = g
            info["grad_rows"].append({"row": index, "keras_variable": variable.path})
    np.savez(os.path.join(job["workdir"], "keras.npz"), **arrays_out)
    if job.get("speed"):
        for batch in job["batches"]:
            x = model_inputs(common.random_inputs(job, batch, np.random.default_rng(job["seed"] + batch), np))
            # predict_on_batch runs Keras' compiled inference function (tf.function, jax.jit, ...).
            stats = common.timings(lambda: model.predict_on_batch(x), job["warmup"], job["repeats"])
            info["speed"].append({"batch": batch, "keras": stats})
    common.write_json(result_path, info)


if __name__ == "__main__":
    # `--check RESULT.json`: only look the packages up (fast, nothing imported), before compiling.
    if sys.argv[1] == "--check":
        check_installed(sys.argv[2])
    else:
        main(sys.argv[1])

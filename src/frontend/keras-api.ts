// The Keras API as the evaluator sees it: constructors and calls of layers, Input, Model and
// Sequential, and attributes of symbolic tensors and models. Everything maps onto the GraphBuilder.
import type { ConfigValue, DType, LayerDef, OutputStructure, Shape, SourceRange } from "../ir/types.js";
import type { LayerRule } from "../rules/types.js";
import { ruleFor } from "../rules/registry.js";
import { RECURRENT_CELLS, cellSignature } from "../rules/recurrent.js";
import { EvalError, iterate, numberOf, unknown } from "./builtins.js";
import type { GraphBuilder, SequentialDraft } from "./graph.js";
import { isKerasPath, kerasRelative, resolveKeras } from "./names.js";
import { keras2Call } from "./keras1-spellings.js";
import { TRAINING_ONLY as TRAINING_ONLY_SUFFIX } from "./keras-config.js";
import type { OpRule } from "../ops/types.js";
import { applyOp, opFor } from "./ops.js";
import { NONE, isUnknown, py, truthy, typeName, type CallArgs, type PyValue } from "./values.js";

/** Constructor arguments that only affect training or initialization, never inference. */
const TRAINING_ONLY = new Set([
  "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
  "kernel_constraint", "bias_constraint", "beta_initializer", "gamma_initializer", "moving_mean_initializer",
  "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
  "trainable", "dtype", "autocast", "synchronized", "fused", "renorm", "renorm_clipping", "renorm_momentum",
  "virtual_batch_size", "adjustment", "lora_rank", "lora_alpha", "quantization_config", "seed",
  "depthwise_initializer", "pointwise_initializer", "depthwise_regularizer", "pointwise_regularizer",
  "depthwise_constraint", "pointwise_constraint",
]);

/** Arguments of any layer that describe the model input (Keras 2 style, first layer of a Sequential). */
const INPUT_SPEC_ARGS = new Set(["input_shape", "batch_input_shape", "input_dim", "batch_size", "input_length"]);

/** Method calls on models that do not change the architecture. */
export const MODEL_NO_OPS = new Set([
  "summary", "compile", "fit", "evaluate", "predict", "save", "save_weights", "load_weights", "build", "fit_generator",
  "to_json", "get_config", "count_params", "train_on_batch", "test_on_batch", "predict_on_batch", "export",
]);

/** A layer's `input_shape`, `batch_input_shape` or `input_dim` argument, with its `dtype`. */
interface GivenInputSpec {
  shape?: PyValue;
  batchShape?: PyValue;
  dim?: PyValue;
  dtype?: PyValue;
  range: SourceRange;
}

function givenInputSpec(call: CallArgs, isOwnArgument: (key: string) => boolean): GivenInputSpec | null {
  const [key] = ["batch_input_shape", "input_shape", "input_dim"].filter((k) => call.kwargs.has(k) && !isOwnArgument(k));
  if (!key) return null;
  const value = call.kwargs.get(key)!;
  const range = call.kwargRanges.get(key)!;
  const dtype = call.kwargs.get("dtype");
  return { ...(key === "batch_input_shape" ? { batchShape: value } : key === "input_shape" ? { shape: value } : { dim: value }), ...(dtype ? { dtype } : {}), range };
}

/** The values `set_image_data_format` and Keras 1's `set_image_dim_ordering` take. */
const IMAGE_DATA_FORMATS: Record<string, "channels_last" | "channels_first"> = { channels_last: "channels_last", channels_first: "channels_first", tf: "channels_last", th: "channels_first" };

/** Keras 1's `merge` modes, as the Keras 2 merge functions they are (`keras.layers.add`). */
const KERAS1_MERGE_MODES: Record<string, string> = { sum: "add", mul: "multiply", ave: "average", max: "maximum", concat: "concatenate", dot: "dot" };

/** Comparison op rules that Python numbers alone decide statically. */
const STATIC_COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  greater: (a, b) => a > b,
  greater_equal: (a, b) => a >= b,
  less: (a, b) => a < b,
  less_equal: (a, b) => a <= b,
  equal: (a, b) => a === b,
  not_equal: (a, b) => a !== b,
};

/** The first unknown value among `values` and the lists, tuples and dicts they hold. */
function firstUnknown(values: PyValue[]): PyValue | undefined {
  for (const v of values) {
    if (v.t === "unknown") return v;
    const inner = v.t === "list" || v.t === "tuple" ? firstUnknown(v.items) : v.t === "dict" ? firstUnknown([...v.entries.values()].map(([, item]) => item)) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/** Model methods whose result is data known only at run time: predictions, scores, a History, a config. */
export const MODEL_RESULTS: ReadonlySet<string> = new Set([
  "fit", "evaluate", "predict", "fit_generator", "predict_generator", "evaluate_generator", "train_on_batch", "test_on_batch",
  "predict_on_batch", "to_json", "to_yaml", "get_config", "count_params", "get_weights",
]);

/** What a model method that leaves the structure alone returns: None, or its run-time result (`preds = model.predict(x)`). */
export function modelMethodResult(name: string, range: SourceRange): PyValue {
  return MODEL_RESULTS.has(name) ? unknown(`the result of \`Model.${name}()\` is known only at run time`, range) : NONE;
}

/** The first leaf of a (nested) structure that is not a tensor: what to report. */
function firstNonTensor(value: PyValue): PyValue {
  if (value.t === "tuple" || value.t === "list") return value.items.map(firstNonTensor).find((v) => v.t !== "tensor") ?? value;
  if (value.t === "dict") return [...value.entries.values()].map(([, v]) => firstNonTensor(v)).find((v) => v.t !== "tensor") ?? value;
  return value;
}

interface InputSpec {
  shape: Shape;
  dtype: DType;
}

export class KerasApi {
  /** `input_shape=`-style specs given to layers, for Sequential's first layer. */
  private readonly layerInputSpecs = new Map<number, InputSpec>();
  /** Layers whose `input_shape=` could not be evaluated (reported where it was written). */
  private readonly failedInputSpecs = new Set<number>();

  /** Keras' global image data format (`keras.json`'s default until the file sets it): the default of every layer's `data_format`. */
  private imageDataFormat: "channels_last" | "channels_first" = "channels_last";

  constructor(private readonly graph: GraphBuilder) {}

  callQualified(path: string, call: CallArgs): PyValue {
    // `copy.deepcopy(DEFAULT_BLOCKS_ARGS)` (EfficientNet): plain data is copied; anything else is shared.
    if (path === "copy.deepcopy" || path === "copy.copy") {
      const deep = path === "copy.deepcopy";
      const copy = (v: PyValue, depth: number): PyValue => {
        const inner = (x: PyValue) => (deep && depth < 64 ? copy(x, depth + 1) : x);
        if (v.t === "list") return { ...v, items: v.items.map(inner) };
        if (v.t === "tuple" && deep) return { ...v, items: v.items.map(inner) };
        if (v.t === "dict") return { t: "dict", entries: new Map([...v.entries].map(([k, [key, value]]) => [k, [key, inner(value)]])) };
        return v;
      };
      const [value] = call.args;
      return value ? copy(value, 0) : unknown(`${path}() needs an argument`, call.range);
    }
    // Keras' fuzz factor, 1e-7 unless a user's keras.json says otherwise (keras2torch follows Keras' defaults).
    if (/^(backend|config)\.epsilon$/.test(kerasRelative(path) ?? "")) return py.float(1e-7);
    // Keras' backend name: the reference Keras runs TensorFlow (NASNet refuses only "torch").
    if (path === "keras.src.backend.backend" || path === "keras.backend.backend" || path === "keras.config.backend") return py.str("tensorflow");
    // `np.linspace(0.0, rate, n)` on constants (ConvNeXt's drop-path rates): the list of floats it iterates as.
    if (path === "numpy.linspace") {
      const [a, b, n] = [call.args[0], call.args[1], call.args[2] ?? call.kwargs.get("num") ?? py.int(50)].map((v) => (v ? numberOf(v) : null));
      if (a !== null && b !== null && n !== null && n !== undefined && a !== undefined && b !== undefined && Number.isInteger(n) && n >= 0 && n <= 100_000 && call.kwargs.size === (call.kwargs.has("num") ? 1 : 0)) {
        return py.list(Array.from({ length: n }, (_, i) => py.float(n === 1 ? a : a + ((b - a) * i) / (n - 1))));
      }
    }
    // An application's `weights="imagenet"` (or a weights URL): keras2torch reads architecture, never downloads.
    if (path === "keras.src.utils.file_utils.get_file") {
      this.graph.report(
        "info",
        "pretrained-weights",
        "the pretrained weights are not downloaded: the generated class has the architecture only; the weights script loads them from your saved .keras/.h5 file, which holds the backbone's (fine-tuned) weights",
        call.range,
      );
      return py.str("<pretrained weights, not downloaded>");
    }
    // An application built on a tensor of the user's graph (`MobileNetV2(input_tensor=x)`) asks whether it
    // is a symbolic tensor, and which Inputs compute it: its model then starts at those Inputs.
    const relative = kerasRelative(path);
    if (relative === "backend.is_keras_tensor" || relative === "backend.common.keras_tensor.is_keras_tensor") {
      const [value] = call.args;
      if (!value || isUnknown(value)) return value ?? unknown(`${path}() needs an argument`, call.range);
      return py.bool(value.t === "tensor");
    }
    if (relative === "ops.operation_utils.get_source_inputs" || relative === "utils.get_source_inputs") {
      const [value] = call.args;
      if (value?.t !== "tensor") return value ?? unknown(`${path}() needs an argument`, call.range);
      return py.list(this.graph.sourceInputs(value.id).map((id): PyValue => ({ t: "tensor", id })));
    }
    const op = opFor(path);
    if (op && op.rule.name !== "shape") return this.op(op.rule, op.qualifiedName, call);
    const dataset = this.kerasDataset(path, call);
    if (dataset) return dataset;
    const symbol = resolveKeras(path);
    if (!symbol) {
      const array = this.numpyArray(path, call) ?? this.numpyOfArrays(path, call);
      if (array) return array;
      // `np.expand_dims(np.load(path), -1)`: the value is unknown where its argument became unknown.
      const unknownArg = path.startsWith("numpy.") ? [...call.args, ...call.kwargs.values()].find(isUnknown) : undefined;
      if (unknownArg) return unknownArg;
      const shown = path.replace(/^tensorflow\./, "tf.");
      if (/^tensorflow\.(py_function|numpy_function|py_func)$/.test(path)) {
        return unknown(`\`${shown}\` runs Python code on tensors at run time, which cannot be translated statically; write it with keras.ops or tf operations`, call.range);
      }
      if (path.startsWith("tensorflow.")) return unknown(`\`${shown}\` is not in the operations registry yet (docs/supported-operations.md lists what is)`, call.range);
      return unknown(`\`${path}\` is not evaluated statically (it is not part of Keras or the input set)`, call.range);
    }
    switch (symbol.kind) {
      case "layer":
        return this.constructLayer(symbol.cls, call, path.split(".").pop()!);
      case "layer-function": {
        const [inputs, ...rest] = call.args;
        const layer = this.constructLayer(symbol.cls, { ...call, args: rest, argRanges: call.argRanges.slice(1) });
        return layer.t === "layer" && inputs ? this.callObject(layer, { ...call, args: [inputs], kwargs: new Map(), argRanges: call.argRanges.slice(0, 1) }) : layer;
      }
      case "keras1-merge": {
        const mode = call.kwargs.get("mode") ?? call.args[1];
        const fn = mode?.t === "str" ? KERAS1_MERGE_MODES[mode.v] : undefined;
        if (!fn) return unknown(`Keras 1's \`merge\` is supported with mode ${Object.keys(KERAS1_MERGE_MODES).map((m) => `"${m}"`).join(", ")}; use the merge layer (\`keras.layers.Add\`, ...)`, call.range);
        const kwargs = new Map<string, PyValue>();
        const kwargRanges = new Map<string, SourceRange>();
        const option = (from: string, to: string, fallback: PyValue) => {
          kwargs.set(to, call.kwargs.get(from) ?? fallback);
          kwargRanges.set(to, call.kwargRanges.get(from) ?? call.range);
        };
        if (fn === "concatenate") option("concat_axis", "axis", py.int(-1));
        if (fn === "dot") option("dot_axes", "axes", py.int(-1));
        if (call.kwargs.has("name")) option("name", "name", NONE);
        return this.callQualified(`keras.layers.${fn}`, { ...call, args: call.args.slice(0, 1), argRanges: call.argRanges.slice(0, 1), kwargs, kwargRanges });
      }
      case "input":
        return this.input(call);
      case "model":
        return this.model(call);
      case "sequential":
        return this.sequential(call);
      case "int-shape": {
        const x = call.args[0];
        if (x?.t !== "tensor") return x?.t === "unknown" ? x : unknown("int_shape() of a non-tensor", call.range);
        return this.shapeTuple(x.id, call.range);
      }
      case "activation":
        // Every activation function is a registry op (taken above); only its use as a value is left.
        return unknown(`activation \`${symbol.name}\` is not supported on tensors yet`, call.range);
      case "image-data-format":
        return py.str(symbol.spelling === "data_format" ? this.imageDataFormat : this.imageDataFormat === "channels_first" ? "th" : "tf");
      case "set-image-data-format": {
        const value = call.args[0] ?? call.kwargs.get("data_format") ?? call.kwargs.get("dim_ordering");
        const format = value?.t === "str" ? IMAGE_DATA_FORMATS[value.v] : undefined;
        if (!format) throw new EvalError(`${path.split(".").pop()}() needs a static 'channels_last' or 'channels_first' ('tf' or 'th'): it sets every later layer's default`, call.range);
        this.imageDataFormat = format;
        return NONE;
      }
      case "no-op":
        return NONE;
      case "other":
        // `keras.initializers.RandomNormal(stddev=0.02)` only matters to training: keep it as data.
        if (symbol.path.startsWith("initializers.")) return this.initializer(symbol.path, call);
        // `keras.activations.get("relu")` is the function `keras.activations.relu`.
        if (symbol.path === "activations.get") {
          const name = call.args[0] ?? call.kwargs.get("identifier");
          if (name?.t === "str") return { t: "qname", path: `keras.activations.${name.v}` };
          if (name?.t === "none") return { t: "qname", path: "keras.activations.linear" };
          if (name?.t === "qname") return name;
        }
        // A seed generator only seeds training-time noise; PyTorch draws from its global generator.
        if (symbol.path === "random.SeedGenerator") return { t: "qname", path: "keras.random.SeedGenerator" };
        return unknown(`\`${path}\` is not supported by keras2torch yet`, call.range);
    }
  }

  /**
   * `keras.datasets.<name>.load_data()`: `((x_train, y_train), (x_test, y_test))` as arrays of the shapes
   * Keras documents (keras/src/datasets/*.py), so that `x_train.shape[1:]` and `fit(x_train)` give a
   * model its input shape. Nothing is downloaded or read. Word-index datasets (imdb, reuters) hold
   * lists of varying length: they stay unknown.
   */
  private kerasDataset(path: string, call: CallArgs): PyValue | null {
    // Every spelling of Keras (`tf.keras.datasets.mnist`, `from tensorflow.keras.datasets import mnist`).
    const m = /^datasets\.(mnist|fashion_mnist|cifar10|cifar100|boston_housing|california_housing)\.load_data$/.exec(kerasRelative(path) ?? "");
    if (!m) return null;
    const split = (n: number) => {
      const given = call.kwargs.get("test_split");
      const fraction = given ? numberOf(given) : 0.2;
      if (fraction === null) return null;
      const train = Math.floor(n * (1 - fraction));
      return [train, n - train] as const;
    };
    const sizes: Record<string, () => { train: number; test: number; x: number[]; y: number[] } | null> = {
      mnist: () => ({ train: 60000, test: 10000, x: [28, 28], y: [] }),
      fashion_mnist: () => ({ train: 60000, test: 10000, x: [28, 28], y: [] }),
      cifar10: () => ({ train: 50000, test: 10000, x: [32, 32, 3], y: [1] }),
      cifar100: () => ({ train: 50000, test: 10000, x: [32, 32, 3], y: [1] }),
      boston_housing: () => {
        const s = split(506);
        return s && { train: s[0], test: s[1], x: [13], y: [] };
      },
      california_housing: () => {
        const version = call.kwargs.get("version") ?? call.args[0];
        const s = split(version?.t === "str" && version.v === "small" ? 600 : 20640);
        return s && { train: s[0], test: s[1], x: [8], y: [] };
      },
    };
    const found = sizes[m[1]!]!();
    if (!found) return unknown(`the \`test_split\` of \`${path}\` is not static`, call.range);
    const array = (dims: number[], dtype: DType): PyValue => ({ t: "tensor", id: this.graph.createLeaf(dims, dtype, "array").id });
    const part = (n: number) => py.tuple([array([n, ...found.x], "float32"), array([n, ...found.y], "int32")]);
    return py.tuple([part(found.train), part(found.test)]);
  }

  /** An array the script made or loaded: a leaf that stands for NumPy data of a known shape. */
  isArray(v: PyValue): v is Extract<PyValue, { t: "tensor" }> {
    if (v.t !== "tensor") return false;
    const tensor = this.graph.tensor(v.id);
    return tensor.producer === null && tensor.inputName === "array";
  }

  private newArray(shape: Shape, dtype: DType): PyValue {
    return { t: "tensor", id: this.graph.createLeaf(shape, dtype, "array").id };
  }

  /**
   * `x_train / 255`, `x_train.astype("float32") - 0.5`, `a + b` of two arrays of one shape: NumPy data
   * stays data of the same shape (null when it is not such arithmetic).
   */
  arrayArithmetic(op: string, left: PyValue, right: PyValue): PyValue | null {
    const arrays = [left, right].filter((v) => this.isArray(v));
    if (!arrays.length) return null;
    const scalar = [left, right].find((v) => !this.isArray(v));
    if (scalar && numberOf(scalar) === null) return null;
    const shapes = arrays.map((a) => this.graph.tensor(a.id).shape);
    if (shapes.length === 2 && shapes[0]!.join() !== shapes[1]!.join()) return null;
    const dtypes = arrays.map((a) => this.graph.tensor(a.id).dtype);
    const float = op === "/" || scalar?.t === "float" || dtypes.some((d) => d.startsWith("float"));
    return this.newArray([...shapes[0]!], float ? (dtypes.find((d) => d.startsWith("float")) ?? "float32") : dtypes[0]!);
  }

  /** `x.reshape(60000, 784)`, `np.reshape(x, (-1, 28, 28, 1))`: the shape, a `-1` worked out as NumPy does. */
  private reshapeArray(array: Extract<PyValue, { t: "tensor" }>, shapeArgs: PyValue[], range: SourceRange): PyValue {
    const items = shapeArgs.length === 1 && shapeArgs[0]!.t !== "int" ? iterate(shapeArgs[0]!) : shapeArgs;
    const dims = items?.map((d) => (d.t === "int" ? d.v : null));
    const source = this.graph.tensor(array.id);
    if (!dims || dims.some((d) => d === null) || source.shape.some((d) => d === null)) return unknown("the shape of a reshaped array is not static", range);
    const total = (source.shape as number[]).reduce((a, b) => a * b, 1);
    const known = (dims as number[]).filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const free = (dims as number[]).filter((d) => d === -1).length;
    const out = (dims as number[]).map((d) => (d === -1 ? total / known : d));
    if (free > 1 || out.some((d) => !Number.isInteger(d) || d < 0) || out.reduce((a, b) => a * b, 1) !== total) {
      throw new EvalError(`cannot reshape an array of shape (${source.shape.join(", ")}) into (${dims.join(", ")})`, range);
    }
    return this.newArray(out, source.dtype);
  }

  /** NumPy functions of data arrays: `np.reshape`, `np.expand_dims`, and `np.prod` of a shape. */
  private numpyOfArrays(path: string, call: CallArgs): PyValue | null {
    const [first, second] = call.args;
    if (path === "numpy.prod" && first && !this.isArray(first)) {
      const xs = iterate(first)?.map(numberOf);
      return xs && xs.every((x) => x !== null && Number.isInteger(x)) ? py.int((xs as number[]).reduce((a, b) => a * b, 1)) : null;
    }
    if (!first || !this.isArray(first)) return null;
    if (path === "numpy.reshape") {
      const shape = second ?? call.kwargs.get("newshape") ?? call.kwargs.get("shape");
      return shape ? this.reshapeArray(first, [shape], call.range) : null;
    }
    if (path === "numpy.expand_dims") {
      const axis = numberOf(second ?? call.kwargs.get("axis") ?? NONE);
      const shape = this.graph.tensor(first.id).shape;
      if (axis === null || !Number.isInteger(axis) || axis < -shape.length - 1 || axis > shape.length) return null;
      const at = axis < 0 ? shape.length + 1 + axis : axis;
      return this.newArray([...shape.slice(0, at), 1, ...shape.slice(at)], this.graph.tensor(first.id).dtype);
    }
    return null;
  }

  /**
   * `np.zeros((1, 28, 28))`, `np.random.rand(2, 4)`: an array made in the script. Only its shape
   * matters (a model called on it is built on that shape), so it stands in as a tensor of that shape.
   */
  private numpyArray(path: string, call: CallArgs): PyValue | null {
    const m = /^numpy\.(zeros|ones|empty|full|random\.(rand|randn|random|random_sample|normal|uniform|standard_normal))$/.exec(path);
    if (!m) return null;
    const fn = m[2] ?? m[1]!;
    const shapeArg = fn === "rand" || fn === "randn" ? py.tuple(call.args) : fn === "normal" || fn === "uniform" ? call.kwargs.get("size") ?? call.args[2] : call.kwargs.get(fn === "random" || fn === "random_sample" || fn === "standard_normal" ? "size" : "shape") ?? call.args[0];
    const items = shapeArg ? (shapeArg.t === "int" ? [shapeArg] : iterate(shapeArg)) : null;
    const dims = items?.map((d) => (d.t === "int" && d.v >= 0 ? d.v : null));
    if (!dims || !dims.length || dims.some((d) => d === null)) return unknown(`the shape of \`${path.replace(/^numpy\./, "np.")}(...)\` is not static`, call.range);
    return { t: "tensor", id: this.graph.createLeaf(dims as number[], "float32", "array").id };
  }

  /** A registry operation; a failure is reported where it was called. */
  op(rule: OpRule, qualifiedName: string, call: CallArgs): PyValue {
    const poisoned = [...call.args, ...call.kwargs.values()].flatMap((v) => (v.t === "tensor" ? [v.id] : v.t === "list" || v.t === "tuple" ? v.items.flatMap((i) => (i.t === "tensor" ? [i.id] : [])) : []));
    if (poisoned.some((t) => this.graph.isPoisoned(t))) return unknown("a tensor after a layer that could not be translated", call.range);
    // An argument known only at run time (`tf.concat([noise, labels], 1)` on data) makes the result so too.
    const unknownArg = firstUnknown([...call.args, ...call.kwargs.values()]);
    if (unknownArg) return unknownArg;
    // `tf.math.equal(x.shape[-1], filters)`: a comparison of static sizes is decided here, as eager TF would.
    const compared = STATIC_COMPARISONS[rule.name];
    const [left, right] = call.args;
    if (compared && call.args.length === 2 && numberOf(left!) !== null && numberOf(right!) !== null) return py.bool(compared(numberOf(left!)!, numberOf(right!)!));
    const outcome = applyOp(this.graph, rule, qualifiedName, call);
    if (outcome.ok) return outcome.value;
    this.graph.report("error", "unsupported-argument", outcome.message, outcome.range);
    // Reported here: where the result is needed later says nothing more (no second error for one cause).
    return { ...unknown(outcome.message, outcome.range), reported: true } as PyValue;
  }

  private initializer(path: string, call: CallArgs): PyValue {
    const entries = new Map<string, [PyValue, PyValue]>();
    entries.set("s:class_name", [py.str("class_name"), py.str(path.split(".").pop()!)]);
    if (call.args[0]) entries.set("s:value", [py.str("value"), call.args[0]]);
    for (const [k, v] of call.kwargs) entries.set(`s:${k}`, [py.str(k), v]);
    return { t: "dict", entries };
  }

  // Layers -----------------------------------------------------------------------------------

  private constructLayer(cls: string, written: CallArgs, spelled = cls): PyValue {
    if (cls === "Lambda") return this.lambdaLayer(written);
    // Keras 1 spellings (`Dense(10, init="uniform")`) are read as Keras 2 read them.
    const { call, spellings } = keras2Call(cls, spelled, written);
    for (const s of spellings) this.graph.program.keras2Spellings.push({ spelling: s.spelling, range: s.range, keras2: s.keras2 });
    const rule = ruleFor(cls);
    const params = rule?.signature(cls).params ?? (RECURRENT_CELLS.includes(cls) ? cellSignature(cls) : []);
    const config: Record<string, ConfigValue> = {};
    const argRanges: Record<string, SourceRange> = {};
    let broken = false;
    const set = (key: string, value: PyValue, range: SourceRange) => {
      const converted = this.toConfig(value, key, range);
      if (converted === undefined) broken = true;
      else config[key] = converted;
      argRanges[key] = range;
    };
    call.args.forEach((arg, i) => {
      const param = params[i];
      if (!param) {
        // `layers.Add([x, y])` gives the tensors to the constructor; Keras raises a TypeError there too.
        const tensors = (arg.t === "list" || arg.t === "tuple") && arg.items.length > 0 && arg.items.every((item) => item.t === "tensor");
        const message = tensors && params.length === 0
          ? `${cls}(...) takes no tensors: call the layer on them, \`${spelled}()([...])\`, or use the function \`layers.${cls.toLowerCase()}([...])\``
          : `${cls} takes at most ${params.length} positional arguments`;
        if (rule) this.graph.report("error", "unsupported-argument", message, call.argRanges[i]!);
        return;
      }
      set(param.name, arg, call.argRanges[i]!);
    });
    let name: string | null = null;
    let trainable = true;
    // Embedding's `input_dim` is its own argument, not the model input's.
    const inputSpec = givenInputSpec(call, (key) => params.some((p) => p.name === key || p.aliases?.includes(key)));
    for (const [key, value] of call.kwargs) {
      const range = call.kwargRanges.get(key)!;
      if (key === "name") {
        if (value.t === "str") name = value.v;
        else if (value.t !== "none") {
          this.reportUnknown(value, "the layer `name`", range);
          broken = true;
        }
        continue;
      }
      // A regularizer such as `keras.regularizers.l2(1e-6)` need not be evaluable: it adds to the loss only.
      if (TRAINING_ONLY_SUFFIX.test(key)) continue;
      const param = params.find((p) => p.name === key || p.aliases?.includes(key));
      // Every alias a rule accepts is a Keras 2 spelling (`LeakyReLU(alpha=)`, `Input(input_shape=)`).
      if (param && param.name !== key) this.graph.program.keras2Spellings.push({ spelling: `${cls}(${key}=)`, range });
      if (param) {
        set(param.name, value, range);
        continue;
      }
      if (INPUT_SPEC_ARGS.has(key)) continue;
      if (key === "trainable") trainable = truthy(value) !== false;
      if (TRAINING_ONLY.has(key)) continue;
      if (rule) {
        this.graph.report(
          "error",
          "unsupported-argument",
          `\`${key}\` is not a supported argument of ${cls}; remove it or file an issue`,
          range,
        );
        broken = true;
      }
    }
    for (const param of params) if (!(param.name in config) && !broken) config[param.name] = param.default;
    // `data_format=None` is the global format, which the file set (`K.set_image_data_format("channels_first")`).
    if (this.imageDataFormat === "channels_first" && config.data_format === null && params.some((p) => p.name === "data_format")) config.data_format = "channels_first";
    const layer = this.graph.createLayer(cls, config, argRanges, name, call.range);
    if (broken) this.graph.poison(layer.id);
    if (!trainable) this.graph.setTrainable(layer.id, false);
    if (cls === "InputLayer") {
      const spec = this.inputSpecFrom(call, config);
      if (spec) this.layerInputSpecs.set(layer.id, spec);
    } else if (inputSpec) {
      this.recordInputSpec(layer.id, inputSpec);
    } else if (cls === "Embedding" && typeof config.input_length === "number") {
      // Keras 2: a first Embedding's `input_length` gave the model its input shape, (batch, input_length).
      this.graph.program.keras2Spellings.push({ spelling: "Embedding(input_length=)", range: layer.range });
      // Keras 3 ignores it; the file was written for Keras 2.
      this.layerInputSpecs.set(layer.id, { shape: [null, config.input_length], dtype: "int32" });
    }
    return { t: "layer", id: layer.id };
  }

  /**
   * `layers.Lambda(fn, arguments={...})`: a layer whose computation is the function. Calling it evaluates
   * `fn` on the tensors (graph.applyLambda), so its body becomes the ops it is made of.
   */
  private lambdaLayer(call: CallArgs): PyValue {
    const fn = call.args[0] ?? call.kwargs.get("function");
    if (!fn) throw new EvalError("Lambda needs a function", call.range);
    const name = call.kwargs.get("name");
    const layer = this.graph.createLayer("Lambda", {}, {}, name?.t === "str" ? name.v : null, call.range);
    this.graph.lambdaFunctions.set(layer.id, { fn, arguments: call.kwargs.get("arguments") ?? null });
    // A first Lambda of a Sequential may give the model its input (`input_shape=(4, 84, 84)`).
    const inputSpec = givenInputSpec(call, () => false);
    if (inputSpec) this.recordInputSpec(layer.id, inputSpec);
    return { t: "layer", id: layer.id };
  }

  /** The model input that a layer's Keras 2 style `input_shape`, `batch_input_shape` or `input_dim` declares. */
  private recordInputSpec(layerId: number, spec: GivenInputSpec): void {
    // With --input-shape, a declared shape the source computes from data (`input_dim=x_train.shape[1]`)
    // is not an error: the Sequential takes the shape given instead (GraphBuilder.ensureBuilt).
    const report = !this.inputShapeGiven;
    const shape = spec.batchShape
      ? this.shapeValue(spec.batchShape, spec.range, false, report)
      : spec.shape
        ? this.shapeValue(spec.shape, spec.range, true, report)
        : this.shapeValue(py.tuple([spec.dim!]), spec.range, true, report);
    if (shape) this.layerInputSpecs.set(layerId, { shape, dtype: this.dtypeOf(spec.dtype) });
    else this.failedInputSpecs.add(layerId);
  }

  /** Whether `--input-shape` was given (see recordInputSpec). */
  inputShapeGiven = false;

  private inputSpecFrom(call: CallArgs, config: Record<string, ConfigValue>): InputSpec | null {
    const batchShape = config.batch_shape;
    const shape = config.shape;
    const range = call.range;
    if (Array.isArray(batchShape)) return { shape: batchShape.map((d) => (typeof d === "number" ? d : null)), dtype: this.dtypeOf(call.kwargs.get("dtype")) };
    if (Array.isArray(shape)) return { shape: [null, ...shape.map((d) => (typeof d === "number" ? d : null))], dtype: this.dtypeOf(call.kwargs.get("dtype")) };
    this.graph.report("error", "invalid-model", "InputLayer needs `shape=` (or `batch_shape=`)", range);
    return null;
  }

  /** PyValue → layer config value; reports and returns undefined when it is not static. */
  private toConfig(value: PyValue, key: string, range: SourceRange): ConfigValue | undefined {
    switch (value.t) {
      case "none":
        return null;
      case "layer": {
        // A layer argument (Bidirectional's `layer`) is recorded serialized, as Keras saves it.
        const inner = this.graph.program.layers.get(value.id)!;
        if (inner.poisoned) return undefined;
        return { class_name: inner.kerasClass, name: inner.name, config: inner.config };
      }
      case "bool":
      case "int":
      case "float":
      case "str":
        return value.v;
      case "tuple":
      case "list": {
        const items = value.items.map((v) => this.toConfig(v, key, range));
        return items.some((v) => v === undefined) ? undefined : (items as ConfigValue[]);
      }
      case "dict": {
        const out: Record<string, ConfigValue> = {};
        for (const [k, v] of value.entries.values()) {
          const c = this.toConfig(v, key, range);
          if (c === undefined || k.t !== "str") return undefined;
          out[k.v] = c;
        }
        return out;
      }
      case "qname": {
        const symbol = resolveKeras(value.path);
        if (symbol?.kind === "activation") return symbol.defaults ? { name: symbol.name, ...symbol.defaults } : symbol.name;
        this.graph.report("error", "unknown-value", `\`${key}\`: \`${value.path}\` is not supported as a value here`, range);
        return undefined;
      }
      case "bound":
        // `keras.activations.get("relu")`-style values are not needed; partials are not supported.
        this.graph.report("error", "unknown-value", `\`${key}\` must be a constant`, range);
        return undefined;
      default:
        this.reportUnknown(value, `\`${key}\``, range, true);
        return undefined;
    }
  }

  /** `scalar`: the model needed one number there (a layer argument, an input dimension), not a shape or a structure. */
  reportUnknown(value: PyValue, what: string, range: SourceRange, scalar = false, alsoRemedy?: string): void {
    const also = alsoRemedy ? `; ${alsoRemedy}` : "";
    if (isUnknown(value) && value.reported) return;
    if (isUnknown(value) && value.name) {
      // Point at the undefined name itself, where the fix goes.
      this.graph.report(
        "error",
        "unknown-name",
        `\`${value.name}\` is not defined (needed for ${what}); define it in this file${scalar ? ", import it from a file of the input set, or give it with --set " + value.name + "=VALUE" : " or import it from a file of the input set"}${also}`,
        value.range,
      );
      return;
    }
    this.graph.report("error", "unknown-value", `cannot determine ${what} statically: ${unknownStory(value, range)}${also}`, range);
    if (isUnknown(value) && value.variable) this.graph.program.dataDependent.push({ variable: value.variable, neededAt: range, scalar });
  }

  callObject(obj: Extract<PyValue, { t: "layer" | "model" }>, call: CallArgs): PyValue {
    // The first input by keyword: `inputs=`, or an attention layer's `query=`.
    const target = call.args[0] ?? call.kwargs.get("inputs") ?? call.kwargs.get("query");
    if (!target) throw new EvalError("a layer must be called on a tensor", call.range);
    const flat = this.tensorList(target, call.range);
    if (!flat) {
      if (target.t === "unknown") return target;
      // `Add()([a, b])` with `b` unknown: b's cause is the story, not the list.
      const inner = (target.t === "list" || target.t === "tuple") && target.items.find((i) => i.t === "unknown");
      return inner || unknown(`cannot call a layer on ${typeName(target)}`, call.range);
    }
    if (obj.t === "model") {
      const outputs = this.graph.applyModel(obj.id, flat, call.range);
      const model = this.graph.program.models.get(obj.id);
      return this.structured(outputs, model?.outputStructure ?? { kind: "single" });
    }
    const layer = this.graph.program.layers.get(obj.id)!;
    if (layer.kerasClass === "InputLayer") throw new EvalError("an InputLayer cannot be called", call.range);
    const callParams = ruleFor(layer.kerasClass)?.callParams;
    if (callParams && !layer.poisoned) return this.callWithParams(layer, callParams, flat, call);
    // A recurrent layer's `initial_state` tensors follow its input, as Keras passes them.
    const states = call.kwargs.get("initial_state");
    let tensorArguments = 1;
    if (states && states.t !== "none") {
      tensorArguments = 2;
      const stateTensors = this.tensorList(states, call.kwargRanges.get("initial_state") ?? call.range);
      if (!stateTensors) return states.t === "unknown" ? states : unknown(`\`initial_state\` must be tensors, got ${typeName(states)}`, call.range);
      flat.push(...stateTensors);
    }
    const mask = call.kwargs.get("mask");
    if (mask && mask.t !== "none") return unknown("`mask=` on a layer call is not supported yet (masks are not translated)", call.kwargRanges.get("mask") ?? call.range);
    const outputs = this.graph.applyLayer(layer, flat, call.range, tensorArguments);
    return this.grouped(outputs, layer);
  }

  /** The outputs as Keras nests them (`output, [h, c], h2`), else flat. */
  private grouped(ids: number[], layer: LayerDef): PyValue {
    let groups: number[] | null = null;
    try {
      groups = layer.poisoned ? null : (ruleFor(layer.kerasClass)?.outputGroups?.(layer) ?? null);
    } catch {
      groups = null; // a bad config is reported where the layer is lowered
    }
    if (!groups || groups.reduce((a, b) => a + b, 0) !== ids.length || ids.length === 1) return this.tensors(ids);
    let next = 0;
    return py.list(
      groups.map((size) => {
        const group = ids.slice(next, (next += size)).map((id): PyValue => ({ t: "tensor", id }));
        return size === 1 ? group[0]! : py.list(group);
      }),
    );
  }

  /** A call of a layer with `callParams`: its extra tensors become inputs, its values the node's `call`. */
  private callWithParams(layer: LayerDef, params: NonNullable<LayerRule["callParams"]>, first: number[], call: CallArgs): PyValue {
    const inputs = [...first];
    const record: Record<string, ConfigValue> = {};
    const positional = call.args.slice(1);
    const positionalRanges = call.argRanges.slice(1);
    const kwargs = new Map(call.kwargs);
    for (const key of ["inputs", "query", "training"]) kwargs.delete(key);
    for (const param of params) {
      let value = positional.shift();
      let range = positionalRanges.shift() ?? call.range;
      if (value === undefined && kwargs.has(param.name)) {
        value = kwargs.get(param.name);
        range = call.kwargRanges.get(param.name) ?? call.range;
        kwargs.delete(param.name);
      }
      if (param.kind === "tensor") {
        const given = value !== undefined && value.t !== "none";
        record[param.name] = given;
        if (!given) continue;
        if (value!.t !== "tensor") return value!.t === "unknown" ? value! : unknown(`\`${param.name}\` of ${layer.kerasClass} must be a tensor, got ${typeName(value!)}`, range);
        inputs.push(value!.id);
      } else {
        const converted = value === undefined ? (param.default ?? null) : this.toConfig(value, param.name, range);
        if (converted === undefined) return unknown(`\`${param.name}\` of ${layer.kerasClass} must be a constant`, range);
        record[param.name] = converted;
      }
    }
    if (positional.length) return unknown(`${layer.kerasClass} takes at most ${params.length + 1} positional arguments`, positionalRanges[0] ?? call.range);
    if (kwargs.size) {
      const key = [...kwargs.keys()][0]!;
      this.graph.report("error", "unsupported-argument", `${layer.kerasClass} \`${layer.name}\`: the call argument \`${key}\` is not supported`, call.kwargRanges.get(key) ?? call.range);
      return unknown(`an unsupported call argument \`${key}\``, call.range);
    }
    return this.tensors(this.graph.applyLayer(layer, inputs, call.range, inputs.length, record));
  }

  private tensors(ids: number[]): PyValue {
    return ids.length === 1 ? { t: "tensor", id: ids[0]! } : py.list(ids.map((id) => ({ t: "tensor", id })));
  }

  private structured(ids: number[], structure: OutputStructure): PyValue {
    if (structure.kind === "single") return { t: "tensor", id: ids[0]! };
    if (structure.kind === "list") return py.list(ids.map((id) => ({ t: "tensor", id })));
    const entries = new Map<string, [PyValue, PyValue]>();
    structure.keys.forEach((k, i) => entries.set(`s:${k}`, [py.str(k), { t: "tensor", id: ids[i]! }]));
    return { t: "dict", entries };
  }

  /** A tensor or a (nested) list of tensors, flattened. */
  private tensorList(value: PyValue, range: SourceRange): number[] | null {
    if (value.t === "tensor") return [value.id];
    if (value.t === "dict") {
      const out: number[] = [];
      for (const [, v] of value.entries.values()) {
        const inner = this.tensorList(v, range);
        if (!inner) return null;
        out.push(...inner);
      }
      return out;
    }
    const items = value.t === "tuple" || value.t === "list" ? value.items : null;
    if (!items) return null;
    const out: number[] = [];
    for (const item of items) {
      const inner = this.tensorList(item, range);
      if (!inner) return null;
      out.push(...inner);
    }
    return out.length ? out : null;
  }

  // Inputs and models ------------------------------------------------------------------------

  private input(call: CallArgs): PyValue {
    // keras.Input(shape, batch_size, dtype, sparse, batch_shape, name, tensor)
    const get = (key: string, index: number) => call.kwargs.get(key) ?? call.args[index];
    const shapeValue = get("shape", 0);
    const batchShape = call.kwargs.get("batch_shape") ?? call.kwargs.get("batch_input_shape");
    const nameValue = call.kwargs.get("name");
    let shape: Shape | null = null;
    if (batchShape && batchShape.t !== "none") shape = this.shapeValue(batchShape, call.range, false);
    else if (shapeValue && shapeValue.t !== "none") {
      shape = this.shapeValue(shapeValue, call.kwargRanges.get("shape") ?? call.argRanges[0] ?? call.range, true);
      const batch = get("batch_size", 1);
      if (shape && batch && numberOf(batch) !== null) shape[0] = numberOf(batch);
    } else {
      this.graph.report("error", "invalid-model", "`Input` needs `shape=` (or `batch_shape=`)", call.range);
      return unknown("Input without a shape", call.range);
    }
    // Already reported at the shape: what is built on this input is not reported again.
    if (!shape) return { ...unknown("Input shape is not static", call.range), reported: true } as PyValue;
    const name = nameValue?.t === "str" ? nameValue.v : null;
    const tensor = this.graph.createInput(shape, this.dtypeOf(get("dtype", 2)), name);
    return { t: "tensor", id: tensor.id };
  }

  /** A Python shape tuple → Shape. `withBatch` prepends the batch axis. */
  private shapeValue(value: PyValue, range: SourceRange, withBatch: boolean, report = true): Shape | null {
    const items = value.t === "int" ? [value] : iterate(value);
    if (!items || value.t === "str") {
      if (report) this.reportUnknown(value, "the input shape", range);
      return null;
    }
    const dims: Shape = [];
    for (const item of items) {
      if (item.t === "none") dims.push(null);
      else if (item.t === "int") dims.push(item.v);
      else {
        if (report) this.reportUnknown(item, "an input dimension", range, true, "or give the model's input shape with --input-shape");
        return null;
      }
    }
    return withBatch ? [null, ...dims] : dims;
  }

  private dtypeOf(value: PyValue | undefined): DType {
    if (!value || value.t !== "str") return "float32";
    const known: DType[] = ["float32", "float64", "float16", "int32", "int64", "bool", "string"];
    if (value.v === "str") return "string";
    return known.includes(value.v as DType) ? (value.v as DType) : "float32";
  }

  /**
   * `Model(inputs, outputs, name=...)`. A Model subclass given inputs and outputs is built here too,
   * named as Keras names the instance (`className`: the snake-case class name unless `name=` is given).
   */
  model(call: CallArgs, instanceName?: { name: string; explicit: boolean }): PyValue {
    const inputs = call.kwargs.get("inputs") ?? call.kwargs.get("input") ?? call.args[0];
    const outputs = call.kwargs.get("outputs") ?? call.kwargs.get("output") ?? call.args[1];
    const nameValue = call.kwargs.get("name") ?? call.args[2];
    if (!inputs || !outputs) {
      this.graph.report(
        "error",
        "unsupported-construct",
        "`Model(...)` without `inputs` and `outputs` (a subclassed model) is not supported yet",
        call.range,
      );
      return unknown("Model without inputs/outputs", call.range);
    }
    const inputIds = this.tensorList(inputs, call.range);
    const outputIds = this.tensorList(outputs, call.range);
    if (!inputIds || !outputIds) {
      const bad = firstNonTensor(!inputIds ? inputs : outputs);
      this.reportUnknown(bad, `the model's ${!inputIds ? "inputs" : "outputs"}`, bad.t === "unknown" ? bad.range : call.range);
      return unknown("model inputs/outputs are not tensors", call.range);
    }
    let structure: OutputStructure = { kind: "single" };
    // Keras' Functional unwraps a one-element list of outputs: the model returns the tensor itself.
    if ((outputs.t === "list" || outputs.t === "tuple") && outputIds.length > 1) structure = { kind: "list" };
    if (outputs.t === "dict") structure = { kind: "dict", keys: [...outputs.entries.values()].map(([k]) => (k.t === "str" ? k.v : String(k))) };
    const name = instanceName?.name ?? (nameValue?.t === "str" ? nameValue.v : null);
    const model = this.graph.functional(inputIds, outputIds, structure, name, call.range);
    if (model && instanceName) model.explicitName = instanceName.explicit;
    if (model && truthy(call.kwargs.get("trainable") ?? py.bool(true)) === false) this.graph.setTrainable(model.id, false);
    return model ? { t: "model", id: model.id } : unknown("invalid model", call.range);
  }

  private sequential(call: CallArgs): PyValue {
    const layersValue = call.kwargs.get("layers") ?? call.args[0];
    // keras.Sequential(layers, trainable, name)
    const nameValue = call.kwargs.get("name") ?? call.args[2];
    const draft: SequentialDraft = { layers: [], inputShape: null, inputDtype: "float32", inputName: null, range: call.range };
    const name = nameValue?.t === "str" ? nameValue.v : null;
    const id = this.graph.createSequential(draft, name);
    if (truthy(call.kwargs.get("trainable") ?? call.args[1] ?? py.bool(true)) === false) this.graph.setTrainable(id, false);
    if (layersValue && layersValue.t !== "none") {
      const items = iterate(layersValue);
      if (!items) this.reportUnknown(layersValue, "the Sequential layers", call.argRanges[0] ?? call.range);
      else for (const item of items) this.sequentialAdd(id, item, call.range);
    }
    return { t: "model", id };
  }

  private sequentialAdd(modelId: number, item: PyValue, range: SourceRange): void {
    const draft = this.graph.drafts.get(modelId);
    if (!draft) throw new EvalError("`add` on a model that is not Sequential", range);
    this.graph.invalidate(modelId);
    if (item.t === "tensor") {
      const tensor = this.graph.tensor(item.id);
      if (tensor.producer !== null || draft.layers.length) throw new EvalError("only a `keras.Input` can start a Sequential", range);
      draft.inputShape = tensor.shape;
      draft.inputDtype = tensor.dtype;
      draft.inputName = tensor.inputName ?? null;
      return;
    }
    if (item.t === "layer") {
      const layer = this.graph.program.layers.get(item.id)!;
      const spec = this.layerInputSpecs.get(item.id);
      if (layer.kerasClass === "InputLayer") {
        if (draft.layers.length) throw new EvalError("an InputLayer must come first in a Sequential", range);
        if (spec) {
          draft.inputShape = spec.shape;
          draft.inputDtype = spec.dtype;
        }
        draft.inputName = layer.name;
        return;
      }
      if (!draft.layers.length && !draft.inputShape && spec) {
        draft.inputShape = spec.shape;
        draft.inputDtype = spec.dtype;
      }
      if (!draft.layers.length && this.failedInputSpecs.has(item.id)) draft.inputShapeUnknown = true;
      draft.layers.push({ kind: "layer", id: item.id });
      return;
    }
    if (item.t === "model") {
      draft.layers.push({ kind: "model", id: item.id });
      return;
    }
    // `keras.Input(shape=x_train.shape[1:])` on data of unknown shape: the error at the shape said it.
    if (item.t === "unknown" && item.reported && !draft.layers.length && !draft.inputShape) {
      draft.inputShapeUnknown = true;
      return;
    }
    this.reportUnknown(item, "a Sequential layer", range);
  }

  // Attributes and methods -------------------------------------------------------------------

  private shapeTuple(tensorId: number, range: SourceRange): PyValue {
    if (this.graph.isPoisoned(tensorId)) return unknown("the shape of a tensor after an unsupported layer", range);
    // While `call` is translated, an unknown size (the batch) is read at run time: `x.shape[0]`.
    const of = this.graph.tensorExpr?.(tensorId) ?? undefined;
    const dim = (axis: number): PyValue => (this.graph.tracing() ? { t: "runtime", kind: "int", expr: { k: "dim", tensor: tensorId, axis, of } } : NONE);
    return py.tuple(this.graph.tensor(tensorId).shape.map((d, axis) => (d === null ? dim(axis) : py.int(d))));
  }

  /**
   * The tensors of a layer's (or a custom layer instance's) first call, as Keras' `layer.output` and
   * `layer.input` give; calls from a Sequential build that `.add` superseded do not count.
   */
  firstCallTensors(obj: Extract<PyValue, { t: "layer" | "model" }>, name: "input" | "output"): PyValue | null {
    const node = [...this.graph.program.nodes.values()].find(
      (n) => !n.superseded && (obj.t === "layer" ? n.op.kind === "layer" && n.op.layerId === obj.id : n.op.kind === "model" && n.op.modelId === obj.id),
    );
    if (!node) return null;
    const ids = name === "output" ? node.outputs : node.inputs;
    return ids.length === 1 ? { t: "tensor", id: ids[0]! } : py.list(ids.map((id) => ({ t: "tensor", id })));
  }

  attribute(obj: Extract<PyValue, { t: "tensor" | "layer" | "model" }>, name: string, range: SourceRange): PyValue {
    if (obj.t === "tensor") {
      // Keras 2's `_keras_shape` is the same static shape.
      if (name === "shape" || name === "_keras_shape") return this.shapeTuple(obj.id, range);
      if (name === "dtype") return py.str(this.graph.tensor(obj.id).dtype);
      if (name === "ndim") return py.int(this.graph.tensor(obj.id).shape.length);
      return { t: "bound", self: obj, name };
    }
    if (obj.t === "layer") {
      const layer = this.graph.program.layers.get(obj.id)!;
      if (name === "name") return py.str(layer.name);
      if (name === "output" || name === "input") {
        const tensors = this.firstCallTensors(obj, name);
        if (!tensors) throw new EvalError(`layer \`${layer.name}\` has not been called yet, so it has no ${name}`, range);
        return tensors;
      }
      return { t: "bound", self: obj, name };
    }
    const structural = ["name", "input", "inputs", "output", "outputs", "output_shape", "input_shape", "layers"];
    if (!structural.includes(name)) return { t: "bound", self: obj, name };
    if (name === "name") return py.str(this.graph.program.models.get(obj.id)!.name);
    // A Sequential's layers exist before it is built (`aug.layers[0].adapt(x)`); reading them leaves it for
    // its first call to build.
    const draft = this.graph.drafts.get(obj.id);
    if (name === "layers" && draft && !draft.inputShape) return py.list(draft.layers.map((ref): PyValue => (ref.kind === "layer" ? { t: "layer", id: ref.id } : { t: "model", id: ref.id })));
    const model = this.graph.ensureBuilt(obj.id);
    if (!model) return unknown("an invalid model", range);
    switch (name) {
      case "name":
        return py.str(model.name);
      case "input":
        return model.inputs.length === 1 ? { t: "tensor", id: model.inputs[0]! } : py.list(model.inputs.map((id) => ({ t: "tensor", id })));
      case "inputs":
        return py.list(model.inputs.map((id) => ({ t: "tensor", id })));
      case "output":
        return model.outputs.length === 1 ? { t: "tensor", id: model.outputs[0]! } : py.list(model.outputs.map((id) => ({ t: "tensor", id })));
      case "outputs":
        return py.list(model.outputs.map((id) => ({ t: "tensor", id })));
      case "output_shape":
      case "input_shape": {
        const ids = name === "output_shape" ? model.outputs : model.inputs;
        const shapes = ids.map((id) => this.shapeTuple(id, range));
        return shapes.length === 1 ? shapes[0]! : py.list(shapes);
      }
      case "layers": {
        // A Functional model's layers start with its InputLayers (`vgg.layers[1]` is the first conv), as in
        // Keras; a Sequential's leave its InputLayer out.
        const sequential = this.graph.drafts.has(obj.id);
        return py.list(
          model.layers.flatMap((ref): PyValue[] =>
            ref.kind === "layer" ? [{ t: "layer", id: ref.layerId }] : ref.kind === "model" ? [{ t: "model", id: ref.modelId }] : sequential ? [] : [{ t: "input-layer", tensor: ref.tensorId }],
          ),
        );
      }
      default:
        return { t: "bound", self: obj, name };
    }
  }

  /** The input shape (batch axis first) that `build(shape)` gives, or that `fit` takes from a batch of data. */
  private buildShape(value: PyValue, fromData: boolean): Shape | null {
    if (value.t === "tensor") {
      const shape = this.graph.tensor(value.id).shape;
      return shape.length ? [null, ...shape.slice(1)] : null;
    }
    if (fromData) return null;
    const dims = iterate(value);
    if (!dims || !dims.length || dims.some((d) => d.t !== "none" && numberOf(d) === null)) return null;
    return dims.map((d) => (d.t === "none" ? null : numberOf(d)));
  }

  callMethod(self: PyValue, name: string, call: CallArgs): PyValue {
    if (self.t === "model") {
      if (name === "add") {
        this.sequentialAdd(self.id, call.args[0] ?? NONE, call.range);
        return NONE;
      }
      if (name === "get_layer") {
        const wanted = call.kwargs.get("name") ?? call.args[0];
        const model = this.graph.ensureBuilt(self.id);
        if (wanted?.t === "str" && model) {
          for (const ref of model.layers) {
            if (ref.kind === "layer" && this.graph.program.layers.get(ref.layerId)!.name === wanted.v) return { t: "layer", id: ref.layerId };
            if (ref.kind === "model" && this.graph.program.models.get(ref.modelId)!.name === wanted.v) return { t: "model", id: ref.modelId };
          }
          throw new EvalError(`the model has no layer named '${wanted.v}'`, call.range);
        }
        return unknown("get_layer() with a non-constant name", call.range);
      }
      if (name === "pop") {
        const draft = this.graph.drafts.get(self.id);
        if (!draft || !draft.layers.length) throw new EvalError("`pop()` needs a Sequential model with layers", call.range);
        this.graph.invalidate(self.id);
        const last = draft.layers.pop()!;
        return last.kind === "layer" ? { t: "layer", id: last.id } : { t: "model", id: last.id };
      }
      // A Sequential without an input shape is built by `build(shape)`, or by `fit` on data of known shape.
      const draft = this.graph.drafts.get(self.id);
      if (draft && !draft.inputShape && (name === "build" || name === "fit")) {
        const given = name === "build" ? call.kwargs.get("input_shape") ?? call.args[0] : call.kwargs.get("x") ?? call.args[0];
        const shape = given ? this.buildShape(given, name === "fit") : null;
        if (shape) {
          this.graph.invalidate(self.id);
          draft.inputShape = shape;
        }
        return NONE;
      }
      if (MODEL_NO_OPS.has(name)) return modelMethodResult(name, call.range);
      // An unknown method may change the model: say so instead of ignoring it.
      throw new EvalError(`Model.${name}() is not evaluated statically`, call.range);
    }
    if (self.t === "tensor") {
      if (name === "get_shape") return this.shapeTuple(self.id, call.range);
      const tensor = this.graph.tensor(self.id);
      // An array the script made (`np.random.rand(100, 12).astype("float32")`): only its shape matters.
      if (tensor.producer === null && tensor.inputName === "array") {
        if (name === "astype" || name === "copy") return self;
        if (name === "reshape") return this.reshapeArray(self, call.args, call.range);
        return unknown(`\`.${name}()\` of a NumPy array is not evaluated statically`, call.range);
      }
      this.graph.report("error", "unsupported-construct", `tensor method \`.${name}()\` is not supported yet`, call.range);
      return unknown(`tensor.${name}()`, call.range);
    }
    if (self.t === "tuple" && name === "as_list") return py.list(self.items);
    if (self.t === "layer") return unknown(`Layer.${name}() is not evaluated statically`, call.range);
    if (self.t === "qname" && isKerasPath(self.path)) return unknown(`\`${self.path}.${name}\` is not supported`, call.range);
    return unknown(`\`.${name}()\` on ${typeName(self)} is not evaluated statically`, call.range);
  }
}

/**
 * Why a value is not known, for the place a model needed it: where it became unknown (when elsewhere)
 * and how to give it. The model's place is the diagnostic's own location.
 */
export function unknownStory(value: PyValue, neededAt: SourceRange): string {
  if (!isUnknown(value)) return `got ${typeName(value)}`;
  const from = value.range;
  const elsewhere = from.file !== neededAt.file || from.line !== neededAt.line || from.column !== neededAt.column;
  const where = !elsewhere ? "" : from.file === neededAt.file ? ` (it became unknown at line ${from.line}:${from.column})` : ` (it became unknown at ${from.file}:${from.line}:${from.column})`;
  const remedy = value.variable
    ? `; give it with --set ${value.variable}=VALUE (a Python literal), or make \`${value.variable}\` a constant`
    : "; make it a constant, or give the variable it is computed from with --set NAME=VALUE";
  return `${value.reason}${where}${remedy}`;
}

// The frontend for saved model files: the architecture a `.keras` zip or a legacy `.h5` stores
// (saved-file.ts reads it) becomes the same IR the source frontend builds. Every stored entry turns into
// the call the source would have made — `layers.Dense(**config)`, `keras.Input(batch_shape=...)`,
// `keras.Sequential([...])`, `keras.Model(inputs, outputs)`, a layer called on its inbound tensors — made
// through the same KerasApi, so the rules, the layout pass and the weights mapping apply unchanged.
import type { Program, RootModel, SourceRange } from "../ir/types.js";
import { EvalError } from "./builtins.js";
import { GraphBuilder } from "./graph.js";
import { KerasApi } from "./keras-api.js";
import { entryKind, keras2Replacement, kerasVersionOf, layerKwargs, pyValue, storedName, type KerasVersion } from "./keras-config.js";
import { opFor } from "./ops.js";
import type { FrontendResult } from "./program.js";
import type { SavedModel } from "./saved-file.js";
import { NONE, py, type CallArgs, type PyValue } from "./values.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** A reference to a tensor in a stored graph: `[layer_name, node_index, tensor_index]`. */
type Ref = [string, number, number];
const isRef = (v: unknown): v is Ref => Array.isArray(v) && v.length >= 3 && typeof v[0] === "string" && typeof v[1] === "number" && typeof v[2] === "number";

/** Thrown when a stored entry cannot be turned into a model (already reported). */
class Refused extends Error {}

export interface SavedFrontendOptions {
  /** The input's label (`models/net.keras`), the file of every diagnostic. */
  path: string;
  /** The name the root model is known by when Keras chose its name: the file's stem. */
  stem: string;
}

export function buildSavedProgram(saved: SavedModel, options: SavedFrontendOptions): FrontendResult & { version: KerasVersion } {
  const graph = new GraphBuilder(options.path);
  const version = kerasVersionOf(saved.kerasVersion, saved.config);
  const builder = new SavedBuilder(graph, new KerasApi(graph), version, { file: options.path, line: 1, column: 1, endLine: 1, endColumn: 1 });
  const program: Program = graph.program;
  let modelId: number | null = null;
  try {
    const config = saved.config;
    // Keras ≤ 2.2 saved a Sequential's config as the bare list of its layers.
    const top = Array.isArray(config) ? { class_name: "Sequential", config } : config;
    if (!isObject(top)) builder.fail("the stored model config is not a `{class_name, config}` object");
    const value = builder.model(top as Json, "the model");
    modelId = value.id;
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
  }
  if (modelId !== null) {
    const model = graph.ensureBuilt(modelId);
    if (model && model.outputs.length) {
      const { automatic } = storedName(isObject(saved.config) ? saved.config.config : null);
      // A name Keras chose (`sequential_2`) depends on the session that saved it: the class is named after the file.
      if (automatic) model.explicitName = false;
      const root: RootModel = { modelId, names: automatic ? [options.stem] : [model.name], primary: true, line: 1 };
      program.roots.push(root);
    }
  }
  return { program, entryFound: false, modelVariables: new Map(), noModelHint: null, version };
}

class SavedBuilder {
  constructor(
    private readonly graph: GraphBuilder,
    private readonly api: KerasApi,
    private readonly version: KerasVersion,
    private readonly range: SourceRange,
  ) {}

  fail(message: string): never {
    this.graph.report("error", "invalid-model", message, this.range);
    throw new Refused(message);
  }

  private call(args: PyValue[], kwargs: [string, PyValue][] = []): CallArgs {
    return { args, kwargs: new Map(kwargs), argRanges: args.map(() => this.range), kwargRanges: new Map(kwargs.map(([k]) => [k, this.range])), range: this.range };
  }

  /** Runs `fn` for one stored layer; what it reports says which layer. */
  private within<T>(what: string, fn: () => T): T {
    const before = this.graph.program.diagnostics.length;
    try {
      return fn();
    } catch (error) {
      if (error instanceof EvalError) this.graph.report("error", "invalid-model", error.message, this.range);
      else throw error;
      throw new Refused(String(error.message));
    } finally {
      for (const d of this.graph.program.diagnostics.slice(before)) if (!d.message.startsWith(what)) d.message = `${what}: ${d.message}`;
    }
  }

  /** A stored model entry (Sequential or Functional), built: its value. */
  model(entry: Json, where: string): { t: "model"; id: number } {
    const kind = entryKind(entry);
    if (kind.kind === "sequential") return this.sequential(entry);
    if (kind.kind === "functional") return this.functional(entry);
    return this.fail(kind.kind === "refused" ? `${where}: ${kind.message}` : `${where} is a \`${String(entry.class_name)}\`, not a Keras model (Sequential or Functional)`);
  }

  /** One stored layer (not called yet): its value. Nested models are built whole. */
  layer(entry: Json): PyValue {
    const config = isObject(entry.config) ? entry.config : {};
    const name = typeof config.name === "string" ? config.name : typeof entry.name === "string" ? entry.name : String(entry.class_name);
    const kind = entryKind(entry);
    const what = `layer \`${name}\` (${String(entry.class_name)})`;
    switch (kind.kind) {
      case "sequential":
      case "functional":
        return this.model(entry, what);
      case "refused":
        return this.fail(`${what}: ${kind.message}`);
      case "input":
      case "tf-op":
      case "op":
        return this.fail(`${what} can only appear in a model's list of layers`);
      case "layer":
        return this.within(what, () => {
          const replaced = keras2Replacement(kind.cls, config);
          const kwargs = layerKwargs(replaced.cls, replaced.config, this.version, (inner) => this.layer(inner));
          if (!kwargs) this.fail("its nested layer config is malformed");
          const value = this.api.callQualified(`keras.layers.${replaced.cls}`, this.call([], [...kwargs]));
          if (value.t !== "layer") this.fail(`could not be created${value.t === "unknown" ? ` (${value.reason})` : ""}`);
          return value;
        });
    }
  }

  private sequential(entry: Json): { t: "model"; id: number } {
    const config = Array.isArray(entry.config) ? { layers: entry.config } : isObject(entry.config) ? entry.config : {};
    const stored = Array.isArray(config.layers) ? config.layers : this.fail("the stored Sequential config has no `layers` list");
    const items: PyValue[] = [];
    for (const item of stored) {
      if (!isObject(item)) this.fail("an entry of the Sequential's layers is not a `{class_name, config}` object");
      if (entryKind(item).kind === "input") items.push(this.input(isObject(item.config) ? item.config : {}, true));
      else items.push(this.layer(item));
    }
    const name = typeof config.name === "string" ? config.name : null;
    const value = this.api.callQualified("keras.Sequential", this.call([py.list(items)], name ? [["name", py.str(name)]] : []));
    if (value.t !== "model") this.fail("the stored Sequential could not be built");
    // A Sequential built on a shape (`model.build(...)`) with no Input stores it as `build_input_shape`.
    const draft = this.graph.drafts.get(value.id);
    const built = config.build_input_shape;
    if (draft && !draft.inputShape && Array.isArray(built) && built.every((d) => d === null || typeof d === "number")) draft.inputShape = built as (number | null)[];
    if (config.trainable === false) this.graph.setTrainable(value.id, false);
    return value as { t: "model"; id: number };
  }

  /**
   * An InputLayer's config: in a Sequential, the layer that gives its input shape; in a Functional, the
   * `keras.Input` tensor.
   */
  private input(config: Json, asLayer: boolean): PyValue {
    const name = typeof config.name === "string" ? config.name : null;
    const what = `input \`${name ?? "?"}\``;
    return this.within(what, () => {
      const shape = config.batch_shape ?? config.batch_input_shape;
      if (!Array.isArray(shape)) this.fail("it has no `batch_shape` (Keras 3) or `batch_input_shape` (Keras 2)");
      if (config.sparse === true || config.ragged === true) this.fail(`a ${config.sparse === true ? "sparse" : "ragged"} input has no PyTorch equivalent here`);
      const kwargs: [string, PyValue][] = [["batch_shape", pyValue(shape)]];
      const dtype = isObject(config.dtype) && isObject(config.dtype.config) ? config.dtype.config.name : config.dtype;
      if (typeof dtype === "string") kwargs.push(["dtype", py.str(dtype)]);
      if (name) kwargs.push(["name", py.str(name)]);
      const value = this.api.callQualified(asLayer ? "keras.layers.InputLayer" : "keras.Input", this.call([], kwargs));
      if (value.t === "unknown") this.fail(value.reason);
      return value;
    });
  }

  private functional(entry: Json): { t: "model"; id: number } {
    const config = isObject(entry.config) ? entry.config : this.fail("the stored Functional model has no config");
    const stored = Array.isArray(config.layers) ? config.layers : this.fail("the stored Functional config has no `layers` list");
    const modelName = typeof config.name === "string" ? config.name : null;
    // Each layer's outputs per node, as the stored references number them: outputs[name][node][tensor].
    const outputs = new Map<string, number[][]>();
    const objects = new Map<string, PyValue>();
    type Pending = { name: string; what: string; node: unknown; kind: ReturnType<typeof entryKind>; config: Json };
    const pending: Pending[] = [];
    for (const item of stored) {
      if (!isObject(item)) this.fail("an entry of the model's layers is not a `{class_name, config}` object");
      const layerConfig = isObject(item.config) ? item.config : {};
      const name = typeof item.name === "string" ? item.name : typeof layerConfig.name === "string" ? layerConfig.name : this.fail("a stored layer has no name");
      const kind = entryKind(item);
      const what = `layer \`${name}\` (${String(item.class_name)})`;
      if (kind.kind === "input") {
        const tensor = this.input(layerConfig, false);
        if (tensor.t !== "tensor") this.fail(`${what} did not give an input tensor`);
        outputs.set(name, [[tensor.id]]);
        continue;
      }
      if (kind.kind === "refused") this.fail(`${what}: ${kind.message}`);
      if (kind.kind !== "tf-op" && kind.kind !== "op") objects.set(name, this.layer(item));
      const nodes = Array.isArray(item.inbound_nodes) ? item.inbound_nodes : [];
      outputs.set(name, []);
      for (const node of nodes) pending.push({ name, what, node, kind, config: layerConfig });
    }
    // Nodes are created once their inputs exist; Keras' from_config defers the others the same way.
    let queue = pending;
    while (queue.length) {
      const later: Pending[] = [];
      for (const p of queue) {
        const args = this.nodeArguments(p.node, outputs);
        if (args === "later") {
          later.push(p);
          continue;
        }
        const result = this.within(p.what, () =>
          p.kind.kind === "tf-op" ? this.tfOp(p.config, args) : p.kind.kind === "op" ? this.kerasOp(p.kind.fn, p.config, args) : this.layerCall(objects.get(p.name) as Extract<PyValue, { t: "layer" | "model" }>, args),
        );
        const flat = this.flatTensors(result);
        if (!flat) this.fail(`${p.what} gave no tensor${result.t === "unknown" ? ` (${result.reason})` : ""}`);
        outputs.get(p.name)!.push(flat);
      }
      if (later.length === queue.length) this.fail(`the stored graph refers to outputs that no layer makes (first at ${later[0]!.what})`);
      queue = later;
    }
    const resolve = (structure: unknown, what: string): PyValue => {
      if (isRef(structure)) {
        const t = outputs.get(structure[0])?.[structure[1]]?.[structure[2]];
        if (t === undefined) this.fail(`the model's ${what} name \`${structure[0]}\` (node ${structure[1]}, tensor ${structure[2]}), which no layer makes`);
        return { t: "tensor", id: t };
      }
      if (Array.isArray(structure)) return py.list(structure.map((s) => resolve(s, what)));
      if (isObject(structure)) {
        const entries = new Map<string, [PyValue, PyValue]>();
        for (const [k, v] of Object.entries(structure)) entries.set(`s:${k}`, [py.str(k), resolve(v, what)]);
        return { t: "dict", entries };
      }
      return this.fail(`the model's ${what} are not stored as layer references`);
    };
    const inputs = resolve(config.input_layers, "inputs");
    let outs = resolve(config.output_layers, "outputs");
    // Keras 2 always stored a list; a model with one output returns the tensor.
    if (outs.t === "list" && outs.items.length === 1) outs = outs.items[0]!;
    const kwargs: [string, PyValue][] = [["inputs", inputs], ["outputs", outs]];
    if (modelName) kwargs.push(["name", py.str(modelName)]);
    const value = this.within(`model \`${modelName ?? "?"}\``, () => this.api.callQualified("keras.Model", this.call([], kwargs)));
    if (value.t !== "model") this.fail(`the stored model \`${modelName ?? "?"}\` could not be built${value.t === "unknown" ? ` (${value.reason})` : ""}`);
    if (config.trainable === false) this.graph.setTrainable(value.id, false);
    return value as { t: "model"; id: number };
  }

  private flatTensors(value: PyValue): number[] | null {
    if (value.t === "tensor") return [value.id];
    if (value.t === "list" || value.t === "tuple") {
      const out: number[] = [];
      for (const item of value.items) {
        const inner = this.flatTensors(item);
        if (!inner) return null;
        out.push(...inner);
      }
      return out;
    }
    if (value.t === "dict") return this.flatTensors(py.list([...value.entries.values()].map(([, v]) => v)));
    return null;
  }

  /**
   * The arguments of one stored call: Keras 3's `{args, kwargs}` with `__keras_tensor__` entries, or Keras
   * 2's list of `[layer, node, tensor, kwargs]`. "later" when a tensor it names does not exist yet.
   */
  private nodeArguments(node: unknown, outputs: Map<string, number[][]>): { args: PyValue[]; kwargs: Map<string, PyValue>; constants?: boolean } | "later" {
    let missing = false;
    const tensorOf = (ref: Ref): PyValue => {
      const t = outputs.get(ref[0])?.[ref[1]]?.[ref[2]];
      if (t === undefined) {
        missing = true;
        return NONE;
      }
      return { t: "tensor", id: t };
    };
    if (isObject(node)) {
      // Keras 3.
      const convert = (v: unknown): PyValue => {
        if (isObject(v) && v.class_name === "__keras_tensor__" && isObject(v.config) && isRef(v.config.keras_history)) return tensorOf(v.config.keras_history);
        if (Array.isArray(v)) return py.list(v.map(convert));
        if (isObject(v) && v.class_name === "__tuple__" && isObject(v.config) && Array.isArray(v.config.value)) return py.tuple(v.config.value.map(convert));
        if (isObject(v) && !("class_name" in v)) {
          const entries = new Map<string, [PyValue, PyValue]>();
          for (const [k, x] of Object.entries(v)) entries.set(`s:${k}`, [py.str(k), convert(x)]);
          return { t: "dict", entries };
        }
        return pyValue(v);
      };
      const args = Array.isArray(node.args) ? node.args.map(convert) : [];
      const kwargs = new Map(Object.entries(isObject(node.kwargs) ? node.kwargs : {}).map(([k, v]) => [k, convert(v)] as [string, PyValue]));
      return missing ? "later" : { args, kwargs };
    }
    if (!Array.isArray(node)) return { args: [], kwargs: new Map() };
    // Keras 2: the flattened first argument; each entry may carry the call's keyword arguments.
    const tensors: PyValue[] = [];
    let kwargs = new Map<string, PyValue>();
    // Keras 2 wrote tensors in kwargs as `[layer, node, tensor]` lists.
    const kwarg = (v: unknown): PyValue => (isRef(v) && outputs.has(v[0]) ? tensorOf(v) : Array.isArray(v) ? py.list(v.map(kwarg)) : pyValue(v));
    for (const item of node) {
      if (!Array.isArray(item)) continue;
      if (item[0] === "_CONSTANT_VALUE") tensors.push(pyValue(item[2]));
      else if (isRef(item)) tensors.push(tensorOf(item));
      if (isObject(item[3])) kwargs = new Map(Object.entries(item[3]).map(([k, v]) => [k, kwarg(v)] as [string, PyValue]));
    }
    if (missing) return "later";
    return { args: tensors.length === 1 ? [tensors[0]!] : [py.list(tensors)], kwargs };
  }

  /**
   * A layer called on stored arguments. Keras 3 stores the mask each call got as an explicit `mask=`
   * argument (made by `not_equal`/`any` operations from Embedding(mask_zero=True) or Masking), and
   * replays exactly that when it loads the file: the layer reads the stored mask here too, as the mask
   * of its input for this call.
   */
  private layerCall(obj: Extract<PyValue, { t: "layer" | "model" }>, call: { args: PyValue[]; kwargs: Map<string, PyValue> }): PyValue {
    const kwargs = new Map(call.kwargs);
    const mask = kwargs.get("mask");
    kwargs.delete("mask");
    const first = call.args[0];
    const inputs = first?.t === "tensor" ? [first] : first?.t === "list" || first?.t === "tuple" ? first.items : [];
    const masks = mask === undefined ? [] : mask.t === "list" || mask.t === "tuple" ? mask.items : [mask];
    const set: { id: number; old: number | undefined; mask: number | undefined }[] = [];
    if (mask !== undefined && obj.t === "layer") {
      inputs.forEach((input, i) => {
        const m = masks[i];
        if (input.t !== "tensor" || m === undefined) return;
        const tensor = this.graph.tensor(input.id);
        const stored = m.t === "tensor" ? m.id : undefined;
        if (tensor.mask === stored) return;
        set.push({ id: input.id, old: tensor.mask, mask: stored });
        tensor.mask = stored;
      });
    } else if (mask !== undefined && masks.some((m) => m.t === "tensor")) {
      this.fail("a nested model called with a mask is not supported yet");
    }
    try {
      return this.api.callObject(obj, this.call(call.args, [...kwargs]));
    } finally {
      // The tensor keeps its own mask for other calls (unless the layer removed it, as MultiHeadAttention does).
      for (const s of set) {
        const tensor = this.graph.tensor(s.id);
        if (tensor.mask === s.mask) tensor.mask = s.old;
      }
    }
  }

  /** A Keras 3 operation node: `keras.ops.<fn>(*args, **config, **kwargs)` from the operations registry. */
  private kerasOp(fn: string, config: Json, call: { args: PyValue[]; kwargs: Map<string, PyValue> }): PyValue {
    // `convert_to_tensor` of a symbolic tensor with no dtype is that tensor (Keras records it in masks).
    if (fn === "convert_to_tensor" && call.args[0]?.t === "tensor" && (config.dtype === null || config.dtype === undefined)) return call.args[0];
    const op = opFor(`keras.ops.${fn}`);
    if (!op) this.fail(`\`keras.ops.${fn}\` is not in the operations registry yet (docs/supported-operations.md lists what is)`);
    const kwargs = new Map<string, PyValue>();
    for (const [k, v] of Object.entries(config)) if (k !== "name") kwargs.set(k, pyValue(isObject(v) && isObject(v.config) && typeof v.config.name === "string" ? v.config.name : v));
    for (const [k, v] of call.kwargs) kwargs.set(k, v);
    return this.api.op(op!.rule, op!.qualifiedName, this.call(call.args, [...kwargs]));
  }

  /** A stored `slice_spec` as the index `operator.getitem` takes: ints, None, "...", {"slice": [start, stop, step]}. */
  private sliceIndex(spec: PyValue): PyValue {
    const item = (v: PyValue): PyValue => {
      if (v.t !== "dict") return v;
      const get = (k: string) => v.entries.get(`s:${k}`)?.[1];
      if (get("class_name")?.t === "str" && (get("class_name") as { v: string }).v === "__ellipsis__") return py.str("...");
      const entries = new Map<string, [PyValue, PyValue]>();
      entries.set("s:slice", [py.str("slice"), py.list(["start", "stop", "step"].map((k) => get(k) ?? NONE))]);
      return { t: "dict", entries };
    };
    return spec.t === "list" || spec.t === "tuple" ? py.tuple(spec.items.map(item)) : item(spec);
  }

  /** A Keras 2 `TFOpLambda`: the TensorFlow function it wraps, from the operations registry. */
  private tfOp(config: Json, call: { args: PyValue[]; kwargs: Map<string, PyValue> }): PyValue {
    const fn = typeof config.function === "string" ? config.function : this.fail("the TFOpLambda names no `function`");
    const path = fn.startsWith("__operators__.") ? `operator.${fn.slice("__operators__.".length)}` : `tensorflow.${fn}`;
    const op = opFor(path);
    if (!op) this.fail(`\`tf.${fn}\` is not in the operations registry yet (docs/supported-operations.md lists what is)`);
    const kwargs = new Map(call.kwargs);
    // Keras drops `name` when it calls the function.
    kwargs.delete("name");
    // Keras 2 made every argument after the first a keyword argument; `x + y` is `__operators__.add(x, y=...)`.
    const args = [...call.args];
    if (fn === "__operators__.getitem") {
      // SlicingOpLambda: `x[:, 1:3, ...]` stored as `slice_spec`, slices as {start, stop, step} dicts.
      const spec = kwargs.get("slice_spec");
      kwargs.delete("slice_spec");
      if (!spec) this.fail("the SlicingOpLambda has no `slice_spec`");
      args.push(this.sliceIndex(spec!));
    }
    if (path.startsWith("operator.") && kwargs.has("y")) {
      args.push(kwargs.get("y")!);
      kwargs.delete("y");
    }
    return this.api.op(op.rule, op.qualifiedName, this.call(args, [...kwargs]));
  }
}

// Subclassed models and custom layers: `class M(keras.Model)` / `class L(keras.layers.Layer)`.
// Instances are evaluated statically like everything else: `__init__` and `build` run in the
// evaluator and record the instance's attributes and variables; the first call of the instance on
// tensors translates `call` (src/frontend/translate.ts), keeping the author's statements.
import type { SyntaxNode } from "./syntax.js";
import type { AddedWeight, AttributeValue, ConfigValue, DType, LayerRef, ModelDef, PyExpr, SourceRange } from "../ir/types.js";
import { EvalError, iterate, numberOf, unknown } from "./builtins.js";
import type { Evaluator } from "./evaluate.js";
import { toSnakeCase, type GraphBuilder } from "./graph.js";
import { resolveKeras } from "./names.js";
import type { Scope } from "./scope.js";
import { CallTranslator } from "./translate.js";
import { modelMethodResult } from "./keras-api.js";
import { NONE, isUnknown, py, truthy, typeName, type CallArgs, type PyValue } from "./values.js";

type ClassValue = Extract<PyValue, { t: "class" }>;
type FunctionValue = Extract<PyValue, { t: "function" }>;
type Instance = Extract<PyValue, { t: "model" }>;

/** Keras' test for a Functional construction: `(inputs, outputs)`, or both given by keyword. */
function functionalArguments(call: CallArgs): boolean {
  const given = (key: string) => call.kwargs.has(key);
  return call.args.length === 2 || (call.args.length === 1 && given("outputs")) || (given("inputs") && given("outputs"));
}

/** `__init__`'s named parameters and the static values they took, as Python literals (`*args`/`**kwargs` aside). */
function initArguments(fn: FunctionValue, locals: Scope): { name: string; value: PyExpr | undefined }[] {
  const out: { name: string; value: PyExpr | undefined }[] = [];
  const params = fn.node.childForFieldName("parameters")!.namedChildren.slice(1);
  for (const param of params) {
    const name =
      param.type === "identifier" ? param.text : param.type === "default_parameter" || param.type === "typed_default_parameter" ? param.childForFieldName("name")!.text : param.type === "typed_parameter" && param.namedChildren[0]!.type === "identifier" ? param.namedChildren[0]!.text : null;
    if (!name) continue;
    out.push({ name, value: literalOf(locals.own(name)) });
  }
  return out;
}

function containsTensor(v: PyValue): boolean {
  return v.t === "tensor" || ((v.t === "list" || v.t === "tuple") && v.items.some(containsTensor)) || (v.t === "dict" && [...v.entries.values()].some(([, x]) => containsTensor(x)));
}

/** A constant as the Python literal it was written as: lists stay lists, floats floats. */
function literalOf(v: PyValue | undefined): PyExpr | undefined {
  if (!v) return undefined;
  switch (v.t) {
    case "none":
      return { k: "lit", value: null };
    case "bool":
    case "int":
    case "str":
      return { k: "lit", value: v.v };
    case "float":
      return { k: "float", value: v.v };
    case "tuple":
    case "list": {
      const items = v.items.map(literalOf);
      return items.some((i) => i === undefined) ? undefined : { k: v.t, items: items as PyExpr[] };
    }
    default:
      return undefined;
  }
}

/** Methods that only train or serialize; they are not model structure and are left out. */
const TRAINING_ONLY_METHODS = ["train_step", "test_step", "predict_step", "compile", "compute_loss", "compute_metrics", "reset_metrics"];
const SERIALIZATION_METHODS = ["get_config", "from_config", "compute_output_shape", "compute_output_spec", "get_build_config", "build_from_config"];
/** Layer methods that record losses or metrics: no effect on what the model computes. */
const RECORDING_METHODS = new Set(["add_loss", "add_metric", "add_update"]);
/** Methods that run the model on data: the first one builds a model nothing built before. */
const DATA_METHODS = new Set(["fit", "predict", "evaluate", "train_on_batch", "predict_on_batch", "test_on_batch", "predict_step"]);
/** Keras Model methods that do not change the architecture. */
const MODEL_NO_OPS = new Set([
  "summary", "compile", "fit", "evaluate", "predict", "save", "save_weights", "load_weights", "fit_generator", "to_json",
  "get_config", "count_params", "train_on_batch", "test_on_batch", "predict_on_batch", "export",
]);

export type InstancesCheckpoint = Map<number, { attributes: InstanceState["attributes"]; weights: number; built: boolean; named: boolean }>;

export interface InstanceState {
  cls: ClassValue;
  /** Attributes in assignment order; a reassignment keeps the first position, as Keras' tracker does. */
  attributes: Map<string, { value: PyValue; range: SourceRange }>;
  weights: AddedWeight[];
  /** `build()` has run (or the class has none). */
  built: boolean;
  /** Guards against a `call` that calls the instance itself. */
  tracing: boolean;
  /** `super().__init__()` ran: the instance has its Keras name. */
  named: boolean;
  /**
   * What the instance is when a Model subclass got `inputs` and `outputs` (kerasInit): a Functional
   * model, or unknown when that could not be built (already reported).
   */
  functional?: PyValue;
}

export class SubclassSupport {
  readonly instances = new Map<number, InstanceState>();
  private readonly translator: CallTranslator;
  /** The class and instance of each method frame, for `super()`. */
  private readonly frames: { cls: ClassValue; self: PyValue }[] = [];

  constructor(
    private readonly ev: Evaluator,
    private readonly graph: GraphBuilder,
  ) {
    this.translator = new CallTranslator(ev, graph, this);
    // A Sequential applies its layers itself: an instance in one is translated on the tensor it gets there.
    graph.traceSubclass = (modelId, inputs, range) => {
      const arg: PyValue = inputs.length === 1 ? { t: "tensor", id: inputs[0]! } : py.list(inputs.map((id) => ({ t: "tensor", id })));
      this.ensureTraced({ t: "model", id: modelId }, { args: [arg], kwargs: new Map(), argRanges: [range], kwargRanges: new Map(), range });
    };
  }

  /** `keras.Model`, `keras.layers.Layer` (any spelling), or a class of the input set derived from one. */
  kerasBase(bases: PyValue[]): "Model" | "Layer" | null {
    for (const base of bases) {
      if (base.t === "class" && base.keras) return base.keras;
      if (base.t !== "qname") continue;
      const symbol = resolveKeras(base.path);
      if (symbol?.kind === "model" || symbol?.kind === "sequential") return "Model";
      if (symbol?.kind === "other" && /^(layers\.|engine\.base_layer\.|layers\.core\.)?Layer$/.test(symbol.path)) return "Layer";
      if (symbol?.kind === "layer" && symbol.cls === "Layer") return "Layer";
    }
    return null;
  }

  /** Training-only and serialization methods are named once per class, never translated. */
  noteClass(stmt: SyntaxNode, name: string, namespace: Scope): void {
    const training = TRAINING_ONLY_METHODS.filter((m) => namespace.own(m)?.t === "function");
    if (namespace.own("metrics")?.t === "function") training.push("metrics");
    if (training.length) {
      this.graph.report(
        "warning",
        "training-only",
        `\`${name}\` defines ${training.map((m) => `\`${m}\``).join(", ")}: training code is not model structure and is left out of the PyTorch module`,
        this.ev.range(stmt.childForFieldName("name")!),
      );
    }
  }

  // Instances -------------------------------------------------------------------------------

  instantiate(cls: ClassValue, call: CallArgs): PyValue {
    if (!cls.keras) throw new EvalError(`class \`${cls.name}\` is not callable statically`, call.range);
    const model = this.graph.createSubclass(cls.name, cls.keras, call.range);
    const self: Instance = { t: "model", id: model.id };
    const state: InstanceState = { cls, attributes: new Map(), weights: [], built: false, tracing: false, named: false };
    this.instances.set(model.id, state);
    const init = this.method(cls, "__init__");
    if (init) {
      // The values `__init__`'s parameters took: the generated class keeps them as its defaults.
      const previous = this.ev.functionHook;
      this.ev.functionHook = (fn, locals) => {
        this.ev.functionHook = previous;
        if (fn === init.fn) model.subclass!.initArgs = initArguments(fn, locals);
        return previous ? previous(fn, locals) : null;
      };
      try {
        this.callIn(init.cls, init.fn, self, call);
      } finally {
        this.ev.functionHook = previous;
      }
    } else this.kerasInit(model, call);
    if (!state.named) this.nameInstance(model, null);
    if (state.functional) {
      this.graph.discardModel(model.id);
      this.instances.delete(model.id);
      return state.functional;
    }
    return self;
  }

  /** Keras' `Layer.__init__(name=..., trainable=..., dtype=..., **kwargs)`, or `Functional.__init__` (below). */
  private kerasInit(model: ModelDef, call: CallArgs): void {
    const name = call.kwargs.get("name");
    this.nameInstance(model, name?.t === "str" ? name.v : null);
    const trainable = call.kwargs.get("trainable");
    if (trainable && truthy(trainable) === false) this.graph.setTrainable(model.id, false);
    // Keras makes a Model subclass given inputs and outputs a Functional model with the subclass's
    // methods (`train_step` and the like, which are not translated). One with its own `call` stays a
    // subclass: Keras would run that `call` instead.
    const state = this.instances.get(model.id)!;
    if (model.subclass!.base === "Model" && functionalArguments(call) && !this.method(state.cls, "call")) {
      state.functional = this.ev.keras.model(call, { name: model.name, explicit: model.explicitName });
    }
  }

  /** Keras names an instance when `Layer.__init__` runs: the snake-case class name, counted per session. */
  private nameInstance(model: ModelDef, name: string | null): void {
    const state = this.instances.get(model.id)!;
    if (state.named) return;
    state.named = true;
    model.name = name ?? this.graph.autoName(toSnakeCase(model.subclass!.className));
    model.explicitName = name !== null;
  }

  /** A method of the class or of its bases in the input set (Python's MRO, depth-first for single inheritance). */
  method(cls: ClassValue, name: string): { cls: ClassValue; fn: FunctionValue } | null {
    // A class that overrides `__call__` instead of defining `call` (older TensorFlow tutorials) is called
    // through it: it is the forward computation.
    if (name === "call") return this.ownMethod(cls, "call") ?? this.ownMethod(cls, "__call__");
    return this.ownMethod(cls, name);
  }

  /** A method the class or one of the file's classes it derives from defines. */
  private ownMethod(cls: ClassValue, name: string): { cls: ClassValue; fn: FunctionValue } | null {
    const own = cls.namespace.own(name);
    if (own?.t === "function") return { cls, fn: own };
    for (const base of cls.bases) {
      if (base.t !== "class") continue;
      const found = this.ownMethod(base, name);
      if (found) return found;
    }
    return null;
  }

  /** A class-level value (constant or method) of the class or its bases. */
  private classValue(cls: ClassValue, name: string): PyValue | undefined {
    const own = cls.namespace.own(name);
    if (own) return own;
    for (const base of cls.bases) if (base.t === "class") {
      const found = this.classValue(base, name);
      if (found) return found;
    }
    return undefined;
  }

  /** Run a method with `self` bound, inside a frame for `super()`. */
  callIn(cls: ClassValue, fn: FunctionValue, self: PyValue, call: CallArgs): PyValue {
    this.frames.push({ cls, self });
    try {
      return this.ev.callFunction(fn, { ...call, args: [self, ...call.args], argRanges: [call.range, ...call.argRanges] });
    } finally {
      this.frames.pop();
    }
  }

  /** `super()` (or `super(Cls, self)`) inside the current method. */
  superObject(call: CallArgs): PyValue {
    const frame = this.frames[this.frames.length - 1];
    const [clsArg, selfArg] = call.args;
    if (clsArg?.t === "class" && selfArg) return { t: "super", self: selfArg, cls: clsArg };
    if (!frame) throw new EvalError("`super()` outside a method is not evaluated statically", call.range);
    return { t: "super", self: frame.self, cls: frame.cls };
  }

  callSuper(sup: Extract<PyValue, { t: "super" }>, name: string, call: CallArgs): PyValue {
    // The next class in the MRO: a base of the input set first, else Keras itself.
    for (const base of sup.cls.bases) {
      if (base.t !== "class") continue;
      const found = this.method(base, name);
      if (found) return this.callIn(found.cls, found.fn, sup.self, call);
    }
    if (sup.self.t !== "model") return NONE;
    const model = this.graph.program.models.get(sup.self.id)!;
    if (name === "__init__") {
      this.kerasInit(model, call);
      return NONE;
    }
    // Keras' own build/call/get_config have no effect on the structure here.
    return NONE;
  }

  // Attributes ------------------------------------------------------------------------------

  setAttribute(self: Instance, name: string, value: PyValue, range: SourceRange): void {
    const state = this.instances.get(self.id)!;
    const existing = state.attributes.get(name);
    if (existing) existing.value = value;
    else state.attributes.set(name, { value, range });
  }

  attribute(self: Instance, name: string, range: SourceRange): PyValue {
    const state = this.instances.get(self.id)!;
    const model = this.graph.program.models.get(self.id)!;
    const own = state.attributes.get(name);
    if (own) return own.value;
    const value = this.classValue(state.cls, name);
    if (value?.t === "function") {
      // A `@property` runs when read.
      if (this.isProperty(value)) return this.callIn(state.cls, value, self, { args: [], kwargs: new Map(), argRanges: [], kwargRanges: new Map(), range });
      return { t: "bound", self, name };
    }
    if (value) return value;
    switch (name) {
      case "name":
        return py.str(model.name);
      case "trainable":
        return py.bool(!this.graph.isFrozen(self.id));
      case "built":
        return py.bool(state.built);
      case "layers":
        return py.list(this.trackedLayers(self.id).map((v) => v));
      case "input_spec":
      case "supports_masking":
        return NONE;
      case "input":
      case "output":
        // The tensors of its first call (`model.get_layer("inv_1").output`), as for a built-in layer.
        return this.ev.keras.firstCallTensors(self, name) ?? { t: "bound", self, name };
      default:
        return { t: "bound", self, name };
    }
  }

  isProperty(fn: FunctionValue): boolean {
    const parent = fn.node.parent;
    return parent?.type === "decorated_definition" && parent.namedChildren.some((d) => d.type === "decorator" && /^@(property|functools\.cached_property|cached_property)$/.test(d.text.trim()));
  }

  /** Sublayers in the order Keras tracks them: attribute assignment order, containers flattened. */
  trackedLayers(modelId: number): PyValue[] {
    const out: PyValue[] = [];
    const seen = new Set<string>();
    const visit = (v: PyValue) => {
      if (v.t === "layer" || v.t === "model") {
        const key = `${v.t}:${v.id}`;
        if (!seen.has(key)) {
          seen.add(key);
          out.push(v);
        }
      } else if (v.t === "list" || v.t === "tuple") v.items.forEach(visit);
      else if (v.t === "dict") [...v.entries.values()].forEach(([, item]) => visit(item));
    };
    for (const { value } of this.instances.get(modelId)!.attributes.values()) visit(value);
    return out;
  }

  // Methods ---------------------------------------------------------------------------------

  callMethod(self: Instance, name: string, call: CallArgs): PyValue {
    const state = this.instances.get(self.id)!;
    if (name === "add_weight") return this.addWeight(self, call);
    if (RECORDING_METHODS.has(name)) return NONE;
    if (name === "build") return this.buildFromShape(self, call);
    if (name === "call" || name === "__call__") return this.callInstance(self, call);
    // `fit`/`predict` on an array builds a model that nothing built before, on that array's shape.
    // A class with no `call` (a GAN's `train_step` trains the models it holds) is not built by its data.
    const data = call.args[0] ?? call.kwargs.get("x");
    if (DATA_METHODS.has(name) && data?.t === "tensor" && !this.graph.program.models.get(self.id)!.subclass!.forward && this.method(state.cls, "call")) {
      try {
        this.ensureTraced(self, { ...call, args: [data], kwargs: new Map(), argRanges: [call.argRanges[0] ?? call.kwargRanges.get("x") ?? call.range] });
      } catch (error) {
        if (!(error instanceof EvalError)) throw error;
        this.graph.report("error", "unknown-value", error.message, error.range);
      }
      return NONE;
    }
    if (MODEL_NO_OPS.has(name) || SERIALIZATION_METHODS.includes(name)) return modelMethodResult(name, call.range);
    const found = this.method(state.cls, name);
    if (found) return this.callIn(found.cls, found.fn, self, call);
    if (name === "get_layer") {
      const wanted = call.kwargs.get("name") ?? call.args[0];
      const layer = this.trackedLayers(self.id).find((v) => this.nameOf(v) === (wanted?.t === "str" ? wanted.v : null));
      if (layer) return layer;
      throw new EvalError(`the model has no layer named ${wanted?.t === "str" ? `'${wanted.v}'` : "like that"}`, call.range);
    }
    return unknown(`\`${state.cls.name}.${name}()\` is not evaluated statically`, call.range);
  }

  private nameOf(v: PyValue): string | null {
    if (v.t === "layer") return this.graph.program.layers.get(v.id)!.name;
    if (v.t === "model") return this.graph.program.models.get(v.id)!.name;
    return null;
  }

  /**
   * `self.add_weight(shape, initializer, dtype, trainable, ..., name)` (Keras 3 order); Keras 2 code
   * passes `name` first (`self.add_weight("kernel", shape=...)`).
   */
  private addWeight(self: Instance, call: CallArgs): PyValue {
    const state = this.instances.get(self.id)!;
    const args = [...call.args];
    const kw = new Map(call.kwargs);
    const positional = args[0]?.t === "str" ? ["name", "shape", "dtype", "initializer"] : ["shape", "initializer", "dtype", "trainable"];
    args.forEach((a, i) => positional[i] && !kw.has(positional[i]!) && kw.set(positional[i]!, a));
    const shapeValue = kw.get("shape") ?? NONE;
    const items = shapeValue.t === "none" ? [] : shapeValue.t === "int" ? [shapeValue] : iterate(shapeValue);
    const shape = items?.map(numberOf) ?? null;
    if (!shape || shape.some((d) => d === null || d < 0 || !Number.isInteger(d))) {
      this.ev.keras.reportUnknown(items?.find((i) => numberOf(i) === null) ?? shapeValue, "the shape of `add_weight`", call.kwargRanges.get("shape") ?? call.argRanges[0] ?? call.range);
      return unknown("a weight of unknown shape", call.range);
    }
    const nameValue = kw.get("name");
    const dtypeValue = kw.get("dtype");
    const dtype: DType = dtypeValue?.t === "str" && ["float32", "float64", "float16"].includes(dtypeValue.v) ? (dtypeValue.v as DType) : "float32";
    const initializer = this.initializerConfig(kw.get("initializer"), call.kwargRanges.get("initializer") ?? call.range);
    const name = nameValue?.t === "str" ? nameValue.v : "variable";
    const tensor = this.graph.createLeaf(shape as number[], dtype, name);
    const weight: AddedWeight = {
      name,
      shape: shape as number[],
      trainable: truthy(kw.get("trainable") ?? py.bool(true)) !== false,
      initializer,
      dtype,
      tensorId: tensor.id,
      range: call.range,
    };
    tensor.weightOf = { modelId: self.id, index: state.weights.length };
    state.weights.push(weight);
    return { t: "tensor", id: tensor.id };
  }

  /** An initializer as data: `'zeros'`, `keras.initializers.Constant(0.5)`, a number. */
  private initializerConfig(value: PyValue | undefined, range: SourceRange): ConfigValue {
    if (!value || value.t === "none") return "glorot_uniform";
    if (value.t === "str") return value.v;
    if (value.t === "int" || value.t === "float") return { class_name: "Constant", value: value.v };
    if (value.t === "qname") return value.path.split(".").pop()!;
    if (value.t === "dict") {
      const out: Record<string, ConfigValue> = {};
      for (const [k, v] of value.entries.values()) if (k.t === "str" && (v.t === "int" || v.t === "float" || v.t === "str")) out[k.v] = v.v;
      return out;
    }
    this.graph.report("warning", "unsupported-argument", `initializer ${typeName(value)} is not understood; the parameter starts at zeros (loading Keras weights overwrites it)`, range);
    return "zeros";
  }

  // Building and calling --------------------------------------------------------------------

  /**
   * What an instance never built holds, for a `train_step` wrapper (a GAN, a VAE, a distiller): the
   * models among its attributes, whether its class has a `call`, and the held model its `call` passes
   * its own input to first (`return self.decoder(self.encoder(x)[2])` feeds `x` to `encoder`).
   */
  heldModels(modelId: number): { models: { name: string; id: number }[]; hasCall: boolean; fedModel: { name: string; id: number } | null } {
    const state = this.instances.get(modelId);
    if (!state) return { models: [], hasCall: false, fedModel: null };
    const models = [...state.attributes].flatMap(([name, { value }]) => (value.t === "model" && value.id !== modelId ? [{ name, id: value.id }] : []));
    const call = this.method(state.cls, "call");
    if (!call) return { models, hasCall: false, fedModel: null };
    const param = call.fn.node.childForFieldName("parameters")!.namedChildren[1]?.text.match(/^[A-Za-z_]\w*/)?.[0];
    const body = call.fn.node.childForFieldName("body")?.text ?? "";
    // The first `self.<attribute>(<input>` in the source; only a held model counts.
    const first = param ? new RegExp(`self\\.([A-Za-z_]\\w*)\\(\\s*(${param})\\s*[,)]`, "d").exec(body) : null;
    // The input goes there untouched: no earlier use of the parameter can have changed it.
    const firstUse = param ? new RegExp(`\\b${param}\\b`).exec(body)?.index : undefined;
    const direct = first?.indices?.[2]?.[0] === firstUse;
    return { models, hasCall: true, fedModel: direct ? (models.find((m) => m.name === first![1]) ?? null) : null };
  }

  /** `--input-shape`: build the instance on those shapes, as `model.build` would. */
  buildWith(self: Instance, shapes: (number | null)[][], range: SourceRange): void {
    const tuple = (s: (number | null)[]): PyValue => py.tuple(s.map((d) => (d === null ? NONE : py.int(d))));
    const arg = shapes.length === 1 ? tuple(shapes[0]!) : py.list(shapes.map(tuple));
    try {
      this.buildFromShape(self, { args: [arg], kwargs: new Map(), argRanges: [range], kwargRanges: new Map(), range });
    } catch (error) {
      if (!(error instanceof EvalError)) throw error;
      this.graph.report("error", "invalid-model", `--input-shape: ${error.message}`, error.range);
    }
  }

  /** `model.build(input_shape)`: the input shape `call` is translated on. */
  private buildFromShape(self: Instance, call: CallArgs): PyValue {
    const shapeValue = call.args[0] ?? call.kwargs.get("input_shape") ?? NONE;
    const shapes = this.shapeList(shapeValue);
    if (!shapes) {
      this.ev.keras.reportUnknown(shapeValue, "the shape given to `build`", call.argRanges[0] ?? call.range);
      return NONE;
    }
    const tensors: PyValue[] = shapes.map((shape, i) => ({ t: "tensor", id: this.graph.createLeaf(shape, "float32", shapes.length === 1 ? "inputs" : `inputs_${i}`).id }));
    // Several shapes go to a `call` with as many tensor parameters one each, else as one list.
    const state = this.instances.get(self.id)!;
    const params = (this.method(state.cls, "call")?.fn.node.childForFieldName("parameters")!.namedChildren.slice(1) ?? []).filter((p) => !/^(training|mask)\b/.test(p.text));
    const args = tensors.length > 1 && params.length >= tensors.length ? tensors : [tensors.length === 1 ? tensors[0]! : py.list(tensors)];
    this.callInstance(self, { ...call, args, kwargs: new Map(), argRanges: args.map(() => call.range), kwargRanges: new Map() });
    return NONE;
  }

  /** `(None, 64)` → one shape; `[(None, 8), (None, 4)]` → two. */
  private shapeList(value: PyValue): (number | null)[][] | null {
    const items = iterate(value);
    if (!items) return null;
    const dims = (v: PyValue): (number | null)[] | null => {
      const xs = iterate(v);
      if (!xs) return null;
      const out: (number | null)[] = [];
      for (const x of xs) {
        if (x.t === "none") out.push(null);
        else if (x.t === "int") out.push(x.v);
        else return null;
      }
      return out;
    };
    if (items.every((i) => i.t === "int" || i.t === "none")) return [dims(value)!];
    const all = items.map(dims);
    return all.every((d) => d !== null) ? (all as (number | null)[][]) : null;
  }

  /** Calling the instance on tensors: translate `call` on the first call, then apply it as a layer. */
  callInstance(self: Instance, call: CallArgs): PyValue {
    // Called on data known only at run time (a script showing what the layer does to one image): the
    // result is unknown too, an error only where a model needs it, and a later call on tensors traces it.
    const [first] = this.tensorArguments(self, call);
    if (first && isUnknown(first)) return first;
    if (!this.ensureTraced(self, call)) return unknown(`\`${this.instances.get(self.id)!.cls.name}.call\` could not be translated`, call.range);
    // Every tensor argument, in order, is an input of the graph node.
    const inputs = this.tensorArguments(self, call);
    return this.ev.keras.callObject(self, { ...call, args: [inputs.length === 1 ? inputs[0]! : py.list(inputs)], kwargs: new Map(), argRanges: call.argRanges.slice(0, 1) });
  }

  /** The positional tensor arguments of a call of the instance (`inputs=` counts as the first). */
  private tensorArguments(self: Instance, call: CallArgs): PyValue[] {
    const state = this.instances.get(self.id)!;
    const params = this.method(state.cls, "call")?.fn.node.childForFieldName("parameters")!.namedChildren.slice(1) ?? [];
    const names = params.map((p) => (p.type === "identifier" ? p.text : p.childForFieldName("name")?.text ?? p.namedChildren[0]?.text ?? ""));
    const out = [...call.args];
    for (const name of names.slice(out.length)) {
      const byName = call.kwargs.get(name);
      if (!byName || name === "training" || name === "mask" || !containsTensor(byName)) break;
      out.push(byName);
    }
    if (!out.length && call.kwargs.has("inputs")) out.push(call.kwargs.get("inputs")!);
    return out;
  }

  /** Translates `call` on the first call; false when it could not be (already reported). */
  private ensureTraced(self: Instance, call: CallArgs): boolean {
    const state = this.instances.get(self.id)!;
    const model = this.graph.program.models.get(self.id)!;
    const inputs = this.tensorArguments(self, call);
    if (!inputs.length) throw new EvalError(`\`${state.cls.name}\` must be called on a tensor`, call.range);
    if (!model.subclass!.forward) {
      if (state.tracing) throw new EvalError(`\`${state.cls.name}.call\` calls the instance itself`, call.range);
      const callMethod = this.method(state.cls, "call");
      if (!callMethod) {
        this.graph.report("error", "invalid-model", `\`${state.cls.name}\` has no \`call\` method to translate`, call.range);
        return false;
      }
      state.tracing = true;
      try {
        return this.translator.trace(self, state, callMethod, inputs, call);
      } finally {
        state.tracing = false;
      }
    }
    return true;
  }

  /** Runs `build(input_shape)` once, before the first `call`, as Keras does. */
  runBuild(self: Instance, state: InstanceState, inputShapes: PyValue, range: SourceRange): void {
    if (state.built) return;
    state.built = true;
    const build = this.method(state.cls, "build");
    if (build) this.callIn(build.cls, build.fn, self, { args: [inputShapes], kwargs: new Map(), argRanges: [range], kwargRanges: new Map(), range });
  }

  // Speculative evaluation ------------------------------------------------------------------

  checkpoint(): InstancesCheckpoint {
    return new Map([...this.instances].map(([id, s]) => [id, { attributes: new Map([...s.attributes].map(([k, v]) => [k, { ...v }])), weights: s.weights.length, built: s.built, named: s.named }]));
  }

  rollback(point: InstancesCheckpoint): void {
    for (const id of [...this.instances.keys()]) if (!point.has(id)) this.instances.delete(id);
    for (const [id, saved] of point) {
      const state = this.instances.get(id)!;
      state.attributes = saved.attributes;
      state.weights.splice(saved.weights);
      state.built = saved.built;
      state.named = saved.named;
    }
  }

  // The IR ----------------------------------------------------------------------------------

  /** Writes each instance's attributes and variables into its ModelDef (after evaluation). */
  finalize(): void {
    for (const [id, state] of this.instances) {
      const model = this.graph.program.models.get(id)!;
      const sub = model.subclass!;
      sub.weights = state.weights;
      sub.attributes = [...state.attributes].map(([name, { value, range }]) => ({ name, value: this.attributeValue(value), range }));
      model.layers = this.trackedLayers(id).flatMap((v): LayerRef[] =>
        v.t === "layer" ? [{ kind: "layer", layerId: v.id }] : v.t === "model" ? [{ kind: "model", modelId: v.id }] : [],
      );
    }
  }

  private attributeValue(value: PyValue): AttributeValue {
    switch (value.t) {
      case "layer":
        return { kind: "layer", layerId: value.id };
      case "model":
        return { kind: "model", modelId: value.id };
      case "tensor": {
        const weight = this.graph.tensor(value.id).weightOf;
        return weight ? { kind: "weight", index: weight.index } : { kind: "opaque", what: "a tensor" };
      }
      case "list":
      case "tuple":
        return { kind: "list", items: value.items.map((v) => this.attributeValue(v)), tuple: value.t === "tuple" };
      case "dict": {
        const entries: [string, AttributeValue][] = [];
        for (const [k, v] of value.entries.values()) entries.push([k.t === "str" ? k.v : String(k.t === "int" ? k.v : "?"), this.attributeValue(v)]);
        return { kind: "dict", entries };
      }
      case "none":
        return { kind: "constant", value: null };
      case "bool":
      case "int":
      case "float":
      case "str":
        return { kind: "constant", value: value.v };
      default:
        return { kind: "opaque", what: typeName(value) };
    }
  }
}

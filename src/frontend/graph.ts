// Builds the IR graph while the evaluator walks the source: layers, tensors, nodes and models.
// Shapes are inferred eagerly, because model code reads them back (`x.shape[-1]`).
import { augmentsData } from "../rules/noise.js";

/** Preprocessing layers with no weights, which a data pipeline applies as often as a model does. */
const WEIGHTLESS_PREPROCESSING = new Set(["Rescaling", "Resizing", "CenterCrop"]);
import type {
  ConfigValue,
  Diagnostic,
  DiagnosticCode,
  DType,
  GraphNode,
  LayerDef,
  LayerRef,
  ModelDef,
  NodeOp,
  OpArg,
  OutputStructure,
  PyExpr,
  Program,
  Shape,
  SourceRange,
  TensorDef,
} from "../ir/types.js";
import { ruleFor } from "../rules/registry.js";
import { maskPlan, type OutputMask } from "../rules/masking.js";
import { RECURRENT_CELLS } from "../rules/recurrent.js";
import { applyOp, opFor } from "./ops.js";
import type { CallArgs, PyValue } from "./values.js";
import { ConfigError } from "../rules/util.js";
import { isFrozen } from "../ir/models.js";

const snakeCases = new Map<string, string>();

/** Keras' `naming.to_snake_case`, which names layers (`LeakyReLU` → `leaky_re_lu`). */
export function toSnakeCase(name: string): string {
  let snake = snakeCases.get(name);
  if (snake === undefined) {
    snake = name
      .replace(/\W+/g, "")
      .replace(/(.)([A-Z][a-z]+)/g, "$1_$2")
      .replace(/([a-z])([A-Z])/g, "$1_$2")
      .toLowerCase();
    // Class names repeat across every file of a run; a hostile file's many names must not grow it forever.
    if (snakeCases.size >= 4096) snakeCases.clear();
    snakeCases.set(name, snake);
  }
  return snake;
}

/** See `GraphBuilder.checkpoint`. */
export interface Checkpoint {
  nextId: number;
  uids: Map<string, number>;
  diagnostics: number;
  incomplete: number;
  dataDependent: number;
  modelOrder: number;
  journal: number;
  built: Set<number>;
  drafts: Map<number, SequentialDraft>;
}

/** A Sequential model as it is being assembled; it becomes a ModelDef when first needed. */
export interface SequentialDraft {
  layers: ({ kind: "layer"; id: number } | { kind: "model"; id: number })[];
  inputShape: Shape | null;
  inputDtype: DType;
  inputName: string | null;
  range: SourceRange;
  /** The input shape was given but could not be evaluated (already reported). */
  inputShapeUnknown?: boolean;
}

export class GraphBuilder {
  readonly program: Program;
  private nextId = 1;
  private readonly uids = new Map<string, number>();
  /** Sequential drafts by model id; rebuilt when layers are added. */
  readonly drafts = new Map<number, SequentialDraft>();
  private readonly built = new Set<number>();
  /** Keras' name counters as they were at `uids` (a builder compiled with its defaults runs as if alone). */
  resetNames(uids: Map<string, number>): void {
    this.uids.clear();
    for (const [k, v] of uids) this.uids.set(k, v);
  }

  /** How to undo each change made to an IR object that existed before: what a rollback replays backwards. */
  private readonly journal: (() => void)[] = [];

  /** Sets a field of an IR object, remembering how to undo it (see `checkpoint`). */
  change<T extends object, K extends keyof T>(obj: T, key: K, value: T[K]): void {
    const had = Object.prototype.hasOwnProperty.call(obj, key);
    const old = obj[key];
    this.journal.push(() => {
      if (had) obj[key] = old;
      else delete obj[key];
    });
    obj[key] = value;
  }

  /** Records an undo step for a change made outside `change` (a list that grew, a set entry). */
  onRollback(undo: () => void): void {
    this.journal.push(undo);
  }

  /** Code that could have changed a model but could not be evaluated: the models may be incomplete. */
  markIncomplete(range: SourceRange, message: string): void {
    this.program.incomplete.push({ range, message });
  }

  /** A layer or node that produces no usable tensor (unsupported, or fed by one). */
  poison(id: number): void {
    const target = this.program.nodes.get(id) ?? this.program.layers.get(id);
    if (target && !target.poisoned) this.change(target, "poisoned", true);
  }

  /** `trainable=False` (by argument or attribute): the weights count as non-trainable. */
  setTrainable(id: number, trainable: boolean): void {
    const target = this.program.layers.get(id) ?? this.program.models.get(id);
    if (target && (target.frozen === true) !== !trainable) this.change(target, "frozen", !trainable);
  }

  isFrozen(id: number): boolean {
    return isFrozen(this.program, id);
  }

  /**
   * A point to return to: speculative evaluation (the `__main__` block, builders tried with their
   * defaults) runs after one and is either kept or rolled back whole — objects created since are
   * removed, changes to older ones undone, counters and diagnostics restored.
   */
  checkpoint(): Checkpoint {
    return {
      nextId: this.nextId,
      uids: new Map(this.uids),
      diagnostics: this.program.diagnostics.length,
      incomplete: this.program.incomplete.length,
      dataDependent: this.program.dataDependent.length,
      modelOrder: this.modelOrder.length,
      journal: this.journal.length,
      built: new Set(this.built),
      drafts: new Map([...this.drafts].map(([id, d]) => [id, { ...d, layers: [...d.layers] }])),
    };
  }

  rollback(point: Checkpoint): void {
    while (this.journal.length > point.journal) this.journal.pop()!();
    for (const map of [this.program.layers, this.program.tensors, this.program.nodes, this.program.models] as Map<number, unknown>[]) {
      for (const id of [...map.keys()]) if (id >= point.nextId) map.delete(id);
    }
    for (const id of [...this.drafts.keys()]) if (id >= point.nextId) this.drafts.delete(id);
    for (const [id, draft] of point.drafts) this.drafts.set(id, Object.assign(this.drafts.get(id) ?? draft, draft, { layers: [...draft.layers] }));
    this.built.clear();
    point.built.forEach((id) => this.built.add(id));
    this.uids.clear();
    for (const [k, v] of point.uids) this.uids.set(k, v);
    this.program.diagnostics.splice(point.diagnostics);
    this.program.incomplete.splice(point.incomplete);
    this.program.dataDependent.splice(point.dataDependent);
    this.modelOrder.splice(point.modelOrder);
    this.nextId = point.nextId;
  }

  /** Model calls by the evaluator, in order: the "last model built" fallback for `primary`. */
  readonly modelOrder: number[] = [];

  constructor(file: string) {
    this.program = {
      file,
      layers: new Map(),
      tensors: new Map(),
      nodes: new Map(),
      models: new Map(),
      roots: [],
      diagnostics: [],
      incomplete: [],
      dataDependent: [],
      keras2Spellings: [],
    };
  }

  /** Where each reported diagnostic's key was pushed (see `report`). */
  private readonly reported = new Map<string, number>();

  /**
   * Where a finding inside code the user did not write (Keras' own source) is shown: at the user's call
   * into it, the message saying where in Keras it arose. Set by the evaluator.
   */
  relocate: ((range: SourceRange, severity: Diagnostic["severity"]) => SourceRange | "drop" | null) | null = null;

  report(severity: Diagnostic["severity"], code: DiagnosticCode, message: string, range: SourceRange): void {
    const site = this.relocate?.(range, severity);
    if (site === "drop") return;
    if (site) {
      message = `${message} (in Keras' ${range.file}:${range.line})`;
      range = site;
    }
    // Deduplicated through an index, not a scan of every diagnostic (thousands of them must stay linear).
    // A rollback truncates the list: an index past its end, or to another diagnostic, is stale.
    const key = diagnosticKey({ code, message, range });
    const at = this.reported.get(key);
    const diagnostics = this.program.diagnostics;
    if (at !== undefined && at < diagnostics.length && diagnosticKey(diagnostics[at]!) === key) return;
    this.reported.set(key, diagnostics.length);
    diagnostics.push({ severity, code, message, range });
  }

  /** Keras' per-session unique names: `dense`, `dense_1`, ... */
  autoName(prefix: string): string {
    const n = this.uids.get(prefix) ?? 0;
    this.uids.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  }

  /** Keras' auto-naming counters count explicitly named objects' prefixes only when auto-named. */
  createLayer(kerasClass: string, config: Record<string, ConfigValue>, argRanges: Record<string, SourceRange>, name: string | null, range: SourceRange): LayerDef {
    const layer: LayerDef = {
      id: this.nextId++,
      kerasClass,
      name: name ?? this.autoName(toSnakeCase(kerasClass)),
      explicitName: name !== null,
      config,
      argRanges,
      range,
    };
    this.program.layers.set(layer.id, layer);
    // A Lambda has no rule: calling it evaluates its function (applyLambda). A recurrent cell is data for
    // the `RNN` layer that wraps it.
    if (!ruleFor(kerasClass) && kerasClass !== "Lambda" && !RECURRENT_CELLS.includes(kerasClass)) {
      layer.poisoned = true;
      this.report(
        "error",
        "unsupported-layer",
        `Keras layer \`${kerasClass}\` is not supported yet; the generated forward raises NotImplementedError here`,
        range,
      );
    }
    return layer;
  }

  createInput(shape: Shape, dtype: DType, name: string | null): TensorDef {
    const tensor = this.newTensor(shape, dtype, null, 0);
    tensor.inputName = name ?? this.autoName("input_layer");
    return tensor;
  }

  private newTensor(shape: Shape, dtype: DType, producer: number | null, outputIndex: number): TensorDef {
    const tensor: TensorDef = { id: this.nextId++, shape, dtype, producer, outputIndex };
    this.program.tensors.set(tensor.id, tensor);
    return tensor;
  }

  private newNode(op: NodeOp, inputs: number[], outputShapes: Shape[], range: SourceRange, dtype: DType, dtypes?: DType[]): GraphNode {
    const node: GraphNode = { id: this.nextId++, op, inputs, outputs: [], range };
    this.program.nodes.set(node.id, node);
    this.traces[this.traces.length - 1]?.push(node.id);
    node.outputs = outputShapes.map((s, i) => this.newTensor(s, dtypes?.[i] ?? dtype, node.id, i).id);
    if (inputs.some((t) => this.isPoisoned(t))) node.poisoned = true;
    return node;
  }

  isPoisoned(tensorId: number): boolean {
    const producer = this.program.tensors.get(tensorId)?.producer;
    return producer !== null && producer !== undefined && this.program.nodes.get(producer)?.poisoned === true;
  }

  tensor(id: number): TensorDef {
    return this.program.tensors.get(id)!;
  }

  /** The model inputs (tensors no node produces) that `tensorId` is computed from, first reached first (Keras' get_source_inputs). */
  sourceInputs(tensorId: number): number[] {
    const sources: number[] = [];
    const seen = new Set<number>();
    const stack = [tensorId];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const producer = this.program.tensors.get(id)?.producer;
      if (producer === null || producer === undefined) sources.push(id);
      else stack.push(...[...this.program.nodes.get(producer)!.inputs].reverse());
    }
    return sources;
  }

  /** Call a layer on tensors. Returns the output tensor ids (poisoned ones on failure). */
  /** Lambda layers' functions (see KerasApi.lambdaLayer), and the evaluator's hook that calls one on tensors. */
  readonly lambdaFunctions = new Map<number, { fn: PyValue; arguments: PyValue | null }>();
  applyLambda: ((layer: LayerDef, inputs: number[], range: SourceRange) => number[] | null) | null = null;

  applyLayer(layer: LayerDef, inputs: number[], range: SourceRange, tensorArguments = 1, callArgs?: Record<string, ConfigValue>): number[] {
    if (layer.kerasClass === "Lambda" && this.lambdaFunctions.has(layer.id) && !inputs.some((t) => this.isPoisoned(t) || this.tensor(t).mask !== undefined)) {
      const outputs = this.applyLambda?.(layer, inputs, range);
      if (outputs) return outputs;
      const node = this.newNode({ kind: "layer", layerId: layer.id }, inputs, [[]], range, "float32");
      node.poisoned = true;
      return node.outputs;
    }
    const masks = inputs.map((t) => this.tensor(t).mask);
    const plan = maskPlan(layer, masks.map((m) => m !== undefined), tensorArguments, callArgs);
    const orderDependent = this.orderDependentMask(layer, inputs, plan, tensorArguments, callArgs);
    if (orderDependent) {
      this.report("error", "unsupported-argument", `${layer.kerasClass} \`${layer.name}\` reads the Keras mask of a tensor that ${orderDependent} also takes and removes the mask of; whether this layer sees the mask depends on the order Keras runs them, which keras2torch does not reproduce. Pass the mask explicitly (\`attention_mask=\`) instead of relying on the one Keras propagates`, range);
      const node = this.newNode({ kind: "layer", layerId: layer.id }, inputs, [[]], range, "float32");
      node.poisoned = true;
      return node.outputs;
    }
    if ("unsupported" in plan) {
      this.report("error", "unsupported-argument", `${layer.kerasClass} \`${layer.name}\` gets a Keras mask (from Embedding(mask_zero=True) or Masking), which keras2torch does not translate for ${plan.unsupported} yet; without it the numbers would differ`, range);
      const node = this.newNode({ kind: "layer", layerId: layer.id }, inputs, [[]], range, "float32");
      node.poisoned = true;
      return node.outputs;
    }
    const read = masks.filter((_, i) => plan.reads[i] === true) as number[];
    const outputs = this.applyLayerTo(layer, [...inputs, ...read], range, read.length > 0 ? plan.reads : undefined, callArgs);
    if (this.isPoisoned(outputs[0]!)) return outputs;
    const node = this.tensor(outputs[0]!).producer!;
    masks.forEach((m, i) => {
      if (m !== undefined && (plan.reads[i] || (typeof plan.output === "string" && plan.output !== "none"))) this.maskReaders.set(inputs[i]!, [...(this.maskReaders.get(inputs[i]!) ?? []), node]);
    });
    for (const t of inputs.slice(0, plan.clears ?? 0)) {
      if (this.tensor(t).mask === undefined) continue;
      this.tensor(t).mask = undefined;
      this.maskCleared.set(t, { by: node, name: `${layer.kerasClass} \`${layer.name}\`` });
      // A layer built earlier that read the mask sees it only if Keras runs it first.
      const early = (this.maskReaders.get(t) ?? []).find((r) => r !== node && !this.dependsOn(inputs, r));
      if (early !== undefined) {
        const reader = this.program.nodes.get(early)!.op;
        const what = reader.kind === "layer" ? `\`${this.program.layers.get(reader.layerId)!.name}\`` : "an earlier layer";
        this.report("error", "unsupported-argument", `${layer.kerasClass} \`${layer.name}\` removes the Keras mask of a tensor that ${what} also reads the mask of; whether ${what} sees the mask depends on the order Keras runs them, which keras2torch does not reproduce. Pass the mask explicitly (\`attention_mask=\`) instead of relying on the one Keras propagates`, range);
      }
    }
    // The mask Keras attaches to the first output: made (Embedding, Masking), passed on or merged.
    const mask = this.outputMask(layer, plan.output, inputs, masks, range);
    if (mask !== undefined) this.tensor(outputs[0]!).mask = mask;
    return outputs;
  }

  /** Which layers' outputs used each tensor's mask, and the masks MultiHeadAttention removed (by which node). */
  private readonly maskReaders = new Map<number, number[]>();
  private readonly maskCleared = new Map<number, { by: number; name: string }>();

  /**
   * A layer that runs after a MultiHeadAttention (depends on its output) sees the masks it removed gone, as
   * here. Otherwise Keras' run order decides: the layer named is returned when the mask would matter.
   */
  private orderDependentMask(layer: LayerDef, inputs: number[], plan: ReturnType<typeof maskPlan>, tensorArguments: number, callArgs?: Record<string, ConfigValue>): string | null {
    for (const t of inputs) {
      const cleared = this.maskCleared.get(t);
      if (!cleared || this.dependsOn(inputs, cleared.by)) continue;
      const restored = maskPlan(layer, inputs.map((u) => this.tensor(u).mask !== undefined || u === t), tensorArguments, callArgs);
      if (JSON.stringify(restored) !== JSON.stringify(plan)) return cleared.name;
    }
    return null;
  }

  /** Whether any of the tensors is computed from the outputs of the node. */
  private dependsOn(tensors: number[], nodeId: number): boolean {
    const seen = new Set<number>();
    const stack = tensors.map((t) => this.tensor(t).producer).filter((p): p is number => p !== null);
    while (stack.length) {
      const id = stack.pop()!;
      if (id === nodeId) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const t of this.program.nodes.get(id)?.inputs ?? []) {
        const p = this.tensor(t).producer;
        if (p !== null) stack.push(p);
      }
    }
    return false;
  }

  /** The mask of a layer's first output, as Keras' compute_mask makes it. */
  private outputMask(layer: LayerDef, how: OutputMask, inputs: number[], masks: (number | undefined)[], range: SourceRange): number | undefined {
    if (typeof how === "object") {
      const first: PyValue = { t: "tensor", id: inputs[0]! };
      if ("nonZero" in how) return this.maskOp("operator.ne", [first, { t: "int", v: 0 }], range, `${layer.name}_mask`);
      const differs = this.maskOp("operator.ne", [first, { t: "float", v: how.differsFrom }], range, "differs");
      return this.maskOp("keras.ops.any", [{ t: "tensor", id: differs }, { t: "int", v: -1 }], range, `${layer.name}_mask`);
    }
    switch (how) {
      case "none":
        return undefined;
      case "first":
        return masks[0];
      case "or":
        // The same mask ORed with itself is itself.
        const distinct = [...new Set(masks)];
        return distinct.slice(1).reduce((a, b) => this.maskOp("keras.ops.logical_or", [{ t: "tensor", id: a! }, { t: "tensor", id: b! }], range, `${layer.name}_mask`), distinct[0]);
      case "concatenate": {
        if (masks.every((m) => m === undefined)) return undefined;
        const rank = this.tensor(inputs[0]!).shape.length;
        const given = typeof layer.config.axis === "number" ? layer.config.axis : -1;
        const axis = given < 0 ? given + rank : given;
        // Along the features the masks are ORed, an unmasked input counting as all True: the result is
        // all True (no mask) unless every input is masked.
        if (axis === rank - 1) return masks.every((m) => m !== undefined) ? this.outputMask(layer, "or", inputs, masks, range) : undefined;
        // Along another axis the masks are concatenated there; an unmasked input contributes True.
        const allTrue = (t: number) => this.maskOp("keras.ops.any", [{ t: "tensor", id: this.maskOp("keras.ops.ones_like", [{ t: "tensor", id: t }, { t: "str", v: "bool" }], range, "ones") }, { t: "int", v: -1 }], range, "all_steps");
        const parts = inputs.map((t, i) => masks[i] ?? allTrue(t));
        return this.maskOp("keras.ops.concatenate", [{ t: "list", items: parts.map((id) => ({ t: "tensor" as const, id })) }, { t: "int", v: axis }], range, `${layer.name}_mask`);
      }
    }
  }

  /** A mask computed as an operation of the graph (`indices != 0` for Embedding(mask_zero=True)), named `name`. */
  private maskOp(path: string, args: PyValue[], range: SourceRange, name = "mask"): number {
    const { rule, qualifiedName } = opFor(path)!;
    const call: CallArgs = { args, kwargs: new Map(), argRanges: args.map(() => range), kwargRanges: new Map(), range };
    const outcome = applyOp(this, rule, qualifiedName, call);
    if (!outcome.ok || outcome.value.t !== "tensor") throw new Error(`the mask op failed: ${outcome.ok ? "no tensor" : outcome.message}`);
    const producer = this.tensor(outcome.value.id).producer;
    if (producer !== null) this.program.nodes.get(producer)!.name = name;
    return outcome.value.id;
  }

  private applyLayerTo(layer: LayerDef, inputs: number[], range: SourceRange, masks: boolean[] | undefined, callArgs?: Record<string, ConfigValue>): number[] {
    const dtype = this.tensor(inputs[0]!).dtype;
    const op: NodeOp = { kind: "layer", layerId: layer.id };
    const rule = ruleFor(layer.kerasClass);
    const upstreamBroken = inputs.some((t) => this.isPoisoned(t));
    if (!rule || upstreamBroken || layer.poisoned) {
      const node = this.newNode(op, inputs, [[]], range, dtype);
      node.poisoned = true;
      return node.outputs;
    }
    const shapes = inputs.map((t) => this.tensor(t).shape);
    let result;
    try {
      result = rule.inferShape({ layer, inputs: shapes, masks, call: callArgs });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      result = { ok: false as const, message: error.message };
    }
    if (!result.ok) {
      this.report("error", "shape-error", `${layer.kerasClass} \`${layer.name}\`: ${result.message}`, range);
      const node = this.newNode(op, inputs, [[]], range, dtype);
      node.poisoned = true;
      return node.outputs;
    }
    const node = this.newNode(op, inputs, result.shapes, range, dtype, result.dtypes);
    if (masks) node.masks = masks;
    if (callArgs) node.call = callArgs;
    return node.outputs;
  }

  /** Call a whole model on tensors (a model used as a layer). */
  /** While `call` is translated: the expression that holds a tensor at this point (a variable), if any. */
  tensorExpr: ((tensorId: number) => PyExpr | null) | null = null;

  /** Translates a subclass instance's `call` when it is first applied (set by the evaluator). */
  traceSubclass: ((modelId: number, inputs: number[], range: SourceRange) => void) | null = null;

  applyModel(modelId: number, inputs: number[], range: SourceRange): number[] {
    if (this.isSubclass(modelId) && !this.program.models.get(modelId)!.subclass!.forward) {
      this.traceSubclass?.(modelId, inputs, range);
      if (!this.program.models.get(modelId)!.subclass!.forward) {
        // Its `call` could not be translated (already reported): nothing downstream can be.
        const node = this.newNode({ kind: "model", modelId }, inputs, [[]], range, "float32");
        node.poisoned = true;
        return node.outputs;
      }
    }
    const model = this.ensureBuilt(modelId, inputs.map((t) => this.tensor(t).shape));
    const op: NodeOp = { kind: "model", modelId };
    if (!model) {
      const node = this.newNode(op, inputs, [[]], range, "float32");
      node.poisoned = true;
      return node.outputs;
    }
    if (model.inputs.length !== inputs.length) {
      this.report("error", "invalid-model", `model \`${model.name}\` takes ${model.inputs.length} input(s), got ${inputs.length}`, range);
      const node = this.newNode(op, inputs, [[]], range, "float32");
      node.poisoned = true;
      return node.outputs;
    }
    const brokenInside = model.nodes.some((n) => this.program.nodes.get(n)?.poisoned) || model.subclass?.untranslated === true;
    const shapes = model.outputs.map((t) => {
      const s = [...this.tensor(t).shape];
      s[0] = this.tensor(inputs[0]!).shape[0] ?? null;
      return s;
    });
    const node = this.newNode(op, inputs, shapes, range, this.tensor(model.outputs[0]!).dtype);
    if (brokenInside) node.poisoned = true;
    return node.outputs;
  }

  newModelId(): number {
    return this.nextId++;
  }

  /** The id the next object will get: ids created since a point are those at or above it. */
  peekId(): number {
    return this.nextId;
  }

  /** Nodes created while each `call` translation is running (innermost last). */
  private readonly traces: number[][] = [];

  /** Whether a `call` translation is running. */
  tracing(): boolean {
    return this.traces.length > 0;
  }

  beginTrace(): void {
    this.traces.push([]);
  }

  endTrace(): number[] {
    return this.traces.pop()!;
  }

  isSubclass(modelId: number): boolean {
    return this.program.models.get(modelId)?.kind === "subclass";
  }

  /** Forgets a model made in the current evaluation step that turned out to be another (see SubclassEvaluator.kerasInit). */
  discardModel(modelId: number): void {
    this.program.models.delete(modelId);
    const at = this.modelOrder.lastIndexOf(modelId);
    if (at >= 0) this.modelOrder.splice(at, 1);
  }

  /** An instance of a user subclass of `keras.Model` / `keras.layers.Layer`; named when Keras names it. */
  createSubclass(className: string, base: "Model" | "Layer", range: SourceRange): ModelDef {
    const model: ModelDef = {
      id: this.newModelId(),
      kind: "subclass",
      name: "",
      explicitName: false,
      inputs: [],
      outputs: [],
      outputStructure: { kind: "single" },
      nodes: [],
      layers: [],
      range,
      subclass: { className, base, attributes: [], weights: [], forward: null, methods: [], range },
    };
    this.program.models.set(model.id, model);
    this.modelOrder.push(model.id);
    return model;
  }

  /** A tensor with no producer: a `call` argument being traced, or a variable made by `add_weight`. */
  createLeaf(shape: Shape, dtype: DType, name: string): TensorDef {
    const tensor = this.newTensor(shape, dtype, null, 0);
    tensor.inputName = name;
    return tensor;
  }

  /** A registry operation on tensors; shapes and dtypes come from its rule. */
  applyOp(rule: string, qualifiedName: string, args: Record<string, OpArg>, inputs: number[], shapes: Shape[], dtypes: DType[], range: SourceRange): number[] {
    const node = this.newNode({ kind: "op", rule, qualifiedName, args }, inputs, shapes, range, dtypes[0] ?? "float32");
    node.outputs.forEach((t, i) => (this.tensor(t).dtype = dtypes[i] ?? dtypes[0] ?? "float32"));
    return node.outputs;
  }

  /** Joins the values a variable holds at the end of each branch of a run-time `if`. */
  applyMerge(inputs: number[], range: SourceRange): number {
    const shapes = inputs.map((t) => this.tensor(t).shape);
    const rank = shapes[0]!.length;
    if (shapes.some((s) => s.length !== rank)) {
      this.report("error", "shape-error", `the branches give tensors of different ranks (${shapes.map((s) => JSON.stringify(s)).join(", ")})`, range);
    }
    const shape = shapes[0]!.map((d, i) => (shapes.every((s) => s[i] === d) ? d : null));
    return this.newNode({ kind: "merge" }, inputs, [shape], range, this.tensor(inputs[0]!).dtype).outputs[0]!;
  }

  /** `keras.Model(inputs, outputs)`: collect the graph between them in Keras' own order. */
  functional(
    inputs: number[],
    outputs: number[],
    structure: OutputStructure,
    name: string | null,
    range: SourceRange,
  ): ModelDef | null {
    for (const t of inputs) {
      if (this.tensor(t).producer !== null) {
        this.report("error", "invalid-model", "model inputs must be `keras.Input` tensors", range);
        return null;
      }
    }
    // Keras flattens a dict of outputs in sorted key order (`tree.flatten`), which is the order
    // `map_graph` walks them in and so decides `model.layers`.
    const walkOrder =
      structure.kind === "dict"
        ? structure.keys.map((k, i) => [k, outputs[i]!] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t)
        : outputs;
    const order = this.mapGraph(inputs, walkOrder);
    if (typeof order === "string") {
      this.report("error", "invalid-model", order, range);
      return null;
    }
    if (!this.uniqueLayerNames(order.layers, range)) return null;
    const model: ModelDef = {
      id: this.newModelId(),
      kind: "functional",
      name: name ?? this.autoName("functional"),
      explicitName: name !== null,
      inputs,
      outputs,
      outputStructure: structure,
      nodes: order.nodes,
      layers: order.layers,
      range,
    };
    this.program.models.set(model.id, model);
    this.modelOrder.push(model.id);
    return model;
  }

  /**
   * Keras 3's `map_graph` (keras/src/ops/function.py): a DFS from the outputs gives each operation a
   * traversal index; operations are then ordered by depth from the outputs (deepest first), ties by
   * that index. `model.layers` is that order restricted to layers, and it numbers saved weight paths.
   */
  private mapGraph(inputs: number[], outputs: number[]): { nodes: number[]; layers: LayerRef[] } | string {
    const inputSet = new Set(inputs);
    const inProgress = new Set<number>();
    const nodesInOrder: number[] = [];
    const opIndex = new Map<string, number>();
    const opKey = (t: number): string => {
      const tensor = this.tensor(t);
      if (tensor.producer === null) return `input:${t}`;
      const op = this.program.nodes.get(tensor.producer)!.op;
      return op.kind === "layer" ? `layer:${op.layerId}` : op.kind === "model" ? `model:${op.modelId}` : `op:${tensor.producer}`;
    };
    // Node keys: graph nodes by id, input "nodes" by tensor id.
    const nodeKey = (t: number): string => {
      const tensor = this.tensor(t);
      return tensor.producer === null ? `in:${t}` : `n:${tensor.producer}`;
    };
    const parents = new Map<string, string[]>();
    // The DFS with an explicit stack: a chain of thousands of layers must not overflow the call stack.
    const visit = (root: number): void => {
      const stack: { t: number; key: string; inputs: number[]; next: number }[] = [];
      const enter = (t: number): void => {
        const key = nodeKey(t);
        if (finishedKeys.has(key)) return;
        const tensor = this.tensor(t);
        if (inProgress.has(t)) return;
        const op = opKey(t);
        if (!opIndex.has(op)) opIndex.set(op, opIndex.size);
        inProgress.add(t);
        const inputs = tensor.producer !== null ? this.program.nodes.get(tensor.producer)!.inputs : [];
        parents.set(key, inputs.map(nodeKey));
        stack.push({ t, key, inputs, next: 0 });
      };
      enter(root);
      while (stack.length) {
        const frame = stack[stack.length - 1]!;
        if (frame.next < frame.inputs.length) {
          enter(frame.inputs[frame.next++]!);
          continue;
        }
        stack.pop();
        finishedKeys.add(frame.key);
        nodesInOrder.push(frame.t);
        inProgress.delete(frame.t);
      }
    };
    const finishedKeys = new Set<string>();
    for (const out of outputs) visit(out);

    // Every graph input reached must be a declared input.
    for (const t of nodesInOrder) {
      const tensor = this.tensor(t);
      if (tensor.producer === null && !inputSet.has(t)) {
        // A NumPy array of the script (`pe = np.zeros(...)` then `inputs + tf.cast(pe, tf.float32)`): Keras
        // bakes its values into the graph, but they are data the compiler never computes.
        if (tensor.inputName === "array") {
          return "the outputs depend on a NumPy array of the script (its values are data the compiler never computes, which Keras bakes into the model as a constant); compute it with `keras.ops` inside a layer's `call`, or make it a weight with `add_weight`";
        }
        return `graph disconnected: the outputs depend on input \`${tensor.inputName}\`, which is not among the model's inputs`;
      }
    }

    const nodeDepth = new Map<string, number>();
    const opDepth = new Map<string, number>();
    for (const t of [...nodesInOrder].reverse()) {
      const key = nodeKey(t);
      let depth = nodeDepth.get(key) ?? 0;
      nodeDepth.set(key, depth);
      const op = opKey(t);
      depth = Math.max(depth, opDepth.get(op) ?? 0);
      opDepth.set(op, depth);
      nodeDepth.set(key, depth);
      for (const parent of parents.get(key) ?? []) {
        nodeDepth.set(parent, Math.max(depth + 1, nodeDepth.get(parent) ?? 0));
      }
    }
    for (const t of inputs) {
      const op = opKey(t);
      if (!opDepth.has(op)) {
        opDepth.set(op, 0);
        opIndex.set(op, -1);
      }
    }
    const ops = [...opDepth.keys()].sort((a, b) => opDepth.get(b)! - opDepth.get(a)! || opIndex.get(a)! - opIndex.get(b)!);
    const layers: LayerRef[] = [];
    for (const op of ops) {
      const [kind, id] = op.split(":") as [string, string];
      if (kind === "input") layers.push({ kind: "input", tensorId: Number(id) });
      else if (kind === "layer") layers.push({ kind: "layer", layerId: Number(id) });
      else if (kind === "model") layers.push({ kind: "model", modelId: Number(id) });
    }
    const nodes = [...new Set(nodesInOrder.map((t) => this.tensor(t).producer).filter((p): p is number => p !== null))].sort((a, b) => a - b);
    return { nodes, layers };
  }

  /** Keras refuses a model with two layers of one name (their weights could not be told apart). */
  private uniqueLayerNames(layers: LayerRef[], range: SourceRange): boolean {
    const seen = new Set<string>();
    for (const ref of layers) {
      const name =
        ref.kind === "layer" ? this.program.layers.get(ref.layerId)!.name : ref.kind === "model" ? this.program.models.get(ref.modelId)!.name : this.tensor(ref.tensorId).inputName!;
      if (seen.has(name)) {
        this.report("error", "invalid-model", `two layers of the model are named \`${name}\`; Keras rejects this model, give them distinct names`, range);
        return false;
      }
      seen.add(name);
    }
    return true;
  }

  /**
   * A Sequential that nothing built, of layers that only prepare data: augmentation (`RandomFlip`, the
   * identity at inference) and weightless preprocessing (`Rescaling`, `Resizing`, `CenterCrop`), applied
   * to the data pipeline (`train_ds.map(lambda x, y: (aug(x), y))`). "augmentation" when it only augments.
   */
  dataPipelineOnly(modelId: number): "augmentation" | "preprocessing" | null {
    const draft = this.drafts.get(modelId);
    if (!draft || draft.inputShape || this.built.has(modelId) || !draft.layers.length) return null;
    const classes = draft.layers.map((l) => (l.kind === "layer" ? this.program.layers.get(l.id)!.kerasClass : null));
    if (classes.every((c) => c !== null && augmentsData(c))) return "augmentation";
    return classes.every((c) => c !== null && (augmentsData(c) || WEIGHTLESS_PREPROCESSING.has(c))) ? "preprocessing" : null;
  }

  /** Whether a model is built or can be: a Functional one always; a Sequential with an input shape; a subclass once traced. */
  isBuilt(modelId: number): boolean {
    const draft = this.drafts.get(modelId);
    if (draft) return this.built.has(modelId) || draft.inputShape !== null;
    const model = this.program.models.get(modelId);
    return model?.kind === "subclass" ? model.subclass!.forward !== null : model !== undefined;
  }

  /** Build a Sequential draft into a graph (again, if layers were added since). */
  ensureBuilt(modelId: number, callShapes?: Shape[]): ModelDef | null {
    const draft = this.drafts.get(modelId);
    if (!draft) return this.program.models.get(modelId) ?? null;
    if (this.built.has(modelId)) return this.program.models.get(modelId) ?? null;
    // A Sequential that starts with a built model takes that model's input (transfer learning).
    const first = draft.layers[0];
    const firstModel = first?.kind === "model" ? this.ensureBuilt(first.id) : null;
    const firstShape = firstModel && firstModel.inputs.length === 1 ? this.tensor(firstModel.inputs[0]!).shape : null;
    let shape = draft.inputShape ?? firstShape ?? callShapes?.[0] ?? null;
    if (shape && draft.inputShapeUnknown && !draft.inputShape && !firstShape) {
      this.report("info", "inferred-input", `the Sequential model's input shape is computed from data in the source; it takes the one --input-shape gives, ${JSON.stringify(shape.slice(1))}`, draft.range);
    }
    let dtype = draft.inputDtype;
    const existing = this.program.models.get(modelId);
    if (!shape && !draft.inputShapeUnknown && first?.kind === "layer" && this.program.layers.get(first.id)!.kerasClass === "Embedding") {
      // An Embedding takes token ids: with no length given, sequences of any length (Keras builds it on
      // the batches `fit` gives it).
      shape = [null, null];
      dtype = "int32";
      this.report("info", "inferred-input", "the Sequential model starts with an Embedding and has no input shape: it takes int sequences of any length, (batch, None); give --input-shape to fix a length", draft.range);
    }
    if (!shape) {
      if (draft.inputShapeUnknown) return null;
      this.report(
        "error",
        "invalid-model",
        "the Sequential model has no input shape: start it with `keras.Input(shape=...)`, pass `input_shape=` to its first layer, or give --input-shape",
        draft.range,
      );
      return null;
    }
    // Nodes of an earlier build are superseded: `layer.output` must not see them.
    for (const node of this.program.models.get(modelId)?.nodes ?? []) this.change(this.program.nodes.get(node)!, "superseded", true);
    const input = this.createInput(shape, dtype, draft.inputName);
    let current = [input.id];
    for (const entry of draft.layers) {
      if (entry.kind === "layer") current = this.applyLayer(this.program.layers.get(entry.id)!, current, this.program.layers.get(entry.id)!.range);
      else current = this.applyModel(entry.id, current, draft.range);
    }
    const nodes = [...this.program.nodes.values()].filter((n) => n.id > input.id).map((n) => n.id);
    const reachable = this.collectBackward(current, input.id);
    const model: ModelDef = {
      id: modelId,
      kind: "sequential",
      name: existing?.name ?? "sequential",
      explicitName: existing?.explicitName ?? false,
      inputs: [input.id],
      outputs: current,
      outputStructure: { kind: "single" },
      nodes: nodes.filter((n) => reachable.has(n)),
      layers: draft.layers.map((e) => (e.kind === "layer" ? { kind: "layer", layerId: e.id } : { kind: "model", modelId: e.id })),
      range: draft.range,
    };
    if (!this.uniqueLayerNames(model.layers, draft.range)) return null;
    // Facts set on the model before it was built (`base.trainable = False`) carry over.
    if (existing?.frozen) model.frozen = true;
    const previous = this.program.models.get(modelId);
    if (previous && previous.id < this.nextId) this.onRollback(() => this.program.models.set(modelId, previous));
    this.program.models.set(modelId, model);
    this.built.add(modelId);
    return model;
  }

  /** A Sequential that gained a layer must be rebuilt on next use. */
  invalidate(modelId: number): void {
    this.built.delete(modelId);
  }

  private collectBackward(outputs: number[], stopInput: number): Set<number> {
    const seen = new Set<number>();
    const stack = [...outputs];
    while (stack.length) {
      const t = stack.pop()!;
      if (t === stopInput) continue;
      const producer = this.tensor(t).producer;
      if (producer === null || seen.has(producer)) continue;
      seen.add(producer);
      stack.push(...this.program.nodes.get(producer)!.inputs);
    }
    return seen;
  }

  /** Register a Sequential draft under a model id (named now so auto names follow source order). */
  createSequential(draft: SequentialDraft, name: string | null): number {
    const id = this.newModelId();
    this.drafts.set(id, draft);
    const placeholder: ModelDef = {
      id,
      kind: "sequential",
      name: name ?? this.autoName("sequential"),
      explicitName: name !== null,
      inputs: [],
      outputs: [],
      outputStructure: { kind: "single" },
      nodes: [],
      layers: [],
      range: draft.range,
    };
    this.program.models.set(id, placeholder);
    this.modelOrder.push(id);
    return id;
  }
}

function diagnosticKey(d: Pick<Diagnostic, "code" | "message" | "range">): string {
  return `${d.code}:${d.range.file}:${d.range.line}:${d.range.column}:${d.message}`;
}

// Lowering: turns a model's laid-out graph into a PyTorch plan — submodules, forward statements
// and the weight mapping — by asking each node's rule. Pure: no files, no formatting.
import { identity } from "../ir/layout.js";
import type {
  ConstantMapping,
  Diagnostic,
  LayerTap,
  ForwardStatement,
  GraphNode,
  ModelDef,
  Program,
  PyExpr,
  TensorMapping,
  TorchModel,
  TorchSubmodule,
  TorchValue,
} from "../ir/types.js";
import { helperNames } from "../emit/helpers.js";
import { classOrder, isFrozen } from "../ir/models.js";
import { boundaryVariables, vocabularySource } from "../rules/lookup.js";
import { calledNames, mapExpr, referencedNames } from "../ir/expr.js";
import type { Lowering } from "../rules/types.js";
import { kerasLayerPaths, legacyWeightOrders } from "../weights/paths.js";
import type { ModelLayout } from "./layout.js";
import { graphClass } from "./graph-class.js";
import { lowerSubclass } from "./lower-subclass.js";
import { convert, lowerLayerNode, lowerOperationNode, substitute } from "./lower-node.js";
import { pythonIdentifier, UniqueNames } from "./names.js";

export interface LowerInput {
  program: Program;
  /** The layout pass's result, for every model that gets a class. */
  layouts: Map<number, ModelLayout>;
  /** Class names chosen for every model that gets a class (roots and nested). */
  classNames: Map<number, string>;
}

export interface LowerOutput {
  models: Map<number, TorchModel>;
  diagnostics: Diagnostic[];
}

const MODULE_RESERVED = new Set([
  "forward", "training", "eval", "train", "to", "cuda", "cpu", "float", "double", "half", "type", "apply", "parameters",
  "buffers", "children", "modules", "state_dict", "load_state_dict", "register_buffer", "register_parameter",
  "add_module", "zero_grad", "requires_grad_", "extra_repr", "named_modules", "named_parameters", "compile", "get_submodule",
]);

/** Names for the results of arithmetic ops, when they need a name of their own (`total = a + b`). */
const OP_RESULT_NAMES: Record<string, string> = {
  add: "total",
  keras2_hard_sigmoid: "hard_sigmoid",
  subtract: "difference",
  multiply: "product",
  divide: "quotient",
  true_divide: "quotient",
  negative: "negated",
  positive: "positive",
};

/** Variable names reused along chains of layers, as hand-written PyTorch does. */
const CHAIN_NAMES = ["x", "y"];

/** Lower every model that needs a class; nested models first so parents can refer to them. */
export function lowerModels(input: LowerInput): LowerOutput {
  const models = new Map<number, TorchModel>();
  const diagnostics: Diagnostic[] = [];
  const classTexts = new Map<TorchModel, string>();
  // Nested models are lowered before the models that call them.
  for (const modelId of classOrder(input.program)) {
    const model = input.program.models.get(modelId)!;
    if (model.kind !== "subclass") {
      models.set(modelId, lowerModel(input, model, models, diagnostics));
      continue;
    }
    const plan = lowerSubclass(input, model, models, diagnostics);
    // Instances of one class that translate alike share the class (emitted once).
    // Each class's text is worked out once (a file may build many instances of one class).
    const text = (m: TorchModel) => {
      let found = classTexts.get(m);
      if (found === undefined) classTexts.set(m, (found = JSON.stringify({ ...m.cls, name: "" })));
      return found;
    };
    const twin = [...models.values()].find((m) => m.sameAs === undefined && m.subclassOf && input.program.models.get(m.modelId)!.subclass!.className === model.subclass!.className && text(m) === text(plan));
    if (twin) {
      plan.className = twin.className;
      plan.cls = { ...plan.cls, name: twin.className };
      plan.sameAs = twin.modelId;
    }
    models.set(modelId, plan);
  }
  return { models, diagnostics };
}

function lowerModel(input: LowerInput, model: ModelDef, lowered: Map<number, TorchModel>, diagnostics: Diagnostic[]): TorchModel {
  const { program } = input;
  const layout = input.layouts.get(model.id)!;
  const shapeOf = (t: number) => program.tensors.get(t)!.shape;
  const nodes = model.nodes.map((id) => program.nodes.get(id)!);

  // Submodule attribute names come from Keras layer names.
  const attrs = new UniqueNames(MODULE_RESERVED);
  const submodules: TorchSubmodule[] = [];
  const moduleOf = new Map<string, string>();

  // Variables: inputs are named after their Keras names (`x` for a single auto-named input).
  // Chain names are handed out by liveness below, never by name.
  // The generated file's own functions are globals of `forward` too: a local must not shadow one.
  const variables = new UniqueNames(new Set(["self", "F", "nn", "torch", ...helperNames(), ...CHAIN_NAMES]));
  const varOf = new Map<number, string>();
  const inputs = model.inputs.map((t, i): TorchValue => {
    const tensor = program.tensors.get(t)!;
    const kerasName = tensor.inputName ?? `input_${i}`;
    const auto = /^input_layer(_\d+)?$/.test(kerasName);
    const variable = model.inputs.length === 1 && auto ? "x" : variables.claim(pythonIdentifier(kerasName));
    varOf.set(t, variable);
    return { variable, kerasName, kerasShape: tensor.shape, layout: layout.inputs[i]!, dtype: tensor.dtype };
  });

  // Tensors computed from a model input. A layer call on anything else ran eagerly in Keras.
  const fromInputs = new Set(model.inputs);
  for (const node of nodes) if (node.inputs.some((t) => fromInputs.has(t))) for (const t of node.outputs) fromInputs.add(t);

  const consumers = new Map<number, number>();
  const firstUse = new Map<number, number>();
  nodes.forEach((node, i) => {
    for (const t of new Set(node.inputs)) {
      consumers.set(t, (consumers.get(t) ?? 0) + 1);
      if (!firstUse.has(t)) firstUse.set(t, i);
    }
  });
  // Last use of each tensor (the return counts as a use after every statement).
  const lastUse = new Map<number, number>();
  nodes.forEach((node, i) => node.inputs.forEach((t) => lastUse.set(t, i)));
  model.outputs.forEach((t) => lastUse.set(t, Infinity));

  /** The last use of any value each variable name has held (inputs included). */
  const busyUntil = new Map<string, number>();
  for (const [t, name] of varOf) busyUntil.set(name, Math.max(busyUntil.get(name) ?? -1, lastUse.get(t) ?? -1));
  const statements: ForwardStatement[] = [];
  const tensors: TensorMapping[] = [];
  const constants: ConstantMapping[] = [];
  const calls = new Set<string>();
  const kerasClasses = new Set<string>();
  const taps: LayerTap[] = [];
  const callCount = new Map<string, number>();
  if (model.inputs.length) kerasClasses.add("InputLayer");
  const paths = kerasLayerPaths(program, model);
  model.inputs.forEach((t, i) => {
    const boundary = program.boundaries?.find((b) => b.modelId === model.id && b.tensorId === t);
    if (!boundary) return;
    const layer = program.layers.get(boundary.layerId)!;
    const kerasPath = paths.get(`l${layer.id}`) ?? `layers/${layer.name}`;
    inputs[i]!.boundary = { layer: layer.name, kerasClass: layer.kerasClass, kerasInputShape: boundary.kerasInputShape, kerasPath, vocabulary: vocabularySource(layer) };
    kerasClasses.add(layer.kerasClass);
    // The layer runs in the data pipeline now; what it saved is read past.
    boundaryVariables(layer).forEach((v, index) =>
      tensors.push({ key: `${layer.name}.${v.subpath}`, keras3Path: `${kerasPath}/${v.subpath}`, legacyLayer: layer.name, legacyIndex: index, kerasShape: v.shape, transforms: [], trainable: false, unused: true }),
    );
  });
  let stopped = false;
  const skipped = program.incomplete[0];
  if (skipped) {
    // Never a silently incomplete model: say where the source could not be followed.
    statements.push({
      kind: "raise",
      message: `the model may be incomplete: ${skipped.range.file}:${skipped.range.line} could not be evaluated statically`,
      file: skipped.range.file,
      line: skipped.range.line,
    });
  }

  const fail = (node: GraphNode, message: string, code: Diagnostic["code"], report: boolean) => {
    if (report) diagnostics.push({ severity: "error", code, message, range: node.range });
    if (!stopped) {
      statements.push({ kind: "raise", message: `${message} (${node.range.file}:${node.range.line})`, file: node.range.file, line: node.range.line });
      stopped = true;
    }
  };

  for (const [index, node] of nodes.entries()) {
    if (stopped) break;
    const conversions = layout.conversions.get(node.id)!;
    const inputExprs: PyExpr[] = node.inputs.map((t, i) => convert({ k: "name", name: varOf.get(t)! }, layout.tensors.get(t)!, conversions[i] ?? null));
    let value: PyExpr;
    let lowering: Lowering | null = null;
    let attr: string | null = null;

    if (node.op.kind === "op" || node.op.kind === "merge") {
      const result = lowerOperationNode(program, node, inputExprs, layout);
      if (!result.ok) {
        fail(node, result.message, result.code, result.report);
        break;
      }
      value = result.value;
    } else if (node.op.kind === "model") {
      const nested = program.models.get(node.op.modelId)!;
      const nestedPlan = lowered.get(nested.id)!;
      if (node.poisoned) {
        fail(node, `nested model \`${nested.name}\` contains an unsupported layer`, "unsupported-layer", false);
        break;
      }
      attr = moduleOf.get(`m${nested.id}`) ?? null;
      if (!attr) {
        attr = attrs.claim(pythonIdentifier(nested.name));
        moduleOf.set(`m${nested.id}`, attr);
        submodules.push({ attr, ctor: { nestedClass: nestedPlan.className }, kerasName: nested.name, kerasClass: nested.kind === "sequential" ? "Sequential" : "Functional", file: nested.range.file, line: nested.range.line, frozen: [], ...(nested.frozen ? { untrainable: true } : {}) });
        const path = paths.get(`m${nested.id}`)!;
        for (const row of nestedPlan.tensors) {
          tensors.push({
            ...row,
            key: `${attr}.${row.key}`,
            keras3Path: `${path}/${row.keras3Path}`,
            legacyLayer: nested.name,
            legacyIndex: -1,
            trainable: row.trainable && !isFrozen(program, nested.id),
          });
        }
        for (const c of nestedPlan.constants) constants.push({ ...c, key: `${attr}.${c.key}` });
        nestedPlan.calls.forEach((name) => calls.add(name));
        nestedPlan.kerasClasses.forEach((c) => kerasClasses.add(c));
      }
      value = { k: "call", fn: { k: "attr", obj: { k: "name", name: "self" }, name: attr }, args: inputExprs };
    } else {
      const result = lowerLayerNode(program, node, layout);
      if (!result.ok) {
        fail(node, result.message, result.code, result.report);
        break;
      }
      const { layer } = result;
      lowering = result.lowering;
      if (lowering.weights.length && !node.inputs.some((t) => fromInputs.has(t))) {
        fail(node, `${layer.kerasClass} \`${layer.name}\` is called on tensors that depend on no model input (such as \`keras.ops.arange(...)\`): Keras runs that call once, eagerly, and the model keeps its result as a constant made from the layer's initial random weights, which no saved file holds; call the layer inside a custom layer's \`call\`, or on tensors computed from a \`keras.Input\``, "unsupported-construct", true);
        break;
      }
      kerasClasses.add(layer.kerasClass);
      if (lowering.warning) diagnostics.push({ severity: "warning", code: "training-only", message: `${layer.kerasClass} \`${layer.name}\`: ${lowering.warning}`, range: node.range });
      if (lowering.module) {
        attr = moduleOf.get(`l${layer.id}`) ?? null;
        if (!attr) {
          // First call of the layer: declare the submodule and map its weights (shared layers once).
          attr = attrs.claim(pythonIdentifier(layer.name));
          moduleOf.set(`l${layer.id}`, attr);
          submodules.push({ attr, ctor: lowering.module, kerasName: layer.name, kerasClass: layer.kerasClass, file: layer.range.file, line: layer.range.line, frozen: lowering.frozen ?? [], ...(layer.frozen ? { untrainable: true } : {}) });
          // A helper class as the constructor (KerasPReLU) is emitted like a helper function; functions
          // passed to it (KerasRNN's `activation=F.relu`) need their imports too.
          calls.add(lowering.module.ctor);
          for (const arg of [...lowering.module.args, ...lowering.module.kwargs.map(([, v]) => v)]) referencedNames(arg, calls);
          const path = paths.get(`l${layer.id}`)!;
          const legacyOrder = legacyWeightOrders(lowering.weights);
          for (const [i, w] of lowering.weights.entries()) {
            tensors.push({
              key: `${attr}.${w.param}`,
              keras3Path: `${path}/${w.keras3Subpath ?? `vars/${w.kerasIndex}`}`,
              legacyLayer: layer.name,
              legacyIndex: legacyOrder[i]!,
              kerasShape: w.kerasShape,
              transforms: w.transforms,
              trainable: w.trainable !== false && !isFrozen(program, layer.id),
              ...(w.unused ? { unused: true as const } : {}),
            });
          }
          for (const c of lowering.constants) constants.push({ key: `${attr}.${c.param}`, shape: c.shape, dtype: c.dtype, value: c.value });
        }
      }
      const moduleExpr: PyExpr | null = attr ? { k: "attr", obj: { k: "name", name: "self" }, name: attr } : null;
      // The rule's own statements first (`output, (h, c) = self.lstm(x)`), its `$` locals given fresh names.
      const locals = new Map<string, string>();
      const local = (e: PyExpr): PyExpr =>
        mapExpr(substitute(e, inputExprs, moduleExpr), (n) => {
          if (n.k !== "name" || !n.name.startsWith("$")) return undefined;
          if (!locals.has(n.name)) locals.set(n.name, variables.claim(n.name.slice(1)));
          return { k: "name", name: locals.get(n.name)! };
        });
      for (const step of lowering.steps ?? []) {
        const value = local(step.value);
        calledNames(value, calls);
        statements.push({ kind: "assign", targets: [], pattern: step.targets.map(local), value, file: node.range.file, line: node.range.line });
      }
      value = local(lowering.forward);
    }

    // Name the result `x` while `x` holds nothing still needed, so a chain reads `x = ...(x)`; a branch
    // beside it (a residual block) runs in `y`; values that live longer are named after their layer.
    const free = (name: string) => (busyUntil.get(name) ?? -1) <= index;
    const targets = node.outputs.map((t, i) => {
      // Several outputs read better under their layers' names: `return (price, category)`.
      const namedOutput = model.outputs.length > 1 && model.outputs.includes(t);
      // `x` continues a chain: the next statement reads it. `y` is for a branch's single-use steps. A value
      // that waits for a later merge keeps its layer's name (`maxpool_3`), as hand-written code does.
      const uses = consumers.get(t) ?? 0;
      const next = firstUse.get(t) === index + 1 || (uses === 0 && index === nodes.length - 1);
      const continuesY = node.inputs.length > 0 && varOf.get(node.inputs[0]!) === "y";
      const chain =
        i === 0 && !namedOutput && !node.name
          ? CHAIN_NAMES.find((n) => free(n) && (n === "x" ? next : uses === 1 && (next || continuesY)))
          : undefined;
      // An output of a multi-output layer that nothing reads is `_`, as hand-written unpacking would be.
      const unused = node.outputs.length > 1 && uses === 0 && !model.outputs.includes(t);
      const name = unused ? "_" : (chain ?? variables.claim(pythonIdentifier(nodeName(program, node))));
      varOf.set(t, name);
      // A name is free again once every value it held has had its last use.
      busyUntil.set(name, Math.max(busyUntil.get(name) ?? -1, lastUse.get(t) ?? -1));
      return name;
    });
    calledNames(value, calls);
    // A layer that passes its input through (Identity) writes nothing: `x = x`.
    // Which layer (or nested model) this call is, for `verify`'s layer-by-layer comparison.
    const tapped = node.op.kind === "layer" ? program.layers.get(node.op.layerId)! : node.op.kind === "model" ? program.models.get(node.op.modelId)! : null;
    const tapKey = node.op.kind === "layer" ? `l${node.op.layerId}` : node.op.kind === "model" ? `m${node.op.modelId}` : "";
    const callIndex = callCount.get(tapKey) ?? 0;
    if (tapped) callCount.set(tapKey, callIndex + 1);
    if (!(targets.length === 1 && value.k === "name" && value.name === targets[0])) {
      if (tapped) {
        taps.push({
          layer: tapped.name,
          kerasClass: "kerasClass" in tapped ? tapped.kerasClass : tapped.kind === "sequential" ? "Sequential" : tapped.kind === "subclass" ? (tapped.subclass?.className ?? "Model") : "Functional",
          call: callIndex,
          file: node.range.file,
          line: node.range.line,
          statement: statements.length,
          variables: targets,
          layouts: node.outputs.map((t) => layout.tensors.get(t) ?? identity(shapeOf(t).length)),
        });
      }
      statements.push({ kind: "assign", targets, value, file: node.range.file, line: node.range.line });
    }
  }

  const outputs: TorchValue[] = model.outputs.map((t, i) => {
    const tensor = program.tensors.get(t)!;
    const producer = tensor.producer === null ? null : program.nodes.get(tensor.producer)!;
    return {
      variable: varOf.get(t) ?? "None",
      kerasName: outputName(program, producer, model, i),
      kerasShape: tensor.shape,
      layout: layout.outputs[i]!,
      dtype: tensor.dtype,
    };
  });
  const outputExprs = model.outputs.map((t, i) =>
    convert({ k: "name", name: varOf.get(t) ?? "None" }, layout.tensors.get(t) ?? identity(shapeOf(t).length), layout.outputConversions[i] ?? null),
  );
  let returns: PyExpr;
  if (model.outputStructure.kind === "single") returns = outputExprs[0]!;
  else if (model.outputStructure.kind === "list") returns = { k: "tuple", items: outputExprs };
  else {
    returns = { k: "dict", entries: model.outputStructure.keys.map((key, i) => [key, outputExprs[i]!] as [string, PyExpr]) };
  }

  const className = input.classNames.get(model.id)!;
  return {
    modelId: model.id,
    cls: graphClass({ className, submodules, inputs, statements, returns }),
    className,
    kerasName: model.name,
    ...(model.application ? { application: { call: model.application.call, file: model.range.file } } : {}),
    inputs,
    outputs,
    outputStructure: model.outputStructure,
    submodules,
    statements,
    returns,
    tensors: orderLegacy(tensors),
    layerOrder: [...paths.values()],
    constants,
    calls: [...calls].sort(),
    kerasClasses: [...kerasClasses].sort(),
    taps,
  };
}

/** Nested models' legacy indices follow Keras' legacy order over the whole sub-model. */
function orderLegacy(rows: TensorMapping[]): TensorMapping[] {
  const byNested = new Map<string, TensorMapping[]>();
  for (const row of rows) if (row.legacyIndex === -1) byNested.set(row.legacyLayer, [...(byNested.get(row.legacyLayer) ?? []), row]);
  for (const [, group] of byNested) {
    // Trainable weights of every sub-layer first, then the non-trainable ones (BatchNorm statistics).
    const trainable = group.filter((r) => r.trainable);
    const frozen = group.filter((r) => !r.trainable);
    [...trainable, ...frozen].forEach((r, i) => (r.legacyIndex = i));
  }
  return rows;
}

function nodeName(program: Program, node: GraphNode): string {
  if (node.name) return node.name;
  switch (node.op.kind) {
    case "layer":
      return program.layers.get(node.op.layerId)!.name;
    case "model":
      return program.models.get(node.op.modelId)!.name;
    case "op":
      return OP_RESULT_NAMES[node.op.rule] ?? node.op.rule;
    case "merge":
      return "merged";
  }
}

function outputName(program: Program, producer: GraphNode | null, model: ModelDef, index: number): string {
  if (model.outputStructure.kind === "dict") return model.outputStructure.keys[index]!;
  if (!producer) return program.tensors.get(model.outputs[index]!)!.inputName ?? `output_${index}`;
  return nodeName(program, producer);
}

export type { TorchModel };

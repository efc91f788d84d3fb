// Lowering of a subclass instance: its translated `call` (and helper methods) become `forward` (and
// methods), its attributes become `__init__`, and its variables and sublayers the weight mapping.
// Pure: the Program, layouts and the already lowered nested classes in, a TorchModel out.
import { calledNames, mapExpr, visitExpr } from "../ir/expr.js";
import { identity, torchDim } from "../ir/layout.js";
import type {
  AddedWeight,
  AttributeValue,
  ClassIR,
  ConstantMapping,
  Diagnostic,
  MethodIR,
  ModelDef,
  PyExpr,
  SourceRange,
  Stmt,
  TensorMapping,
  TorchModel,
  TorchValue,
  TracedMethod,
} from "../ir/types.js";
import { legacyWeightOrders, subclassPaths } from "../weights/paths.js";
import { ctorExpr, freezeStmts } from "./graph-class.js";
import type { ModelLayout } from "./layout.js";
import { isFrozen } from "../ir/models.js";
import { convert, lowerLayerNode, lowerOperationNode, substitute } from "./lower-node.js";
import type { LowerInput } from "./lower.js";
import type { Lowering } from "../rules/types.js";
import { UniqueNames } from "./names.js";

const SELF: PyExpr = { k: "name", name: "self" };
const attr = (obj: PyExpr, name: string): PyExpr => ({ k: "attr", obj, name });
const call = (fn: string, args: PyExpr[], kwargs: [string, PyExpr][] = []): PyExpr => ({ k: "call", fn: { k: "name", name: fn }, args, kwargs });
const lit = (value: number | string | boolean | null): PyExpr => ({ k: "lit", value });
const float = (value: number): PyExpr => ({ k: "float", value });

/**
 * Thrown while resolving a statement that cannot be lowered: the method raises there instead, and an
 * error says why at `range` (unless the rule that failed `reported` it already).
 */
class Untranslatable {
  constructor(
    readonly message: string,
    readonly range: SourceRange | null = null,
    readonly reported = false,
  ) {}
}

export function lowerSubclass(input: LowerInput, model: ModelDef, lowered: Map<number, TorchModel>, diagnostics: Diagnostic[]): TorchModel {
  const { program } = input;
  const sub = model.subclass!;
  const forward = sub.forward!;
  const layout = input.layouts.get(model.id)!;
  const className = input.classNames.get(model.id)!;

  /** Each sublayer's lowering at its first call: its constructor and weights. */
  const layerLowerings = new Map<number, Lowering>();
  const kerasClasses = new Set<string>();
  const calls = new Set<string>();
  const usedAttributes = new Set<string>();

  /** Statements the rules of the layers in the statement being resolved put before it. */
  let pendingSteps: Stmt[] = [];
  let stepNames: UniqueNames | null = null;
  const stepName = (base: string): string => {
    if (!stepNames) {
      const used = new Set<string>(["self"]);
      for (const stmt of [...forward.body, ...sub.methods.flatMap((m) => m.body)]) visitStmt(stmt, (e) => visitExprNames(e, used));
      stepNames = new UniqueNames();
      for (const name of used) stepNames.claim(name);
    }
    return stepNames.claim(base);
  };

  const resolveNode = (e: Extract<PyExpr, { k: "node" }>): PyExpr => {
    const node = program.nodes.get(e.id)!;
    const conversions = layout.conversions.get(node.id) ?? [];
    const operands = e.operands.map((o, i) => convert(resolve(o), layout.tensors.get(node.inputs[i]!) ?? identity(program.tensors.get(node.inputs[i]!)!.shape.length), conversions[i] ?? null));
    if (node.op.kind === "layer") {
      const result = lowerLayerNode(program, node, layout);
      if (!result.ok) {
        if (result.report) diagnostics.push({ severity: "error", code: result.code, message: result.message, range: node.range });
        throw new Untranslatable(result.message, node.range, true);
      }
      if (!layerLowerings.has(result.layer.id)) {
        layerLowerings.set(result.layer.id, result.lowering);
        if (result.lowering.warning) diagnostics.push({ severity: "warning", code: "training-only", message: `${result.layer.kerasClass} \`${result.layer.name}\`: ${result.lowering.warning}`, range: node.range });
      }
      kerasClasses.add(result.layer.kerasClass);
      if (result.lowering.module && !e.callee) throw new Untranslatable(`${result.layer.kerasClass} \`${result.layer.name}\` is created inside \`call\`; create it in \`__init__\` so that its weights have a home`, node.range);
      const module = e.callee ? resolve(e.callee) : null;
      const steps = result.lowering.steps ?? [];
      if (!steps.length) return substitute(result.lowering.forward, operands, module);
      // The rule's own statements (`output, h = self.gru(x)` for a GRU that returns its state) go before
      // the statement being resolved, their `$` locals named apart from every variable of the methods.
      const locals = new Map<string, string>();
      const local = (x: PyExpr): PyExpr =>
        mapExpr(substitute(x, operands, module), (n) => {
          if (n.k !== "name" || !n.name.startsWith("$")) return undefined;
          if (!locals.has(n.name)) locals.set(n.name, stepName(n.name.slice(1)));
          return { k: "name", name: locals.get(n.name)! };
        });
      for (const step of steps) pendingSteps.push({ s: "assign", targets: step.targets.map(local), value: local(step.value), loc: { file: node.range.file, line: node.range.line } });
      return local(result.lowering.forward);
    }
    if (node.op.kind === "model") {
      const nested = lowered.get(node.op.modelId);
      if (!nested || node.poisoned) throw new Untranslatable(`\`${program.models.get(node.op.modelId)!.name}\` contains a layer that could not be translated`, node.range, true);
      // Keras does not track a model that `call` reaches as a global: its weights are not the instance's.
      if (!e.callee) throw new Untranslatable(`\`${program.models.get(node.op.modelId)!.name}\` is a model built outside the class that \`call\` uses; make it an attribute in \`__init__\` (\`self.${program.models.get(node.op.modelId)!.name} = ...\`) so that its weights have a home`, node.range);
      nested.kerasClasses.forEach((c) => kerasClasses.add(c));
      nested.calls.forEach((c) => calls.add(c));
      return { k: "call", fn: resolve(e.callee!), args: operands };
    }
    if (node.op.kind === "merge") {
      if (conversions.some((c) => c !== null)) throw new Untranslatable(`the branches of a run-time \`if\` give this value in different layouts`, node.range);
      return operands[0]!;
    }
    const result = lowerOperationNode(program, node, operands, layout);
    if (!result.ok) {
      if (result.report) diagnostics.push({ severity: "error", code: result.code, message: result.message, range: node.range });
      throw new Untranslatable(result.message, node.range, true);
    }
    // Run-time sizes in the op's arguments (`torch.randn((z_mean.shape[0], 4))`) resolve like the rest.
    return resolve(result.value);
  };

  /** Replace placeholders; `unrolled` picks the item expression of loop variables. */
  const resolveWith = (unrolled: boolean) => (expr: PyExpr): PyExpr =>
    mapExpr(expr, (e) => {
      if (e.k === "node") return resolveNode(e);
      if (e.k === "loopvar") return unrolled ? resolveWith(unrolled)(e.item) : { k: "name", name: e.name };
      if (e.k === "dim") {
        const held = layout.tensors.get(e.tensor) ?? identity(program.tensors.get(e.tensor)!.shape.length);
        const rank = program.tensors.get(e.tensor)!.shape.length;
        const dim = held.kind === "perm" ? torchDim(held, e.axis, rank) : e.axis;
        if (!e.of) throw new Untranslatable("a run-time size of a tensor that no variable holds");
        return { k: "subscript", obj: attr(resolveWith(unrolled)(e.of), "shape"), index: lit(dim) };
      }
      if (e.k === "attr" && e.obj.k === "name" && e.obj.name === "self") usedAttributes.add(e.name);
      return undefined;
    });
  let resolve = resolveWith(false);

  const outputConversion = (expr: PyExpr): PyExpr => {
    // Outputs leave in the layout the layout pass chose for the model's outputs (flat ones in Keras order).
    if (forward.outputs.length === 1) {
      const t = forward.outputs[0]!;
      const conversion = layout.outputConversions[0] ?? null;
      return conversion ? convert(expr, layout.tensors.get(t)!, conversion) : expr;
    }
    if (layout.outputConversions.some((c) => c !== null)) {
      if (expr.k !== "tuple" || expr.items.length !== forward.outputs.length) throw new Untranslatable("several outputs in a layout that must be converted back");
      return { ...expr, items: expr.items.map((item, i) => convert(item, layout.tensors.get(forward.outputs[i]!)!, layout.outputConversions[i] ?? null)) };
    }
    return expr;
  };

  const resolveBlock = (body: Stmt[], isForward: boolean): Stmt[] => {
    const out: Stmt[] = [];
    // Each statement collects its own steps; an `if` keeps its condition's across its blocks.
    const enclosing = pendingSteps;
    try {
      for (const stmt of body) {
        pendingSteps = [];
        try {
          const resolved = resolveStmt(stmt, isForward);
          out.push(...pendingSteps, ...resolved);
        } catch (error) {
          if (!(error instanceof Untranslatable)) throw error;
          if (!error.reported) diagnostics.push({ severity: "error", code: "unsupported-construct", message: error.message, range: error.range ?? sub.range });
          const where = error.range ? ` (${error.range.file}:${error.range.line})` : "";
          out.push({ s: "raise", message: `${error.message}${where}`, loc: "loc" in stmt ? stmt.loc : undefined });
          return out;
        }
      }
      return out;
    } finally {
      pendingSteps = enclosing;
    }
  };

  const resolveStmt = (stmt: Stmt, isForward: boolean): Stmt[] => {
    switch (stmt.s) {
      case "assign":
        return [{ ...stmt, targets: stmt.targets.map(resolve), value: resolve(stmt.value) }];
      case "augassign":
        return [{ ...stmt, target: resolve(stmt.target), value: resolve(stmt.value) }];
      case "expr":
        return [{ ...stmt, value: resolve(stmt.value) }];
      case "return":
        return [{ ...stmt, value: stmt.value ? (isForward ? outputConversion(resolve(stmt.value)) : resolve(stmt.value)) : null }];
      case "if":
        return [{ ...stmt, condition: resolve(stmt.condition), then: resolveBlock(stmt.then, isForward), otherwise: resolveBlock(stmt.otherwise, isForward) }];
      case "for":
        return [{ ...stmt, target: resolve(stmt.target), iter: resolve(stmt.iter), body: resolveBlock(stmt.body, isForward) }];
      case "while":
        return [{ ...stmt, condition: resolve(stmt.condition), body: resolveBlock(stmt.body, isForward) }];
      case "loop": {
        // Keep the loop when every iteration reads the same; otherwise unroll it.
        const kept = stmt.iterations.map((body) => resolveBlock(body, isForward));
        const text = kept.map((body) => JSON.stringify(body));
        if (kept.length > 0 && text.every((t) => t === text[0]) && !kept[0]!.some((s) => s.s === "raise")) {
          return [{ s: "for", target: stmt.target, iter: resolve(stmt.iter), body: kept[0]!, loc: stmt.loc }];
        }
        const previous = resolve;
        resolve = resolveWith(true);
        try {
          return stmt.iterations.flatMap((body) => resolveBlock(body, isForward));
        } finally {
          resolve = previous;
        }
      }
      default:
        return [stmt];
    }
  };

  // forward and the helper methods ----------------------------------------------------------
  // `call(self, inputs)` given a list: its tensors are named `inputs_0`, `inputs_1`... (not parameters).
  const structured = forward.inputs.some((t) => !forward.params.some((p) => p.name === program.tensors.get(t)!.inputName));
  const inputs: TorchValue[] = forward.inputs.map((t, i) => {
    const tensor = program.tensors.get(t)!;
    return { variable: tensor.inputName!, kerasName: tensor.inputName!, kerasShape: tensor.shape, layout: layout.inputs[i]!, dtype: tensor.dtype };
  });
  let forwardBody = resolveBlock(forward.body, true);
  if (structured && forward.params[0]) {
    // `call(self, inputs)` on a list: forward takes one tensor per input (the contract) and rebuilds it.
    forwardBody = [{ s: "assign", targets: [{ k: "name", name: forward.params[0].name }], value: { k: "list", items: inputs.map((v) => ({ k: "name", name: v.variable }) as PyExpr) } }, ...forwardBody];
  }
  const forwardParams = structured ? inputs.map((v) => ({ name: v.variable })) : forward.params;
  const methods = helperMethods(sub.methods, (m) => withoutDeadCode(resolveBlock(m.body, false)));
  const renames = new Map<string, Rename>();
  for (const { method, keys } of methods) {
    // Each helper was translated on its call's values: a parameter the body no longer reads (a
    // static value already folded in) leaves the signature and the call sites.
    const read = new Set<string>();
    method.body.forEach((stmt) => visitStmt(stmt, (e) => visitExprNames(e, read)));
    const params = method.params.map((p) => p.name);
    method.params = method.params.filter((p) => read.has(p.name));
    for (const key of keys) renames.set(key, { name: method.name, params, kept: new Set(method.params.map((p) => p.name)) });
  }
  const rename = (body: Stmt[]): Stmt[] => body.map((stmt) => renameStmt(stmt, renames));

  // __init__ ---------------------------------------------------------------------------------
  const init: Stmt[] = [{ s: "expr", value: { k: "call", fn: attr(call("super", []), "__init__"), args: [] } }];
  // `__init__`'s parameters stay, with the values this instance was built with as defaults. The
  // class was compiled for exactly those values (sizes derived from them are constants), so any
  // (The message names the Keras class, so that instances that translate alike still share one class.)
  // other value raises instead of building a different model silently.
  const initParams = (sub.initArgs ?? []).filter((a) => a.value !== undefined && a.name !== "name");
  const defaults = initParams.map((a) => a.value!);
  if (initParams.length) {
    const names: PyExpr[] = initParams.map((a) => ({ k: "name", name: a.name }));
    const one = initParams.length === 1;
    const shown = initParams.map((a, i) => `${a.name}=${renderLiteral(defaults[i]!)}`).join(", ");
    init.push({
      s: "if",
      condition: { k: "compare", op: "!=", left: one ? names[0]! : { k: "tuple", items: names }, right: one ? defaults[0]! : { k: "tuple", items: defaults } },
      then: [{ s: "raise", message: `${sub.className} was compiled from the Keras source for ${shown}; run keras2torch convert again for other values` }],
      otherwise: [],
    });
  }
  const tensors: TensorMapping[] = [];
  const constants: ConstantMapping[] = [];
  const paths = subclassPaths(program, model);
  const keras3 = (key: string) => paths.get(key) ?? "";
  const frozenModel = isFrozen(program, model.id);

  /** The constructor of a sublayer, or null when it was never called (Keras builds no weights for it). */
  const ctorOf = (value: AttributeValue): PyExpr | null => {
    if (value.kind === "layer") {
      const lowering = layerLowerings.get(value.layerId);
      return lowering?.module ? ctorExpr(lowering.module) : null;
    }
    if (value.kind === "model") {
      const nested = lowered.get(value.modelId);
      return nested ? call(nested.className, []) : null;
    }
    return null;
  };

  /** Weight rows of one sublayer stored at torch key `key` and Keras 3 path `path`. */
  const rowsOf = (value: AttributeValue, key: string, path: string, legacyLayer: string): void => {
    if (value.kind === "layer") {
      const layer = program.layers.get(value.layerId)!;
      const lowering = layerLowerings.get(value.layerId);
      if (!lowering) return;
      const legacyOrder = legacyWeightOrders(lowering.weights);
      for (const [i, w] of lowering.weights.entries()) {
        tensors.push({
          key: `${key}.${w.param}`,
          keras3Path: `${path}/${w.keras3Subpath ?? `vars/${w.kerasIndex}`}`,
          legacyLayer,
          legacyIndex: legacyLayer === layer.name ? legacyOrder[i]! : -1,
          kerasShape: w.kerasShape,
          transforms: w.transforms,
          ...(w.unused ? { unused: true as const } : {}),
          trainable: w.trainable !== false && !isFrozen(program, layer.id) && !frozenModel,
        });
      }
      for (const c of lowering.constants) constants.push({ key: `${key}.${c.param}`, shape: c.shape, dtype: c.dtype, value: c.value });
      return;
    }
    if (value.kind === "model") {
      const nested = lowered.get(value.modelId);
      if (!nested) return;
      const frozen = isFrozen(program, value.modelId) || frozenModel;
      for (const row of nested.tensors) tensors.push({ ...row, key: `${key}.${row.key}`, keras3Path: `${path}/${row.keras3Path}`, legacyLayer, legacyIndex: -1, trainable: row.trainable && !frozen });
      for (const c of nested.constants) constants.push({ ...c, key: `${key}.${c.key}` });
    }
  };

  // Own variables first (Keras lists a layer's own weights before its sublayers').
  sub.weights.forEach((w, i) => {
    tensors.push({
      key: w.name === "variable" ? attributeOfWeight(sub, i) ?? `weight_${i}` : attributeOfWeight(sub, i) ?? w.name,
      keras3Path: keras3(`w${i}`),
      legacyLayer: "top_level_model_weights",
      legacyIndex: -1,
      kerasShape: w.shape,
      transforms: [],
      trainable: w.trainable && !frozenModel,
    });
  });
  const tracked = new Set(model.layers.map((r) => (r.kind === "layer" ? `l${r.layerId}` : r.kind === "model" ? `m${r.modelId}` : "")));
  const rowsDone = new Set<string>();
  const legacyName = (value: AttributeValue) =>
    value.kind === "layer" ? program.layers.get(value.layerId)!.name : value.kind === "model" ? program.models.get(value.modelId)!.name : "";
  const objectKey = (value: AttributeValue) => (value.kind === "layer" ? `l${value.layerId}` : value.kind === "model" ? `m${value.modelId}` : "");

  const torchKeyOf = new Map<string, string>();
  for (const attribute of sub.attributes) {
    const loc = { file: attribute.range.file, line: attribute.range.line };
    const target = attr(SELF, attribute.name);
    const value = attribute.value;
    if (value.kind === "layer" || value.kind === "model") {
      const ctor = ctorOf(value);
      const key = objectKey(value);
      if (torchKeyOf.has(key)) {
        // The same layer under a second name: PyTorch registers it twice, with the same weights.
        init.push({ s: "assign", targets: [target], value: attr(SELF, torchKeyOf.get(key)!), loc });
        continue;
      }
      if (!ctor) {
        if (value.kind === "layer" && !layerLowerings.has(value.layerId)) {
          init.push({ s: "comment", text: `\`${attribute.name}\` (${program.layers.get(value.layerId)!.kerasClass}) is never called, so Keras builds no weights for it` });
        }
        continue;
      }
      torchKeyOf.set(key, attribute.name);
      init.push({ s: "assign", targets: [target], value: ctor, loc });
      if (value.kind === "layer") {
        const lowering = layerLowerings.get(value.layerId)!;
        init.push(...freezeStmts(attribute.name, lowering.frozen ?? []));
      }
      continue;
    }
    if (value.kind === "weight") {
      init.push(weightStmt(sub.weights[value.index]!, attribute.name, loc));
      continue;
    }
    if (value.kind === "list" || value.kind === "dict") {
      const items = value.kind === "list" ? value.items.map((v, i) => [String(i), v] as [string, AttributeValue]) : value.entries;
      if (items.length && items.every(([, v]) => v.kind === "layer" || v.kind === "model")) {
        const ctors = items.map(([, v]) => ctorOf(v));
        if (ctors.some((c) => c === null)) {
          // Entries never called have no weights in Keras; a ModuleDict can leave them out, a list cannot.
          if (value.kind === "list") {
            init.push({ s: "comment", text: `\`${attribute.name}\` holds layers that are never called; they have no weights` });
            continue;
          }
        }
        const present = items.map(([k, v], i) => [k, v, ctors[i]] as const).filter(([, , c]) => c !== null);
        present.forEach(([k, v]) => torchKeyOf.set(objectKey(v), `${attribute.name}.${k}`));
        init.push({
          s: "assign",
          targets: [target],
          value:
            value.kind === "list"
              ? call("nn.ModuleList", [{ k: "list", items: present.map(([, , c]) => c!) }])
              : call("nn.ModuleDict", [{ k: "dict", entries: present.map(([k, , c]) => [k, c!] as [string, PyExpr]) }]),
          loc,
        });
        continue;
      }
    }
    if (value.kind === "constant" || value.kind === "list") {
      const literal = constantExpr(value);
      // Plain attributes are kept only where the translated code reads them.
      if (literal && usedAttributes.has(attribute.name)) init.push({ s: "assign", targets: [target], value: literal, loc });
    }
    if (value.kind === "opaque" && usedAttributes.has(attribute.name)) {
      // `self.scale = 1e-6 * tf.ones(dim)` read in `call`: a tensor made in `__init__` that is not a
      // weight has no PyTorch counterpart here yet. Never a module that fails later with AttributeError.
      const message = `\`self.${attribute.name}\` (${value.what} set in \`__init__\`) is read in \`call\`, but the module cannot hold such an attribute yet; make it a weight with \`self.add_weight(...)\`, or compute it in \`call\``;
      diagnostics.push({ severity: "error", code: "unsupported-construct", message, range: attribute.range });
      init.push({ s: "raise", message: `${message} (${attribute.range.file}:${attribute.range.line})`, loc });
    }
  }
  // Weight rows, in Keras' tracking order (which the legacy format keeps).
  for (const ref of model.layers) {
    const value: AttributeValue = ref.kind === "layer" ? { kind: "layer", layerId: ref.layerId } : { kind: "model", modelId: (ref as { modelId: number }).modelId };
    const key = objectKey(value);
    if (rowsDone.has(key) || !tracked.has(key)) continue;
    rowsDone.add(key);
    const torchKey = torchKeyOf.get(key);
    if (!torchKey) continue;
    rowsOf(value, torchKey, keras3(key), legacyName(value));
  }

  const body = (stmts: Stmt[]) => withoutDeadCode(rename(stmts));
  const forwardMethod: MethodIR = { name: "forward", params: forwardParams, body: body(forwardBody), decorators: [] };
  const helperIR: MethodIR[] = methods.map(({ method }) => ({ ...method, body: body(method.body) }));
  const cls: ClassIR = {
    name: className,
    bases: ["nn.Module"],
    docstring: "",
    methods: [{ name: "__init__", params: initParams.map((a, i) => ({ name: a.name, default: defaults[i]! })), body: init, decorators: [] }, forwardMethod, ...helperIR],
  };
  for (const method of cls.methods) for (const stmt of method.body) visitStmt(stmt, (e) => calledNames(e, calls));

  const outputs: TorchValue[] = forward.outputs.map((t, i) => {
    const tensor = program.tensors.get(t)!;
    const name = model.outputStructure.kind === "dict" ? model.outputStructure.keys[i]! : forward.outputs.length === 1 ? "output" : `output_${i}`;
    return { variable: name, kerasName: name, kerasShape: tensor.shape, layout: outputLayout(layout, i, t), dtype: tensor.dtype };
  });
  return {
    modelId: model.id,
    cls,
    subclassOf: sub.base,
    className,
    kerasName: model.name,
    inputs,
    outputs,
    outputStructure: model.outputStructure,
    submodules: [],
    statements: [],
    returns: { k: "lit", value: null },
    tensors: orderLegacyRows(tensors),
    constants,
    calls: [...calls].sort(),
    layerOrder: [],
    kerasClasses: [...kerasClasses].sort(),
  };
}

function outputLayout(layout: ModelLayout, i: number, t: number) {
  return layout.outputs[i] ?? layout.tensors.get(t)!;
}

/** The attribute that holds variable `index` of the instance (`self.kernel = self.add_weight(...)`). */
function attributeOfWeight(sub: NonNullable<ModelDef["subclass"]>, index: number): string | null {
  return sub.attributes.find((a) => a.value.kind === "weight" && a.value.index === index)?.name ?? null;
}

/** How a default reads in the message (the printer spells it the same way). */
function renderLiteral(expr: PyExpr): string {
  if (expr.k === "float") return Number.isInteger(expr.value) ? `${expr.value}.0` : String(expr.value);
  if (expr.k === "lit") return expr.value === null ? "None" : typeof expr.value === "boolean" ? (expr.value ? "True" : "False") : typeof expr.value === "string" ? JSON.stringify(expr.value) : String(expr.value);
  if (expr.k === "tuple") return `(${expr.items.map(renderLiteral).join(", ")}${expr.items.length === 1 ? "," : ""})`;
  if (expr.k === "list") return `[${expr.items.map(renderLiteral).join(", ")}]`;
  return "...";
}

function constantExpr(value: AttributeValue): PyExpr | null {
  if (value.kind === "constant") {
    const v = value.value;
    if (v === null || typeof v === "boolean" || typeof v === "string") return lit(v);
    if (typeof v === "number") return Number.isInteger(v) ? lit(v) : float(v);
    return null;
  }
  if (value.kind === "list") {
    const items = value.items.map(constantExpr);
    return items.every((i) => i !== null) ? { k: value.tuple ? "tuple" : "list", items: items as PyExpr[] } : null;
  }
  return null;
}

/**
 * `self.w = nn.Parameter(...)` (or a buffer when Keras does not train it), initialized as Keras'
 * initializer would (keras/src/initializers): the fans are Keras' `compute_fans`.
 */
function weightStmt(weight: AddedWeight, name: string, loc: { file: string; line: number }): Stmt {
  const shape: PyExpr = { k: "tuple", items: weight.shape.map((d) => lit(d)) };
  const init = initializerExpr(weight, shape);
  if (!weight.trainable) {
    return { s: "expr", value: { k: "call", fn: attr(SELF, "register_buffer"), args: [lit(name), init] }, loc };
  }
  return { s: "assign", targets: [attr(SELF, name)], value: call("nn.Parameter", [init]), loc };
}

function initializerExpr(weight: AddedWeight, shape: PyExpr): PyExpr {
  const spec = weight.initializer;
  const name = typeof spec === "string" ? spec : spec && typeof spec === "object" && !Array.isArray(spec) ? String(spec.class_name ?? "") : "";
  const option = (key: string, fallback: number): number => {
    if (spec && typeof spec === "object" && !Array.isArray(spec) && typeof spec[key] === "number") return spec[key] as number;
    return fallback;
  };
  const snake = name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
  const empty = call("torch.empty", [shape]);
  const method = (m: string, args: PyExpr[]): PyExpr => ({ k: "call", fn: attr(empty, m), args });
  const [fanIn, fanOut] = kerasFans(weight.shape);
  // Keras draws truncated normals within two standard deviations, scaled so the variance is right.
  const truncated = (std: number, mean = 0): PyExpr => call("nn.init.trunc_normal_", [empty], [["mean", float(mean)], ["std", float(std)], ["a", float(mean - 2 * std)], ["b", float(mean + 2 * std)]]);
  const TRUNC = 0.8796256610342398;
  switch (snake) {
    case "zeros":
      return call("torch.zeros", [shape]);
    case "ones":
      return call("torch.ones", [shape]);
    case "constant":
      return call("torch.full", [shape, float(option("value", 0))]);
    case "glorot_uniform": {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      return method("uniform_", [float(-limit), float(limit)]);
    }
    case "glorot_normal":
      return truncated(Math.sqrt(2 / (fanIn + fanOut)) / TRUNC);
    case "he_uniform":
      return method("uniform_", [float(-Math.sqrt(6 / fanIn)), float(Math.sqrt(6 / fanIn))]);
    case "he_normal":
      return truncated(Math.sqrt(2 / fanIn) / TRUNC);
    case "lecun_uniform":
      return method("uniform_", [float(-Math.sqrt(3 / fanIn)), float(Math.sqrt(3 / fanIn))]);
    case "lecun_normal":
      return truncated(Math.sqrt(1 / fanIn) / TRUNC);
    case "random_normal":
      return method("normal_", [float(option("mean", 0)), float(option("stddev", 0.05))]);
    case "random_uniform":
      return method("uniform_", [float(option("minval", -0.05)), float(option("maxval", 0.05))]);
    case "truncated_normal":
      return truncated(option("stddev", 0.05), option("mean", 0));
    default:
      return call("torch.zeros", [shape]);
  }
}

/** Keras' `compute_fans`. */
function kerasFans(shape: number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2]! * receptive, shape[shape.length - 1]! * receptive];
}

/** Legacy weight order within each top-level layer: trainable weights first, then the others. */
function orderLegacyRows(rows: TensorMapping[]): TensorMapping[] {
  const groups = new Map<string, TensorMapping[]>();
  for (const row of rows) if (row.legacyIndex === -1) groups.set(row.legacyLayer, [...(groups.get(row.legacyLayer) ?? []), row]);
  for (const group of groups.values()) [...group.filter((r) => r.trainable), ...group.filter((r) => !r.trainable)].forEach((r, i) => (r.legacyIndex = i));
  return rows;
}

/**
 * Helper methods: every call of a helper was translated on its own arguments. Calls that read the
 * same share one method; calls that differ (other shapes) get methods of their own, numbered.
 */
function helperMethods(traced: TracedMethod[], resolveBody: (m: TracedMethod) => Stmt[]): { method: MethodIR; keys: string[] }[] {
  const out: { method: MethodIR; keys: string[]; text: string }[] = [];
  for (const m of traced) {
    const base = m.name.split("#")[0]!;
    const body = resolveBody(m);
    const method: MethodIR = { name: base, params: m.params, body, decorators: [] };
    const text = JSON.stringify(method.body) + JSON.stringify(method.params);
    const same = out.find((o) => o.method.name.replace(/_\d+$/, "") === base && o.text === text);
    if (same) {
      same.keys.push(m.name);
      continue;
    }
    const count = out.filter((o) => o.keys[0]!.split("#")[0] === base).length;
    out.push({ method: { ...method, name: count ? `${base}_${count + 1}` : base }, keys: [m.name], text });
  }
  return out;
}

/**
 * Drops assignments to local names that nothing reads any more (the translation computes sizes and
 * losses that PyTorch's code does not need, e.g. a KL term only passed to `add_loss`), then `if`s left
 * empty. Evaluating them has no effect on the results.
 */
function withoutDeadCode(body: Stmt[]): Stmt[] {
  for (;;) {
    const read = new Set<string>();
    const note = (e: PyExpr) => visitExprNames(e, read);
    const scan = (stmts: Stmt[]): void =>
      stmts.forEach((stmt) => {
        switch (stmt.s) {
          case "assign":
            stmt.targets.forEach((t) => (isNamePattern(t) ? undefined : note(t)));
            return note(stmt.value);
          case "if":
            note(stmt.condition);
            scan(stmt.then);
            return scan(stmt.otherwise);
          case "for":
            note(stmt.iter);
            return scan(stmt.body);
          case "while":
            note(stmt.condition);
            return scan(stmt.body);
          default:
            return visitStmt(stmt, note);
        }
      });
    scan(body);
    let changed = false;
    const prune = (stmts: Stmt[]): Stmt[] =>
      stmts.flatMap((stmt): Stmt[] => {
        if (stmt.s === "assign" && stmt.targets.every((t) => isNamePattern(t) && namesOf(t).every((n) => !read.has(n)))) {
          changed = true;
          return [];
        }
        if (stmt.s === "if") {
          const then = prune(stmt.then);
          const otherwise = prune(stmt.otherwise);
          if (!then.length && !otherwise.length) {
            changed = true;
            return [];
          }
          return [{ ...stmt, then, otherwise }];
        }
        if (stmt.s === "for" || stmt.s === "while") return [{ ...stmt, body: prune(stmt.body) }];
        return [stmt];
      });
    body = prune(body);
    if (!changed) return body;
  }
}

function isNamePattern(e: PyExpr): boolean {
  return e.k === "name" || ((e.k === "tuple" || e.k === "list") && e.items.every(isNamePattern));
}

function namesOf(e: PyExpr): string[] {
  return e.k === "name" ? [e.name] : e.k === "tuple" || e.k === "list" ? e.items.flatMap(namesOf) : [];
}

function visitExprNames(e: PyExpr, into: Set<string>): void {
  visitExpr(e, (x) => {
    if (x.k === "name") into.add(x.name);
  });
}

interface Rename {
  name: string;
  /** The parameters the call sites were written for, and those the method keeps. */
  params: string[];
  kept: Set<string>;
}

function renameStmt(stmt: Stmt, renames: Map<string, Rename>): Stmt {
  const fix = (e: PyExpr): PyExpr =>
    mapExpr(e, (x): PyExpr | undefined => {
      if (x.k !== "call" || x.fn.k !== "attr" || !renames.has(x.fn.name)) return undefined;
      const r = renames.get(x.fn.name)!;
      return {
        ...x,
        fn: { ...x.fn, name: r.name, obj: fix(x.fn.obj) },
        args: x.args.map(fix).filter((_, i) => r.params[i] === undefined || r.kept.has(r.params[i]!)),
        kwargs: (x.kwargs ?? []).filter(([k]) => r.kept.has(k)).map(([k, v]) => [k, fix(v)] as [string, PyExpr]),
      };
    });
  switch (stmt.s) {
    case "assign":
      return { ...stmt, targets: stmt.targets.map(fix), value: fix(stmt.value) };
    case "augassign":
      return { ...stmt, target: fix(stmt.target), value: fix(stmt.value) };
    case "expr":
      return { ...stmt, value: fix(stmt.value) };
    case "return":
      return { ...stmt, value: stmt.value ? fix(stmt.value) : null };
    case "if":
      return { ...stmt, condition: fix(stmt.condition), then: stmt.then.map((s) => renameStmt(s, renames)), otherwise: stmt.otherwise.map((s) => renameStmt(s, renames)) };
    case "for":
      return { ...stmt, target: fix(stmt.target), iter: fix(stmt.iter), body: stmt.body.map((s) => renameStmt(s, renames)) };
    case "while":
      return { ...stmt, condition: fix(stmt.condition), body: stmt.body.map((s) => renameStmt(s, renames)) };
    default:
      return stmt;
  }
}

/** Every expression of a statement, nested statements included. */
function visitStmt(stmt: Stmt, visit: (e: PyExpr) => void): void {
  switch (stmt.s) {
    case "assign":
      stmt.targets.forEach(visit);
      return visit(stmt.value);
    case "augassign":
      visit(stmt.target);
      return visit(stmt.value);
    case "expr":
      return visit(stmt.value);
    case "return":
      if (stmt.value) visit(stmt.value);
      return;
    case "if":
      visit(stmt.condition);
      stmt.then.forEach((s) => visitStmt(s, visit));
      return stmt.otherwise.forEach((s) => visitStmt(s, visit));
    case "for":
      visit(stmt.iter);
      return stmt.body.forEach((s) => visitStmt(s, visit));
    case "while":
      visit(stmt.condition);
      return stmt.body.forEach((s) => visitStmt(s, visit));
    default:
      return;
  }
}


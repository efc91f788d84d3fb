// Layout pass: decides, for every tensor of a model, whether PyTorch holds it in Keras' order or
// channels-first, and where a conversion is unavoidable. Pure: graph in, layouts out.
//
// Image-like inputs (those that reach a conv/pool through layout-transparent layers) are taken
// channels-first, conv/pool outputs stay channels-first, and elementwise layers follow their input,
// so a plain conv net never permutes at run time.
import { identity, isIdentity, sameLayout } from "../ir/layout.js";
import type { GraphNode, Layout, ModelDef, Program, Shape } from "../ir/types.js";
import { ruleFor } from "../rules/registry.js";
import type { LayoutPlan } from "../rules/types.js";
import { ConfigError } from "../rules/util.js";
import { classOrder } from "../ir/models.js";
import { planOpNode, type OpNode } from "./op-node.js";

export interface ModelLayout {
  /** The layout each tensor is held in after its producer. */
  tensors: Map<number, Layout>;
  /** Per node: the layout each input must be converted to before the node (null: as is). */
  conversions: Map<number, (Layout | null)[]>;
  /** Layouts the nodes' rules see for their inputs (after conversion). */
  nodeInputs: Map<number, Layout[]>;
  inputs: Layout[];
  /** The layout of each model output (after any final conversion). */
  outputs: Layout[];
  /** Conversions applied to outputs before returning (null: none). */
  outputConversions: (Layout | null)[];
  /** Nodes whose rule rejected its configuration while planning layouts; lowering reports them. */
  errors: Map<number, ConfigError>;
  /** The layout chosen for each nested model this one calls (in the layout its call gives it). */
  nested: Map<number, ModelLayout>;
}

/** Layouts by model id, or by model id and the input layouts it was laid out for. */
export type LayoutCache = Map<string, ModelLayout>;

/** How a generated class takes and returns tensors: channels-first where image-like, or Keras' order. */
export type IoLayout = "channels-first" | "keras";

/**
 * The layout pass: a layout for every model that gets a class (nested models first), as a pure
 * function of the Program. Lowering reads its result; it never plans layouts itself.
 */
export function layoutPass(program: Program, io: IoLayout = "channels-first"): Map<number, ModelLayout> {
  const cache: LayoutCache = new Map();
  const chosen = new Map<number, ModelLayout>();
  // A root takes its own layout; a nested model the one its caller hands it (see `plan` for models).
  const choose = (id: number, layout: ModelLayout) => {
    if (chosen.has(id)) return;
    chosen.set(id, layout);
    for (const [inner, innerLayout] of layout.nested) choose(inner, innerLayout);
  };
  for (const root of program.roots) choose(root.modelId, layoutModel(program, program.models.get(root.modelId)!, cache, io));
  for (const id of classOrder(program)) if (!chosen.has(id)) choose(id, layoutModel(program, program.models.get(id)!, cache, io));
  return chosen;
}

/** No conversion anywhere: the model takes and returns its tensors in the layouts it is given. */
function isFree(layout: ModelLayout): boolean {
  return [...layout.conversions.values()].every((c) => c.every((x) => x === null)) && layout.outputConversions.every((c) => c === null);
}

/**
 * Lays out `model`. With `hint`, its inputs arrive in those layouts (a nested model called on
 * channels-first tensors), instead of the layouts it would choose alone.
 */
function layoutModel(program: Program, model: ModelDef, cache: LayoutCache, io: IoLayout, hint?: Layout[]): ModelLayout {
  const key = hint ? `${model.id}:${JSON.stringify(hint)}` : String(model.id);
  const cached = cache.get(key);
  if (cached) return cached;
  const shapeOf = (t: number): Shape => program.tensors.get(t)!.shape;
  const nodes = model.nodes.map((id) => program.nodes.get(id)!);
  const consumers = new Map<number, { node: GraphNode; index: number }[]>();
  for (const node of nodes) node.inputs.forEach((t, index) => consumers.set(t, [...(consumers.get(t) ?? []), { node, index }]));

  const errors = new Map<number, ConfigError>();
  /** The layout of each nested model node as last planned (the final pass plans each node last). */
  const usedInner = new Map<number, ModelLayout>();
  const plan = (node: GraphNode, inputLayouts: Layout[]): LayoutPlan => {
    const inputShapes = node.inputs.map(shapeOf);
    const outputShapes = node.outputs.map(shapeOf);
    if (node.poisoned) return { inputs: node.inputs.map(() => null), outputs: node.outputs.map((t) => identity(shapeOf(t).length)) };
    switch (node.op.kind) {
      case "merge":
        // Every branch must hand over the value in one layout: the first branch's.
        return { inputs: inputLayouts.map(() => inputLayouts[0]!), outputs: [inputLayouts[0]!] };
      case "op":
        try {
          return planOpNode(program, node as OpNode, inputLayouts);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          errors.set(node.id, error);
          return { inputs: node.inputs.map(() => null), outputs: node.outputs.map((t) => identity(shapeOf(t).length)) };
        }
      case "model": {
        const innerModel = program.models.get(node.op.modelId)!;
        const own = layoutModel(program, innerModel, cache, io);
        // A nested model that computes the same without any permute on the layouts it is given
        // (a weightless custom layer between convolutions) takes them as they are.
        const given = io === "channels-first" && inputLayouts.every((l) => l.kind === "perm") && inputLayouts.some((l, i) => !sameLayout(l, own.inputs[i]!));
        const hinted = given ? layoutModel(program, innerModel, cache, io, inputLayouts) : null;
        const inner = hinted && isFree(hinted) ? hinted : own;
        usedInner.set(node.id, inner);
        // Inputs already in the layout the nested model takes need nothing ("as is" also lets the probe in
        // `wanted` try other layouts on it).
        const asGiven = inner !== own || inputLayouts.every((l, i) => sameLayout(l, own.inputs[i]!));
        return { inputs: asGiven ? inputLayouts.map(() => null) : own.inputs, outputs: inner.outputs };
      }
      case "layer": {
        const layer = program.layers.get(node.op.layerId)!;
        try {
          return ruleFor(layer.kerasClass)!.layout({ layer, inputShapes, inputLayouts, outputShapes, masks: node.masks, call: node.call });
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          errors.set(node.id, error);
          return { inputs: node.inputs.map(() => null), outputs: node.outputs.map((t) => identity(shapeOf(t).length)) };
        }
      }
    }
  };

  // Does this tensor want to be channels-first? Yes if a consumer asks for a non-identity layout,
  // or if a consumer that passes layouts through produces a tensor that wants it.
  const memo = new Map<number, Layout | null>();
  const wanted = (tensor: number): Layout | null => {
    if (memo.has(tensor)) return memo.get(tensor)!;
    memo.set(tensor, null);
    const rank = shapeOf(tensor).length;
    let result: Layout | null = null;
    for (const { node, index } of consumers.get(tensor) ?? []) {
      if (node.poisoned) continue;
      const asIs = node.inputs.map((t) => identity(shapeOf(t).length));
      const p = plan(node, asIs);
      const want = p.inputs[index];
      if (want && want.kind === "perm" && !isIdentity(want)) {
        result = want;
        break;
      }
      // An elementwise op asks for the shared layout of its operands, Keras' order when given that: no demand.
      if ((!want || (want.kind === "perm" && isIdentity(want))) && node.outputs.length === 1 && shapeOf(node.outputs[0]!).length === rank && rank >= 3) {
        // Transparent if a channels-first input would flow through unchanged.
        const probe: Layout = { kind: "perm", perm: [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)] };
        const through = plan(node, node.inputs.map((t, i) => (i === index ? probe : identity(shapeOf(t).length))));
        const taken = through.inputs[index];
        if (sameLayout(through.outputs[0]!, probe) && (!taken || sameLayout(taken, probe))) {
          const downstream = wanted(node.outputs[0]!);
          if (downstream && sameLayout(downstream, probe)) {
            result = downstream;
            break;
          }
        }
      }
    }
    memo.set(tensor, result);
    return result;
  };

  const tensors = new Map<number, Layout>();
  const inputs = model.inputs.map((t, i) => {
    const layout = hint?.[i] ?? (io === "channels-first" ? wanted(t) : null) ?? identity(shapeOf(t).length);
    tensors.set(t, layout);
    return layout;
  });

  // Only the final pass's findings count (the probes above may try layouts a node never gets).
  errors.clear();
  const conversions = new Map<number, (Layout | null)[]>();
  const nodeInputs = new Map<number, Layout[]>();
  for (const node of nodes) {
    const actual = node.inputs.map((t) => tensors.get(t) ?? identity(shapeOf(t).length));
    const p = plan(node, actual);
    const needed = p.inputs.map((want, i) => (want && !sameLayout(want, actual[i]!) ? want : null));
    conversions.set(node.id, needed);
    nodeInputs.set(node.id, actual.map((a, i) => needed[i] ?? a));
    node.outputs.forEach((t, i) => tensors.set(t, p.outputs[i] ?? identity(shapeOf(t).length)));
  }

  // A flattened channels-first tensor has no Keras-visible meaning: return it in Keras order, as
  // every output when the boundary keeps Keras' layout.
  // An output no node produced (a translated `call` that stops at a raise) is in Keras order.
  for (const t of model.outputs) if (!tensors.has(t)) tensors.set(t, identity(shapeOf(t).length));
  const outputConversions = model.outputs.map((t) => {
    const layout = tensors.get(t)!;
    return layout.kind === "flat" || (io === "keras" && !isIdentity(layout)) ? identity(shapeOf(t).length) : null;
  });
  const outputs = model.outputs.map((t, i) => outputConversions[i] ?? tensors.get(t)!);
  const nested = new Map<number, ModelLayout>();
  for (const node of nodes) if (node.op.kind === "model" && usedInner.has(node.id) && !nested.has(node.op.modelId)) nested.set(node.op.modelId, usedInner.get(node.id)!);
  const result: ModelLayout = { tensors, conversions, nodeInputs, inputs, outputs, outputConversions, errors, nested };
  cache.set(key, result);
  return result;
}

// Lowering of one graph node to PyTorch: the pieces that graph-built models and translated `call`
// bodies share. Pure: a node, its layouts and the expressions of its inputs in, data out.
import { inversePerm, isIdentity, permuteBetween, torchShape } from "../ir/layout.js";
import { mapExpr } from "../ir/expr.js";
import type { DiagnosticCode, GraphNode, LayerDef, Layout, Program, PyExpr } from "../ir/types.js";
import { ruleFor } from "../rules/registry.js";
import type { Lowering } from "../rules/types.js";
import { ConfigError, lit } from "../rules/util.js";
import type { ModelLayout } from "./layout.js";
import { lowerOpNode, type OpNode } from "./op-node.js";

export type NodeFailure = { ok: false; message: string; code: DiagnosticCode; report: boolean };

/** A layer node: the rule's lowering, or why there is none. */
export function lowerLayerNode(
  program: Program,
  node: GraphNode,
  layout: ModelLayout,
): { ok: true; layer: LayerDef; lowering: Lowering } | NodeFailure {
  if (node.op.kind !== "layer") throw new Error("lowerLayerNode on a node that is not a layer");
  const layer = program.layers.get(node.op.layerId)!;
  const rule = ruleFor(layer.kerasClass);
  const shapeOf = (t: number) => program.tensors.get(t)!.shape;
  if (!rule || node.poisoned || layer.poisoned) {
    const message = !rule
      ? `Keras layer \`${layer.kerasClass}\` is not supported by keras2torch yet`
      : layer.poisoned
        ? `${layer.kerasClass} \`${layer.name}\` could not be configured statically (see the diagnostics)`
        : `\`${layer.name}\` follows a layer that could not be translated`;
    return { ok: false, message, code: "unsupported-layer", report: false };
  }
  const layoutError = layout.errors.get(node.id);
  if (layoutError) return { ok: false, message: `${layer.kerasClass} \`${layer.name}\`: ${layoutError.message}`, code: layoutError.code, report: true };
  try {
    const result = rule.lower({
      layer,
      masks: node.masks,
      call: node.call,
      inputShapes: node.inputs.map(shapeOf),
      inputDtypes: node.inputs.map((t) => program.tensors.get(t)!.dtype),
      outputShapes: node.outputs.map(shapeOf),
      inputLayouts: layout.nodeInputs.get(node.id)!,
      outputLayouts: node.outputs.map((t) => layout.tensors.get(t)!),
    });
    if (!result.ok) return { ok: false, message: `${layer.kerasClass} \`${layer.name}\`: ${result.message}`, code: "unsupported-argument", report: true };
    return { ok: true, layer, lowering: result.lowering };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { ok: false, message: `${layer.kerasClass} \`${layer.name}\`: ${error.message}`, code: error.code, report: true };
  }
}

/** Registry ops (and merges): an expression over the (converted) input expressions. */
export function lowerOperationNode(program: Program, node: GraphNode, inputExprs: PyExpr[], layout: ModelLayout): { ok: true; value: PyExpr } | NodeFailure {
  switch (node.op.kind) {
    case "merge":
      // A merge computes nothing: the variable already holds the value of the branch that ran.
      return { ok: true, value: inputExprs[0]! };
    case "op": {
      const shown = node.op.qualifiedName.replace(/^tensorflow\./, "tf.");
      const error = layout.errors.get(node.id);
      if (error) return { ok: false, message: `${shown}: ${error.message}`, code: error.code, report: true };
      try {
        const outputLayouts = node.outputs.map((t) => layout.tensors.get(t)!);
        return { ok: true, value: lowerOpNode(program, node as OpNode, inputExprs, layout.nodeInputs.get(node.id)!, outputLayouts) };
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return { ok: false, message: `${shown}: ${error.message}`, code: error.code, report: true };
      }
    }
    default:
      throw new Error(`lowerOperationNode on a ${node.op.kind} node`);
  }
}

/** Replace `{k: "input"}` and `{k: "module"}` placeholders in a rule's forward expression. */
export function substitute(expr: PyExpr, inputs: PyExpr[], module: PyExpr | null): PyExpr {
  return mapExpr(expr, (e) => {
    if (e.k === "input") return inputs[e.index]!;
    if (e.k === "module") return module!;
    return undefined;
  });
}

/** The expression that converts a tensor from one layout to another. */
export function convert(x: PyExpr, from: Layout, to: Layout | null): PyExpr {
  if (!to) return x;
  const method = (obj: PyExpr, name: string, args: PyExpr[]): PyExpr => ({ k: "call", fn: { k: "attr", obj, name }, args });
  if (from.kind === "perm" && to.kind === "perm") {
    const dims = permuteBetween(from.perm, to.perm);
    return isIdentity({ kind: "perm", perm: dims }) ? x : method(x, "permute", dims.map((d) => lit(d)));
  }
  if (from.kind === "flat" && to.kind === "perm") {
    // Undo the flatten, put the block back in Keras order, flatten again.
    const torchInner = torchShape(from.inner, { kind: "perm", perm: from.innerPerm });
    const back = inversePerm(from.innerPerm).map((p) => p + 1);
    const unflat = method(x, "unflatten", [lit(1), { k: "tuple", items: torchInner.map((d) => lit(d)) }]);
    return method(method(unflat, "permute", [lit(0), ...back.map((d) => lit(d))]), "flatten", [lit(1)]);
  }
  throw new Error(`no conversion from ${JSON.stringify(from)} to ${JSON.stringify(to)}`);
}

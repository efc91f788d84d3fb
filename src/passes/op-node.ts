// Registry ops in the passes: the rule's view of an `op` node (arguments by parameter name), its layout
// plan mapped back onto the node's inputs, and its lowering with the argument placeholders filled in.
import { identity } from "../ir/layout.js";
import { mapExpr } from "../ir/expr.js";
import type { GraphNode, Layout, Program, PyExpr } from "../ir/types.js";
import { opRuleFor } from "../ops/registry.js";
import type { OpArgValue, OpRule } from "../ops/types.js";
import type { LayoutPlan } from "../rules/types.js";
import { ConfigError } from "../rules/util.js";

type OpNode = GraphNode & { op: Extract<GraphNode["op"], { kind: "op" }> };

function ruleOf(node: OpNode): OpRule {
  const rule = opRuleFor(node.op.qualifiedName);
  if (!rule) throw new Error(`no op rule for ${node.op.qualifiedName}`);
  return rule;
}

/** Arguments as the rule sees them, and the layouts of its tensor arguments by parameter name. */
function view(program: Program, node: OpNode, inputLayouts: Layout[]) {
  const args: Record<string, OpArgValue> = {};
  const layouts: Record<string, Layout | Layout[]> = {};
  const tensor = (i: number) => program.tensors.get(node.inputs[i]!)!;
  for (const [name, arg] of Object.entries(node.op.args)) {
    if (arg.kind === "tensor") {
      args[name] = { kind: "tensor", shape: tensor(arg.input).shape, dtype: tensor(arg.input).dtype };
      layouts[name] = inputLayouts[arg.input]!;
    } else if (arg.kind === "tensors") {
      args[name] = { kind: "tensors", shapes: arg.inputs.map((i) => tensor(i).shape), dtypes: arg.inputs.map((i) => tensor(i).dtype) };
      layouts[name] = arg.inputs.map((i) => inputLayouts[i]!);
    } else {
      args[name] = { kind: "value", value: arg.value, ...(arg.float ? { float: true } : {}), ...(arg.expr ? { expr: arg.expr } : {}) };
    }
  }
  return { args, layouts, outputShapes: node.outputs.map((t) => program.tensors.get(t)!.shape) };
}

export function planOpNode(program: Program, node: OpNode, inputLayouts: Layout[]): LayoutPlan {
  const rule = ruleOf(node);
  const { args, layouts, outputShapes } = view(program, node, inputLayouts);
  const plan = rule.layout({ qualifiedName: node.op.qualifiedName, args, layouts, outputShapes });
  const inputs: (Layout | null)[] = node.inputs.map(() => null);
  for (const [name, arg] of Object.entries(node.op.args)) {
    const want = plan.inputs[name];
    if (!want) continue;
    if (arg.kind === "tensor") inputs[arg.input] = Array.isArray(want) ? (want[0] ?? null) : want;
    else if (arg.kind === "tensors") arg.inputs.forEach((input, i) => (inputs[input] = Array.isArray(want) ? (want[i] ?? null) : want));
  }
  const outputs = node.outputs.map((t, i) => plan.outputs[i] ?? identity(program.tensors.get(t)!.shape.length));
  return { inputs, outputs };
}

/** The op's PyTorch expression over the (converted) input expressions; throws ConfigError when the rule refuses. */
export function lowerOpNode(program: Program, node: OpNode, inputExprs: PyExpr[], inputLayouts: Layout[], outputLayouts: Layout[]): PyExpr {
  const rule = ruleOf(node);
  const { args, layouts, outputShapes } = view(program, node, inputLayouts);
  const result = rule.lower({ qualifiedName: node.op.qualifiedName, args, layouts, outputShapes, outputLayouts });
  if (!result.ok) throw new ConfigError(result.message);
  return mapExpr(result.expr, (e) => {
    if (e.k !== "arg") return undefined;
    const arg = node.op.args[e.name];
    if (arg?.kind === "tensor") return inputExprs[arg.input]!;
    if (arg?.kind === "tensors" && e.index !== undefined) return inputExprs[arg.inputs[e.index]!]!;
    throw new Error(`op ${rule.name}: placeholder for \`${e.name}\` has no tensor argument`);
  });
}

export type { OpNode };

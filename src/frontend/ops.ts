// Calls of registry operations on tensors (`keras.ops.mean(x, axis=1)`, `tf.reduce_max(x)`, `x + 1`,
// `x[:, 0]`): the arguments are bound to the rule's signature, shapes inferred by the rule, and the call
// becomes an `op` node of the graph. One path for Functional code, Lambda bodies and `call` bodies.
import type { ConfigValue, DType, OpArg, PyExpr, PyLiteral, SourceRange } from "../ir/types.js";
import { opRuleFor } from "../ops/registry.js";
import type { OpArgValue, OpRule } from "../ops/types.js";
import type { GraphBuilder } from "./graph.js";
import { isKerasPath, kerasRelative } from "./names.js";
import { typeName, type CallArgs, type PyValue } from "./values.js";

const DTYPES: DType[] = ["float32", "float64", "float16", "int32", "int64", "bool"];

/** The registry's spelling of a qualified name: `keras.<relative>` for any Keras root, `tensorflow.*` as is. */
export function canonicalOpName(path: string): string {
  const rel = kerasRelative(path);
  return rel === null ? path : `keras.${rel}`;
}

/** The rule for a qualified name, if the registry has one. */
export function opFor(path: string): { rule: OpRule; qualifiedName: string } | null {
  const qualifiedName = canonicalOpName(path);
  const rule = opRuleFor(qualifiedName);
  return rule ? { rule, qualifiedName } : null;
}

export type OpOutcome = { ok: true; value: PyValue } | { ok: false; message: string; range: SourceRange };

/** Bind, infer and add the node. Returns the output tensor (a tuple of them for several outputs). */
export function applyOp(graph: GraphBuilder, rule: OpRule, qualifiedName: string, call: CallArgs): OpOutcome {
  const params = rule.signature(qualifiedName).params;
  if (qualifiedName.startsWith("keras.backend.")) graph.program.keras2Spellings.push({ spelling: qualifiedName, range: call.range });
  const shown = qualifiedName.replace(/^tensorflow\./, "tf.");
  const inputs: number[] = [];
  const args: Record<string, OpArgValue> = {};
  const bound: Record<string, OpArg> = {};
  const positional = [...call.args];
  const positionalRanges = [...call.argRanges];
  const kwargs = new Map(call.kwargs);
  for (const param of params) {
    let value: PyValue | undefined;
    let range = call.range;
    if (param.variadic) {
      value = { t: "list", items: positional.splice(0) };
      positionalRanges.splice(0);
    } else if (positional.length) {
      value = positional.shift();
      range = positionalRanges.shift() ?? call.range;
    } else {
      for (const key of [param.name, ...(param.aliases ?? [])]) {
        if (kwargs.has(key)) {
          value = kwargs.get(key);
          range = call.kwargRanges.get(key) ?? call.range;
          kwargs.delete(key);
          break;
        }
      }
    }
    if (value === undefined) {
      if (param.required) return { ok: false, message: `${shown}() needs \`${param.name}\``, range: call.range };
      // Defaults are bound too: lowering reads the node's arguments, not the signature.
      if (param.accepts === "value") {
        args[param.name] = { kind: "value", value: param.default };
        bound[param.name] = { kind: "value", value: param.default };
      }
      continue;
    }
    const problem = bindArg(graph, param.name, param.accepts, value, inputs, args, bound);
    if (problem) return { ok: false, message: `${shown}(): ${problem}`, range };
  }
  if (positional.length) return { ok: false, message: `${shown}() takes at most ${params.length} positional arguments`, range: positionalRanges[0] ?? call.range };
  if (kwargs.size) return { ok: false, message: `${shown}() has no argument \`${[...kwargs.keys()][0]}\``, range: call.kwargRanges.get([...kwargs.keys()][0]!) ?? call.range };
  const result = rule.inferShape({ qualifiedName, args });
  // Most rules name the operation themselves (`keras.random.normal: the shape must be static`).
  if (!result.ok) return { ok: false, message: result.message.startsWith(`${qualifiedName}:`) ? `${shown}${result.message.slice(qualifiedName.length)}` : `${shown}: ${result.message}`, range: call.range };
  const dtypes = result.dtypes.map((d) => (DTYPES.includes(d as DType) ? (d as DType) : "float32"));
  const outputs = graph.applyOp(rule.name, qualifiedName, bound, inputs, result.shapes, dtypes, call.range);
  const tensors: PyValue[] = outputs.map((id) => ({ t: "tensor", id }));
  return { ok: true, value: tensors.length === 1 ? tensors[0]! : { t: "tuple", items: tensors } };
}

function bindArg(
  graph: GraphBuilder,
  name: string,
  accepts: "tensor" | "tensors" | "value",
  value: PyValue,
  inputs: number[],
  args: Record<string, OpArgValue>,
  bound: Record<string, OpArg>,
): string | null {
  const tensorOf = (v: PyValue): number | null => (v.t === "tensor" ? v.id : null);
  if (accepts === "tensor" && value.t === "tensor") {
    const t = graph.tensor(value.id);
    bound[name] = { kind: "tensor", input: inputs.length };
    inputs.push(value.id);
    args[name] = { kind: "tensor", shape: t.shape, dtype: t.dtype };
    return null;
  }
  if (accepts === "tensors") {
    const items = value.t === "list" || value.t === "tuple" ? value.items : null;
    const ids = items?.map(tensorOf);
    if (!items || !ids || ids.some((id) => id === null)) return `\`${name}\` must be a list of tensors, got ${typeName(value)}`;
    bound[name] = { kind: "tensors", inputs: ids.map((_, i) => inputs.length + i) };
    inputs.push(...(ids as number[]));
    args[name] = { kind: "tensors", shapes: ids.map((id) => graph.tensor(id!).shape), dtypes: ids.map((id) => graph.tensor(id!).dtype) };
    return null;
  }
  const config = toConfig(value);
  if (config === undefined) return `\`${name}\` must be ${accepts === "tensor" ? "a tensor or a number" : "a static value"}, got ${value.t === "unknown" ? `an unknown value (${value.reason})` : typeName(value)}`;
  const expr = hasRuntime(value) ? valueExpr(value) : undefined;
  bound[name] = { kind: "value", value: config, ...(value.t === "float" ? { float: true } : {}), ...(expr ? { expr } : {}) };
  args[name] = { kind: "value", value: config, float: value.t === "float", ...(expr ? { expr } : {}) };
  return null;
}

function hasRuntime(value: PyValue): boolean {
  if (value.t === "runtime") return true;
  return (value.t === "tuple" || value.t === "list") && value.items.some(hasRuntime);
}

/** The expression of a value with run-time parts; its static parts are literals. */
function valueExpr(value: PyValue): PyExpr {
  if (value.t === "runtime") return value.expr;
  if (value.t === "tuple" || value.t === "list") return { k: value.t, items: value.items.map(valueExpr) };
  if (value.t === "float") return { k: "float", value: value.v };
  const config = toConfig(value);
  return { k: "lit", value: config === undefined || (typeof config === "object" && config !== null && !Array.isArray(config)) ? null : (config as PyLiteral) };
}

/**
 * A static argument as data. A run-time size (`tf.shape(x)[0]`) becomes `null`, which shape-taking
 * rules read as "known only at run time".
 */
function toConfig(value: PyValue): ConfigValue | undefined {
  switch (value.t) {
    case "none":
      return null;
    case "bool":
    case "int":
    case "float":
    case "str":
      return value.v;
    case "runtime":
      return value.kind === "int" ? null : undefined;
    case "tuple":
    case "list": {
      const items = value.items.map(toConfig);
      return items.some((i) => i === undefined) ? undefined : (items as ConfigValue[]);
    }
    case "dict": {
      const out: Record<string, ConfigValue> = {};
      for (const [k, v] of value.entries.values()) {
        const item = toConfig(v);
        if (k.t !== "str" || item === undefined) return undefined;
        out[k.v] = item;
      }
      return out;
    }
    case "qname": {
      // dtypes spelled as symbols: `tf.float32`, `keras.ops.int32`, `"float32"`.
      const last = value.path.split(".").pop()!;
      return isKerasPath(value.path) || value.path.startsWith("numpy") ? last : undefined;
    }
    default:
      return undefined;
  }
}

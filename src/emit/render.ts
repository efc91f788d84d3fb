// Renders rule-built Python expressions to source text. Formatting details are left to ruff.
import type { PyExpr, PyLiteral } from "../ir/types.js";

export function pyLiteral(value: PyLiteral): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyNumber(value);
  if (typeof value === "string") return JSON.stringify(value);
  const items = value.map(pyLiteral);
  return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
}

/** Python spelling of a number: integers stay integers, floats keep a decimal point. */
export function pyNumber(value: number): string {
  if (Number.isNaN(value)) return 'float("nan")';
  if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : 'float("-inf")';
  // Python's repr: exponent form below 1e-4, with at least two exponent digits (1e-05).
  if (!Number.isInteger(value) && Math.abs(value) < 1e-4) return value.toExponential().replace(/e-(\d)$/, "e-0$1");
  return String(value);
}

/** A Python float literal: `4.0`, not `4`. */
export function pyFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : pyNumber(value);
}

/** Python's binding strength of each operator (higher binds tighter); atoms are 20. */
const BINARY_PRECEDENCE: Record<string, number> = {
  or: 2, and: 3, "|": 6, "^": 7, "&": 8, "<<": 9, ">>": 9, "+": 10, "-": 10, "*": 11, "/": 11, "//": 11, "%": 11, "@": 11, "**": 13,
};
const COMPARE_PRECEDENCE = 5;
const ATOM = 20;

function precedence(expr: PyExpr): number {
  switch (expr.k) {
    case "binop":
      return BINARY_PRECEDENCE[expr.op]!;
    case "compare":
      return COMPARE_PRECEDENCE;
    case "unary":
      return expr.op === "not" ? 4 : 12;
    case "ternary":
      return 1;
    case "lit":
      return typeof expr.value === "number" && expr.value < 0 ? 12 : ATOM;
    case "float":
      return expr.value < 0 ? 12 : ATOM;
    default:
      return ATOM;
  }
}

/** `expr` rendered where an operand of strength `p` is needed; `**` binds right, the others left. */
function operand(expr: PyExpr, p: number, tighter: boolean): string {
  const text = renderExpr(expr);
  const q = precedence(expr);
  return q < p || (tighter && q === p) ? `(${text})` : text;
}

export function renderExpr(expr: PyExpr): string {
  switch (expr.k) {
    case "name":
      return expr.name;
    case "lit":
      return pyLiteral(expr.value);
    case "float":
      return pyFloat(expr.value);
    case "attr":
      return `${renderOperand(expr.obj)}.${expr.name}`;
    case "call": {
      const args = [...expr.args.map(renderExpr), ...(expr.kwargs ?? []).map(([k, v]) => `${k}=${renderExpr(v)}`)];
      return `${renderOperand(expr.fn)}(${args.join(", ")})`;
    }
    case "binop": {
      const p = BINARY_PRECEDENCE[expr.op]!;
      const right = expr.op === "**";
      return `${operand(expr.left, p, right)} ${expr.op} ${operand(expr.right, p, !right)}`;
    }
    case "compare":
      return `${operand(expr.left, COMPARE_PRECEDENCE, false)} ${expr.op} ${operand(expr.right, COMPARE_PRECEDENCE, true)}`;
    case "unary": {
      const p = precedence(expr);
      return expr.op === "not" ? `not ${operand(expr.operand, p, false)}` : `${expr.op}${operand(expr.operand, p, false)}`;
    }
    case "ternary":
      return `${operand(expr.then, 2, false)} if ${operand(expr.condition, 2, false)} else ${operand(expr.otherwise, 1, false)}`;
    case "subscript": {
      const index = expr.index.k === "tuple" && expr.index.items.length > 1 ? expr.index.items.map(renderExpr).join(", ") : renderExpr(expr.index);
      return `${renderOperand(expr.obj)}[${index}]`;
    }
    case "slice": {
      const part = (e: PyExpr | null) => (e ? renderExpr(e) : "");
      return expr.step ? `${part(expr.start)}:${part(expr.stop)}:${part(expr.step)}` : `${part(expr.start)}:${part(expr.stop)}`;
    }
    case "ellipsis":
      return "...";
    case "list":
      return `[${expr.items.map(renderExpr).join(", ")}]`;
    case "tuple":
      return `(${expr.items.map(renderExpr).join(", ")}${expr.items.length === 1 ? "," : ""})`;
    case "dict":
      return `{${expr.entries.map(([k, v]) => `${JSON.stringify(k)}: ${renderExpr(v)}`).join(", ")}}`;
    case "input":
    case "module":
    case "arg":
    case "node":
    case "dim":
    case "loopvar":
      throw new Error("placeholder left in a forward expression");
  }
}

/** Operands of `.attr` and calls need parentheses unless they are atoms. */
function renderOperand(expr: PyExpr): string {
  const text = renderExpr(expr);
  return precedence(expr) < ATOM ? `(${text})` : text;
}

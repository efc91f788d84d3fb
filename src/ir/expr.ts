// Generic walks over Python expressions (PyExpr): one place that knows every kind's children.
import type { PyExpr } from "./types.js";

/** Rebuilds `expr` bottom-up; `leaf` may replace any node (return undefined to keep walking into it). */
export function mapExpr(expr: PyExpr, leaf: (e: PyExpr) => PyExpr | undefined): PyExpr {
  const replaced = leaf(expr);
  if (replaced !== undefined) return replaced;
  const go = (e: PyExpr) => mapExpr(e, leaf);
  const opt = (e: PyExpr | null) => (e ? go(e) : null);
  switch (expr.k) {
    case "attr":
      return { ...expr, obj: go(expr.obj) };
    case "call":
      return { ...expr, fn: go(expr.fn), args: expr.args.map(go), kwargs: expr.kwargs?.map(([k, v]) => [k, go(v)] as [string, PyExpr]) };
    case "binop":
    case "compare":
      return { ...expr, left: go(expr.left), right: go(expr.right) };
    case "unary":
      return { ...expr, operand: go(expr.operand) };
    case "subscript":
      return { ...expr, obj: go(expr.obj), index: go(expr.index) };
    case "slice":
      return { ...expr, start: opt(expr.start), stop: opt(expr.stop), step: opt(expr.step) };
    case "ternary":
      return { ...expr, condition: go(expr.condition), then: go(expr.then), otherwise: go(expr.otherwise) };
    case "list":
    case "tuple":
      return { ...expr, items: expr.items.map(go) };
    case "dict":
      return { ...expr, entries: expr.entries.map(([k, v]) => [k, go(v)] as [string, PyExpr]) };
    default:
      return expr;
  }
}

/** Visits every node of `expr`, parents before children. */
export function visitExpr(expr: PyExpr, visit: (e: PyExpr) => void): void {
  // The order of mapExpr's walk, without rebuilding the expression.
  visit(expr);
  switch (expr.k) {
    case "attr":
      visitExpr(expr.obj, visit);
      return;
    case "call":
      visitExpr(expr.fn, visit);
      for (const a of expr.args) visitExpr(a, visit);
      if (expr.kwargs) for (const [, v] of expr.kwargs) visitExpr(v, visit);
      return;
    case "binop":
    case "compare":
      visitExpr(expr.left, visit);
      visitExpr(expr.right, visit);
      return;
    case "unary":
      visitExpr(expr.operand, visit);
      return;
    case "subscript":
      visitExpr(expr.obj, visit);
      visitExpr(expr.index, visit);
      return;
    case "slice":
      if (expr.start) visitExpr(expr.start, visit);
      if (expr.stop) visitExpr(expr.stop, visit);
      if (expr.step) visitExpr(expr.step, visit);
      return;
    case "ternary":
      visitExpr(expr.condition, visit);
      visitExpr(expr.then, visit);
      visitExpr(expr.otherwise, visit);
      return;
    case "list":
    case "tuple":
      for (const item of expr.items) visitExpr(item, visit);
      return;
    case "dict":
      for (const [, v] of expr.entries) visitExpr(v, visit);
      return;
    default:
      return;
  }
}

/** Module-level functions an expression calls (`F.relu`, `torch.cat`, `pad_same`); not `self.*` or methods. */
export function calledNames(expr: PyExpr, into: Set<string>): void {
  visitExpr(expr, (e) => {
    if (e.k === "call" && e.fn.k === "name") into.add(e.fn.name);
  });
}

/**
 * Module-level names an expression uses: the functions it calls and names passed as values
 * (`activation=F.relu`, `recurrent_activation=keras2_hard_sigmoid`), which need the same imports or helpers.
 */
export function referencedNames(expr: PyExpr, into: Set<string>): void {
  visitExpr(expr, (e) => {
    if (e.k === "call" && e.fn.k === "name") into.add(e.fn.name);
    else if (e.k === "name") into.add(e.name);
  });
}

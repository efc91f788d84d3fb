// Prints module IR as Python source. Layout details (line breaks, quotes) are left to ruff; this
// printer only decides structure: indentation, statement forms and `# file.py:LINE` comments.
import type { ClassIR, MethodIR, PyExpr, SourceLoc, Stmt } from "../ir/types.js";
import { renderExpr } from "./render.js";

const INDENT = "    ";

export function printClass(cls: ClassIR): string {
  const lines = [`class ${cls.name}(${cls.bases.join(", ")}):`, `${INDENT}"""${cls.docstring}"""`];
  for (const method of cls.methods) lines.push("", ...printMethod(method, INDENT));
  return lines.join("\n");
}

export function printMethod(method: MethodIR, indent: string): string[] {
  const params = ["self", ...method.params.map((p) => (p.default ? `${p.name}=${renderExpr(p.default)}` : p.name))];
  const lines = method.decorators.map((d) => `${indent}@${d}`);
  lines.push(`${indent}def ${method.name}(${params.join(", ")}):`);
  lines.push(...printBlock(method.body, indent + INDENT));
  return lines;
}

function printBlock(body: Stmt[], indent: string): string[] {
  if (!body.length) return [`${indent}pass`];
  return body.flatMap((stmt) => printStmt(stmt, indent));
}

/** A loop's target as ruff writes it: a tuple of several names without its parentheses. */
const loopTarget = (target: PyExpr) => (target.k === "tuple" && target.items.length > 1 ? target.items.map(renderExpr).join(", ") : renderExpr(target));

const located = (code: string, loc: SourceLoc | undefined) => (loc ? `${code}  # ${loc.file}:${loc.line}` : code);

function printStmt(stmt: Stmt, indent: string): string[] {
  switch (stmt.s) {
    case "assign":
      return [indent + located(`${stmt.targets.map(renderExpr).join(", ")} = ${renderExpr(stmt.value)}`, stmt.loc)];
    case "augassign":
      return [indent + located(`${renderExpr(stmt.target)} ${stmt.op}= ${renderExpr(stmt.value)}`, stmt.loc)];
    case "expr": {
      const code = located(renderExpr(stmt.value), stmt.loc);
      return [indent + (stmt.note ? `${code}  # ${stmt.note}` : code)];
    }
    case "return":
      return [indent + located(stmt.value ? `return ${renderExpr(stmt.value)}` : "return", stmt.loc)];
    case "raise":
      return [indent + located(`raise NotImplementedError(${JSON.stringify(stmt.message)})`, stmt.loc)];
    case "if": {
      const lines = [indent + located(`if ${renderExpr(stmt.condition)}:`, stmt.loc), ...printBlock(stmt.then, indent + INDENT)];
      let otherwise = stmt.otherwise;
      // `else: if ...` reads as `elif ...`.
      while (otherwise.length === 1 && otherwise[0]!.s === "if") {
        const inner = otherwise[0] as Extract<Stmt, { s: "if" }>;
        lines.push(indent + located(`elif ${renderExpr(inner.condition)}:`, inner.loc), ...printBlock(inner.then, indent + INDENT));
        otherwise = inner.otherwise;
      }
      if (otherwise.length) lines.push(`${indent}else:`, ...printBlock(otherwise, indent + INDENT));
      return lines;
    }
    case "for":
      return [indent + located(`for ${loopTarget(stmt.target)} in ${renderExpr(stmt.iter)}:`, stmt.loc), ...printBlock(stmt.body, indent + INDENT)];
    case "while":
      return [indent + located(`while ${renderExpr(stmt.condition)}:`, stmt.loc), ...printBlock(stmt.body, indent + INDENT)];
    case "break":
    case "continue":
    case "pass":
      return [indent + stmt.s];
    case "comment":
      return [`${indent}# ${stmt.text}`];
    case "loop":
      throw new Error("a translated loop reached the printer before lowering");
  }
}

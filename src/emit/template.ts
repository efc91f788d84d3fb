// The templates' subset of Handlebars, rendered without Handlebars (whose import and per-call runtime cost
// every worker process and file): `{{name}}` and `{{{name}}}` (the same here: nothing is escaped),
// `{{#each list}}` with `{{this}}` or the item's fields, `{{#if path}}` and `{{#unless path}}` (a dotted
// path; `list.length`), each with an optional `{{else}}`.
// As in Handlebars, a block tag alone on its line removes the whole line; a missing field throws (as
// Handlebars' strict mode does). test/template.test.ts renders every view through both and compares.

type Part =
  | { k: "text"; text: string }
  | { k: "value"; path: string[] }
  | { k: "each"; path: string[]; body: Part[] }
  | { k: "if" | "unless"; path: string[]; body: Part[]; otherwise: Part[] };

export type Template = (context: object) => string;

type Block = "each" | "if" | "unless";

const TAG = /\{\{\{\s*([^}]+?)\s*\}\}\}|\{\{\s*([^}]+?)\s*\}\}/g;
const BLOCK_LINE =
  /^[ \t]*\{\{\s*([#/])\s*(each|if|unless)\b\s*([^}]*?)\s*\}\}[ \t]*$/;
const ELSE_LINE = /^[ \t]*\{\{\s*else\s*\}\}[ \t]*$/;

export function compileTemplate(source: string): Template {
  const root: Part[] = [];
  const stack: { parts: Part[]; block: Block | null; otherwise?: Part[] }[] = [
    { parts: root, block: null },
  ];
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const last = i === lines.length - 1;
    const block = BLOCK_LINE.exec(line);
    const top = stack[stack.length - 1]!;
    if (ELSE_LINE.test(line) && !last) {
      if (!top.otherwise || top.parts === top.otherwise)
        throw new Error("template: {{else}} outside an if or unless block");
      top.parts = top.otherwise;
      continue;
    }
    if (block && !last) {
      const [, sigil, kind, arg] = block;
      if (sigil === "#") {
        const body: Part[] = [];
        const path = arg!.split(".");
        if (kind === "each") {
          top.parts.push({ k: "each", path, body });
          stack.push({ parts: body, block: "each" });
        } else {
          const otherwise: Part[] = [];
          top.parts.push({ k: kind as "if" | "unless", path, body, otherwise });
          stack.push({ parts: body, block: kind as Block, otherwise });
        }
      } else {
        if (top.block !== kind)
          throw new Error(
            `template: {{/${kind}}} closes ${top.block ?? "nothing"}`,
          );
        stack.pop();
      }
      continue;
    }
    const text = last ? line : line + "\n";
    let at = 0;
    for (const m of text.matchAll(TAG)) {
      if (m.index! > at)
        top.parts.push({ k: "text", text: text.slice(at, m.index) });
      const expr = (m[1] ?? m[2])!;
      if (/^[#/]|^else\b/.test(expr))
        throw new Error(
          `template: block tag {{${expr}}} must stand alone on its line`,
        );
      top.parts.push({
        k: "value",
        path: expr === "this" ? [] : expr.split("."),
      });
      at = m.index! + m[0].length;
    }
    if (at < text.length) top.parts.push({ k: "text", text: text.slice(at) });
  }
  if (stack.length !== 1) throw new Error("template: an unclosed block");
  return (context) => {
    const out: string[] = [];
    render(root, context, out);
    return out.join("");
  };
}

function lookup(context: unknown, path: string[]): unknown {
  let value = context;
  for (const name of path) {
    if (value === null || value === undefined || !(name in Object(value)))
      throw new Error(
        `template: "${name}" not defined in ${JSON.stringify(context)?.slice(0, 80)}`,
      );
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

function render(parts: Part[], context: unknown, out: string[]): void {
  for (const part of parts) {
    switch (part.k) {
      case "text":
        out.push(part.text);
        break;
      case "value": {
        const value = lookup(context, part.path);
        out.push(value === null || value === undefined ? "" : String(value));
        break;
      }
      case "each": {
        const items = lookup(context, part.path);
        if (!Array.isArray(items))
          throw new Error(
            `template: {{#each ${part.path.join(".")}}} needs a list`,
          );
        for (const item of items) render(part.body, item, out);
        break;
      }
      case "if":
      case "unless": {
        const value = lookup(context, part.path);
        // Handlebars: false, null, undefined, "", 0 and [] are false.
        const truthy =
          Boolean(value) && !(Array.isArray(value) && value.length === 0);
        render(
          truthy === (part.k === "if") ? part.body : part.otherwise,
          context,
          out,
        );
        break;
      }
    }
  }
}

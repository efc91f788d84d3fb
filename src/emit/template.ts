// The templates' subset of Handlebars, rendered without Handlebars (whose import and per-call runtime cost
// every worker process and file): `{{name}}` and `{{{name}}}` (the same here: nothing is escaped),
// `{{#each list}}` with `{{this}}` or the item's fields, and `{{#if path}}` (a dotted path; `list.length`).
// As in Handlebars, a block tag alone on its line removes the whole line; a missing field throws (as
// Handlebars' strict mode does). test/template.test.ts renders every view through both and compares.

type Part =
  | { k: "text"; text: string }
  | { k: "value"; path: string[] }
  | { k: "each"; path: string[]; body: Part[] }
  | { k: "if"; path: string[]; body: Part[] };

export type Template = (context: object) => string;

const TAG = /\{\{\{\s*([^}]+?)\s*\}\}\}|\{\{\s*([^}]+?)\s*\}\}/g;
const BLOCK_LINE = /^[ \t]*\{\{\s*([#/])\s*(each|if)\b\s*([^}]*?)\s*\}\}[ \t]*$/;

export function compileTemplate(source: string): Template {
  const root: Part[] = [];
  const stack: { parts: Part[]; block: "each" | "if" | null }[] = [{ parts: root, block: null }];
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const last = i === lines.length - 1;
    const block = BLOCK_LINE.exec(line);
    const top = stack[stack.length - 1]!;
    if (block && !last) {
      const [, sigil, kind, arg] = block;
      if (sigil === "#") {
        const body: Part[] = [];
        top.parts.push({ k: kind as "each" | "if", path: arg!.split("."), body });
        stack.push({ parts: body, block: kind as "each" | "if" });
      } else {
        if (top.block !== kind) throw new Error(`template: {{/${kind}}} closes ${top.block ?? "nothing"}`);
        stack.pop();
      }
      continue;
    }
    const text = last ? line : line + "\n";
    let at = 0;
    for (const m of text.matchAll(TAG)) {
      if (m.index! > at) top.parts.push({ k: "text", text: text.slice(at, m.index) });
      const expr = (m[1] ?? m[2])!;
      if (/^[#/]|^else\b/.test(expr)) throw new Error(`template: block tag {{${expr}}} must stand alone on its line`);
      top.parts.push({ k: "value", path: expr === "this" ? [] : expr.split(".") });
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
    if (value === null || value === undefined || !(name in Object(value))) throw new Error(`template: "${name}" not defined in ${JSON.stringify(context)?.slice(0, 80)}`);
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
        if (!Array.isArray(items)) throw new Error(`template: {{#each ${part.path.join(".")}}} needs a list`);
        for (const item of items) render(part.body, item, out);
        break;
      }
      case "if": {
        const value = lookup(context, part.path);
        // Handlebars: false, null, undefined, "", 0 and [] are false.
        if (value && !(Array.isArray(value) && value.length === 0)) render(part.body, context, out);
        break;
      }
    }
  }
}

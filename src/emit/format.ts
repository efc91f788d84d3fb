// Formatting of what we write: ruff's formatter (black style) for Python; JSON in format-json.ts.
// Lines are 120 wide: every generated statement carries a `# file.py:LINE` comment.
import { createRequire } from "node:module";

type Ruff = typeof import("@astral-sh/ruff-wasm-nodejs");
let workspace: InstanceType<Ruff["Workspace"]> | null = null;

export function formatPython(source: string): string {
  if (!workspace) {
    // Loaded on first use: compiling ruff's 10 MB of WASM takes about a quarter of a second, which a
    // process that never formats (`keras2torch weights`) does not pay.
    const ruff = createRequire(import.meta.url)("@astral-sh/ruff-wasm-nodejs") as Ruff;
    workspace = new ruff.Workspace({ "line-length": 120 }, ruff.PositionEncoding.Utf16);
  }
  return workspace.format(source);
}

/** ruff's line length for generated Python (above). */
const LINE_LENGTH = 120;
/** A slice bound ruff writes without spaces around the colon: a name or a number, maybe negated. */
const SIMPLE_SLICE_BOUND = /^[-+~]*(?:[A-Za-z_]\w*|\d[\w.]*)?$/;

/**
 * Generated Python as ruff's formatter writes it, asking ruff about as little text as possible: the
 * printer (printer.ts, render.ts, the templates) writes code as ruff would, each statement on one line,
 * and leaves the lines over the line length for ruff to break. Those are formatted one at a time, each
 * alone at its indentation; anything the check of linesToBreak cannot vouch for sends the whole text to
 * ruff. test/format.test.ts compares the result with ruff's over every generated module of the test corpora.
 */
export function formatGenerated(text: string): string {
  const long = linesToBreak(text);
  if (long === null) return formatPython(text);
  if (!long.length) return text;
  const lines = text.split("\n");
  for (const i of long) {
    const broken = formatStatementLine(lines[i]!);
    if (broken === null) return formatPython(text);
    lines[i] = broken;
  }
  return lines.join("\n");
}

/**
 * The lines of `text` that ruff's formatter would break, by a conservative check of what the printer
 * writes: `[]` when ruff would return `text` as it is, and null when the check cannot tell (ask ruff
 * about all of it). The text must be ASCII without tabs, backslashes, trailing spaces, `**`, slices with
 * complex bounds, magic trailing commas, brackets left open at the end of a line, or comments out of
 * ruff's spacing; a line over the line length must be a whole simple statement outside a docstring.
 */
export function linesToBreak(text: string): number[] | null {
  if (!text.endsWith("\n") || text.endsWith("\n\n") || text.includes("\n\n\n\n")) return null;
  if (/[^\n -~]|\\|\*\*| \n/.test(text)) return null;
  const long: number[] = [];
  let inDocstring = false;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // A docstring's lines are text; the template opens and closes them on lines of their own or on one line.
    const quotes = line.includes('"""') ? line.split('"""').length - 1 : 0;
    if (inDocstring || quotes) {
      if (line.length > LINE_LENGTH) return null;
      if (quotes % 2) inDocstring = !inDocstring;
      continue;
    }
    if (!codeLineFormatted(line)) return null;
    if (line.length > LINE_LENGTH) {
      if (!isSimpleStatementLine(line)) return null;
      long.push(i);
    }
  }
  return inDocstring ? null : long;
}

/** Indented by whole levels, not a comment, a decorator, a string or the header of a block (which ends in `:`). */
function isSimpleStatementLine(line: string): boolean {
  const code = line.trimStart();
  const comment = code.indexOf("  # ");
  const statement = comment < 0 ? code : code.slice(0, comment);
  return (line.length - code.length) % 4 === 0 && !/^[#@"]/.test(code) && !statement.trimEnd().endsWith(":");
}

/**
 * One simple statement as ruff breaks it at its indentation: formatted alone inside one `def` per level
 * of indentation (which formats a statement as any block does, and takes `return`), the wrappers then
 * dropped. Null when ruff's answer does not have that shape.
 */
export function formatStatementLine(line: string): string | null {
  const indent = line.length - line.trimStart().length;
  const wrappers: string[] = [];
  for (let level = 0; level < indent / 4; level++) wrappers.push(`${" ".repeat(level * 4)}def _():`);
  let formatted: string[];
  try {
    formatted = formatPython(`${[...wrappers, line].join("\n")}\n`).split("\n");
  } catch {
    // Not a statement ruff can format alone: ruff formats the whole text instead.
    return null;
  }
  const body = formatted.slice(wrappers.length, -1);
  const margin = " ".repeat(indent);
  if (formatted.at(-1) !== "" || wrappers.some((w, i) => formatted[i] !== w) || !body.length || body.some((l) => !l.startsWith(margin))) return null;
  return body.join("\n");
}

/** One line of code (no docstring): strings are double-quoted and hold no backslash (checked above). */
function codeLineFormatted(line: string): boolean {
  // Per open bracket: its character, whether it is a call's or a subscript's, its top-level commas, and
  // for a subscript, whether a colon at its top level was seen (a slice) and the text of its current bound
  // (only subscripts keep one: a slice bound is all that is read of it).
  const open: { char: string; call: boolean; commas: number; bound: string; slice: boolean }[] = [];
  let last = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    const top = open.length ? open[open.length - 1]! : undefined;
    if (c === " ") {
      if (top?.char === "[") top.bound += c;
      continue;
    }
    if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) return false;
      if (top?.char === "[") top.bound += line.slice(i, end + 1);
      i = end;
      last = '"';
      continue;
    }
    if (c === "#") {
      // A comment: alone on its line after the indentation, or two spaces after code; then one space.
      const before = line.slice(0, i);
      if (top || !(before.trim() === "" || (before.endsWith("  ") && !before.endsWith("   ")))) return false;
      return line[i + 1] === " " && line[i + 2] !== " ";
    }
    if (c === "(" || c === "[" || c === "{") {
      if (top?.char === "[") top.bound += c;
      open.push({ char: c, call: isCallee(last), commas: 0, bound: "", slice: false });
    } else if (c === ")" || c === "]" || c === "}") {
      const closed = open.pop();
      if (!closed) return false;
      // A comma before the closing bracket makes ruff split the brackets, except in a one-element tuple.
      if (last === "," && !(closed.char === "(" && !closed.call && closed.commas === 1)) return false;
      if (closed.char === "[" && !sliceFormatted(closed)) return false;
      const outer = open[open.length - 1];
      if (outer?.char === "[") outer.bound += c;
    } else if (top) {
      if (top.char === "[") {
        if (c === ",") {
          if (!sliceFormatted(top)) return false;
          top.bound = "";
          top.slice = false;
        } else if (c === ":") {
          if (!SIMPLE_SLICE_BOUND.test(top.bound.trim())) return false;
          top.bound = "";
          top.slice = true;
        } else top.bound += c;
      }
      if (c === ",") top.commas++;
    }
    last = c;
  }
  return open.length === 0;
}

/** Whether a bracket after this character is a call's or a subscript's: after a name, a bracket or a string. */
function isCallee(last: string): boolean {
  return last === ")" || last === "]" || last === '"' || (last !== "" && /\w/.test(last));
}

/** The last bound of a subscript's element, when the element is a slice. */
function sliceFormatted(bracket: { bound: string; slice: boolean }): boolean {
  return !bracket.slice || SIMPLE_SLICE_BOUND.test(bracket.bound.trim());
}

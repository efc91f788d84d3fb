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
 * Whether ruff's formatter would return `text` as it is, by a conservative check of the code the
 * printer writes (printer.ts, render.ts, the templates): only long lines, which the printer leaves to
 * ruff to break, differ in practice. `false` means "ask ruff"; `true` holds only when every line fits,
 * and the text is ASCII without tabs, backslashes, trailing spaces, `**`, slices with complex bounds,
 * magic trailing commas, brackets left open at the end of a line, or comments out of ruff's spacing.
 * test/format.test.ts checks it against ruff over every generated module of the test corpora.
 */
export function alreadyFormatted(text: string): boolean {
  if (!text.endsWith("\n") || text.endsWith("\n\n") || text.includes("\n\n\n\n")) return false;
  if (/[^\n -~]|\\|\*\*| \n/.test(text)) return false;
  let inDocstring = false;
  for (const line of text.split("\n")) {
    if (line.length > LINE_LENGTH) return false;
    // A docstring's lines are text; the template opens and closes them on lines of their own or on one line.
    const quotes = line.split('"""').length - 1;
    if (inDocstring || quotes) {
      if (quotes % 2) inDocstring = !inDocstring;
      continue;
    }
    if (!codeLineFormatted(line)) return false;
  }
  return !inDocstring;
}

/** One line of code (no docstring): strings are double-quoted and hold no backslash (checked above). */
function codeLineFormatted(line: string): boolean {
  // Per open bracket: its character, whether it is a call's or a subscript's, its top-level commas, and
  // whether a colon at its top level was seen (a slice) with its bounds' text.
  const open: { char: string; call: boolean; commas: number; bound: string; slice: boolean }[] = [];
  let last = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end < 0) return false;
      if (open.length) open[open.length - 1]!.bound += line.slice(i, end + 1);
      i = end;
      last = '"';
      continue;
    }
    if (c === "#") {
      // A comment: alone on its line after the indentation, or two spaces after code; then one space.
      const before = line.slice(0, i);
      if (open.length || !(before.trim() === "" || (before.endsWith("  ") && !before.endsWith("   ")))) return false;
      return line[i + 1] === " " && line[i + 2] !== " ";
    }
    const top = open[open.length - 1];
    if (c === "(" || c === "[" || c === "{") {
      if (top) top.bound += c;
      open.push({ char: c, call: /[\w)\]"]/.test(last), commas: 0, bound: "", slice: false });
    } else if (c === ")" || c === "]" || c === "}") {
      const closed = open.pop();
      if (!closed) return false;
      // A comma before the closing bracket makes ruff split the brackets, except in a one-element tuple.
      if (last === "," && !(closed.char === "(" && !closed.call && closed.commas === 1)) return false;
      if (closed.char === "[" && !sliceFormatted(closed)) return false;
      if (open.length) open[open.length - 1]!.bound += c;
    } else if (top) {
      if (c === "," && top.char === "[") {
        if (!sliceFormatted(top)) return false;
        top.bound = "";
        top.slice = false;
      } else if (c === ":" && top.char === "[") {
        if (!SIMPLE_SLICE_BOUND.test(top.bound.trim())) return false;
        top.bound = "";
        top.slice = true;
      } else top.bound += c;
      if (c === ",") top.commas++;
    }
    if (c !== " ") last = c;
  }
  return open.length === 0;
}

/** The last bound of a subscript's element, when the element is a slice. */
function sliceFormatted(bracket: { bound: string; slice: boolean }): boolean {
  return !bracket.slice || SIMPLE_SLICE_BOUND.test(bracket.bound.trim());
}

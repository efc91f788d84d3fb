// Parsing with the pinned tree-sitter Python grammar, and source ranges in code points.
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import type { Diagnostic, SourceRange } from "../ir/types.js";
import { parseFlat } from "./flat-tree.js";
import { SyntaxForest, type SyntaxNode } from "./syntax.js";
import { MAX_BRACKET_DEPTH, MAX_INDENT_DEPTH, MAX_SOURCE_LENGTH, MAX_SYNTAX_DEPTH } from "./values.js";

let parser: Parser | null = null;

function getParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Python as unknown as Parser.Language);
  }
  return parser;
}

/**
 * tree-sitter spends time quadratic in the length of a run of comment-only lines after code (each comment
 * is a trailing "extra" that every later reduction walks again). The comments of a run longer than this
 * are read as blank lines instead (offsets unchanged); they are the only comments not copied into
 * translated `call` bodies.
 */
const COMMENT_RUN = 64;

/** A parsed file with what diagnostics need: positions in 1-based lines and code-point columns. */
export class SourceFile {
  /** The syntax tree, mirrored in plain objects (see syntax.ts). */
  readonly tree: SyntaxForest;
  /** The file's text with `\r\n` and lone `\r` line endings read as `\n` (offsets unchanged). */
  readonly text: string;
  private readonly lineStarts: number[];
  /** Lines holding a surrogate pair, where a column is not just an offset (1 = has one). */
  private readonly astral: Uint8Array;
  /** Set when the file exceeds a limit of the parser: nothing else is read from it. */
  private readonly limit: Diagnostic | null = null;

  constructor(
    readonly path: string,
    text: string,
  ) {
    // Python accepts `\n`, `\r\n` and a lone `\r` as line endings; tree-sitter only the first two.
    this.text = text.includes("\r") ? text.replace(/\r(?!\n)/g, "\n") : text;
    this.lineStarts = [0];
    const astralLines: number[] = [];
    for (let i = 0; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 10) this.lineStarts.push(i + 1);
      else if (c >= 0xd800 && c <= 0xdfff) astralLines.push(this.lineStarts.length - 1);
    }
    this.astral = new Uint8Array(this.lineStarts.length);
    for (const line of astralLines) this.astral[line] = 1;
    const scan = scanSource(this.text);
    if (scan.problem) {
      // Refused before tree-sitter sees it: input this deep can abort the parser (an assertion kills the process).
      this.limit = resourceLimit(this.rangeAt(scan.problem.index), scan.problem.message);
      this.tree = mirror("");
      return;
    }
    let parsedText = scan.blanked.length ? blank(this.text, scan.blanked) : this.text;
    let tree = mirror(parsedText);
    // A blanked "comment" inside a string the scanner misread: parse the text as it is.
    if (scan.blanked.length && scan.blanked.some(([start]) => insideString(tree.descendantForIndex(start)))) {
      parsedText = this.text;
      tree = mirror(parsedText);
    }
    this.tree = tree;
    const deep = this.tree.tooDeep;
    if (deep) this.limit = resourceLimit(this.range(deep), `the syntax is nested more than ${MAX_SYNTAX_DEPTH} levels deep (MAX_SYNTAX_DEPTH)`);
  }

  /** `index` is a UTF-16 offset, as tree-sitter reports for JS strings. */
  position(index: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    const start = this.lineStarts[lo]!;
    const column = (this.astral[lo] ? codePoints(this.text, start, index) : index - start) + 1;
    return { line: lo + 1, column };
  }

  range(node: SyntaxNode): SourceRange {
    const start = this.position(node.startIndex);
    const end = this.position(node.endIndex);
    return { file: this.path, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  }

  private rangeAt(index: number): SourceRange {
    const start = this.position(index);
    const end = this.position(Math.min(index + 1, this.text.length));
    return { file: this.path, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  }

  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const end = this.lineStarts[line] ?? this.text.length + 1;
    return this.text.slice(start, end - 1).replace(/\r$/, "");
  }

  /** tree-sitter `ERROR` and `MISSING` nodes as diagnostics; a file over a parser limit has only that one. */
  syntaxErrors(): Diagnostic[] {
    if (this.limit) return [this.limit];
    const found: Diagnostic[] = [];
    // Iterative: a deep tree must not overflow the stack.
    const stack: SyntaxNode[] = [this.tree.rootNode];
    while (stack.length) {
      const node = stack.pop()!;
      if (node.isMissing) {
        found.push(syntaxError(this.range(node), `missing \`${node.type}\``));
        continue;
      }
      if (node.type === "ERROR") {
        const snippet = node.text.split("\n")[0]!.slice(0, 40);
        found.push(syntaxError(this.range(node), `invalid syntax near \`${snippet}\``));
        continue;
      }
      if (node.hasError) {
        const children = node.children;
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
      }
    }
    return found.length ? found : this.danglingAssignments();
  }

  /**
   * tree-sitter's grammar accepts what Python's tokenizer refuses: a statement indented more or less
   * than the ones before it in its block (or indented at all at module level), and a block with no
   * statement (`def build():` followed by code at its own level). A statement after `;` or on the line
   * of its `if` does not start a line, and comments may sit at any indentation.
   */
  private indentation(body: SyntaxNode, found: Diagnostic[]): void {
    let expected: string | null = body.type === "module" ? "" : null;
    let statements = 0;
    for (const stmt of body.namedChildren) {
      if (stmt.type === "comment" || stmt.type === "line_continuation") continue;
      statements++;
      const lineStart = this.text.lastIndexOf("\n", stmt.startIndex - 1) + 1;
      const indent = this.text.slice(lineStart, stmt.startIndex);
      if (!/^[ \t\f]*$/.test(indent)) continue;
      if (expected === null) expected = indent;
      else if (indent !== expected) {
        const width = (w: string) => `${w.length} ${/\t/.test(w) ? "characters" : "spaces"}`;
        found.push(syntaxError(this.range(stmt), body.type === "module" ? "unexpected indent" : `inconsistent indentation: ${width(indent)} where the statements before it in its block have ${width(expected)}`));
        return;
      }
    }
    if (body.type === "block" && statements === 0) found.push(syntaxError(this.range(body.parent ?? body), "expected an indented block"));
  }

  /**
   * `url =` with its value on the next line: Python refuses it, but tree-sitter's grammar joins the
   * lines and parses an assignment. A statement cannot sit in brackets, so only a backslash joins them.
   */
  private danglingAssignments(): Diagnostic[] {
    const found: Diagnostic[] = [];
    const stack: SyntaxNode[] = [this.tree.rootNode];
    while (stack.length) {
      const node = stack.pop()!;
      if (node.type === "module" || node.type === "block") this.indentation(node, found);
      if (node.type === "assignment" || node.type === "augmented_assignment") {
        const operator = node.childForFieldName("operator") ?? node.children.find((c) => c.type === "=");
        const right = node.childForFieldName("right");
        if (operator && right && this.text.slice(operator.endIndex, right.startIndex).includes("\n")) {
          const between = this.text.slice(operator.endIndex, right.startIndex);
          if (!/\\\r?\n/.test(between)) found.push(syntaxError(this.range(operator), `\`${operator.text}\` has no value on its line`));
        }
      }
      const children = node.namedChildren;
      for (let i = children.length - 1; i >= 0; i--) if (HOLDS_BLOCKS_OR_ASSIGNMENTS.has(children[i]!.type)) stack.push(children[i]!);
    }
    return found;
  }
}

type NodeTypeInfo = { type: string; fields?: Record<string, { types: { type: string }[] }>; children?: { types: { type: string }[] }; subtypes?: { type: string }[] };

/**
 * The node types that can hold a block or an assignment, however deep: statements and their clauses,
 * never an expression. Worked out from the grammar's node types (a supertype holds what its subtypes
 * hold), so that danglingAssignments walks the statements of a file, not its every node.
 */
const HOLDS_BLOCKS_OR_ASSIGNMENTS: ReadonlySet<string> = (() => {
  const types = (Python as unknown as { nodeTypeInfo?: NodeTypeInfo[] }).nodeTypeInfo ?? [];
  const holds = new Set(["module", "block", "assignment", "augmented_assignment"]);
  const parts = (t: NodeTypeInfo) => [...Object.values(t.fields ?? {}).flatMap((f) => f.types), ...(t.children?.types ?? []), ...(t.subtypes ?? [])].map((p) => p.type);
  for (let grown = true; grown; ) {
    grown = false;
    for (const t of types) if (!holds.has(t.type) && parts(t).some((p) => holds.has(p))) (holds.add(t.type), (grown = true));
  }
  return holds;
})();

/** The mirrored syntax tree of `text`, from the native flat tree when the addon is there. */
function mirror(text: string): SyntaxForest {
  const flat = parseFlat(text);
  if (flat) return new SyntaxForest(flat, text);
  // tree-sitter's default buffer is too small for big files; give it room.
  return new SyntaxForest(getParser().parse(text, undefined, { bufferSize: Math.max(32 * 1024, text.length * 2 + 1024) }).walk(), text);
}

/** Code points of `text` in [start, end), without building a substring. */
function codePoints(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

interface Scan {
  problem: { index: number; message: string } | null;
  /** Comment ranges [start, end) to read as blanks (see COMMENT_RUN). */
  blanked: [number, number][];
}

/**
 * One pass over the text, before tree-sitter: the file size, bracket depth and indentation depth limits,
 * and the long runs of comment-only lines. Strings and comments are skipped as Python's tokenizer does
 * (a misread only makes a limit or the comment shortcut approximate; the parse checks the latter).
 */
export function scanSource(text: string): Scan {
  const n = text.length;
  const blanked: [number, number][] = [];
  if (n > MAX_SOURCE_LENGTH) return { problem: { index: 0, message: `the file has ${n} characters, more than the limit of ${MAX_SOURCE_LENGTH} (MAX_SOURCE_LENGTH)` }, blanked };
  let depth = 0;
  const indents = [0];
  let run: [number, number][] = [];
  const endRun = () => {
    if (run.length > COMMENT_RUN) for (const r of run) blanked.push(r);
    run = [];
  };
  let i = 0;
  let lineStart = true;
  while (i < n) {
    if (lineStart) {
      lineStart = false;
      let width = 0;
      let j = i;
      for (; j < n; j++) {
        const c = text.charCodeAt(j);
        if (c === 32) width++;
        else if (c === 9) width = (Math.floor(width / 8) + 1) * 8;
        else if (c === 12) width = 0;
        else break;
      }
      const c = j < n ? text.charCodeAt(j) : 10;
      if (c === 35 /* # */ && depth === 0) {
        let end = text.indexOf("\n", j);
        if (end < 0) end = n;
        run.push([j, end]);
        i = end;
        continue;
      }
      if (c !== 10 && c !== 35) {
        endRun();
        while (indents[indents.length - 1]! > width) indents.pop();
        if (indents[indents.length - 1]! < width) {
          indents.push(width);
          if (indents.length - 1 > MAX_INDENT_DEPTH) return { problem: { index: j, message: `more than ${MAX_INDENT_DEPTH} levels of indentation (MAX_INDENT_DEPTH)` }, blanked };
        }
      }
      i = j;
      continue;
    }
    const c = text.charCodeAt(i);
    switch (c) {
      case 10:
        lineStart = true;
        i++;
        break;
      case 35: {
        const end = text.indexOf("\n", i);
        i = end < 0 ? n : end;
        break;
      }
      case 40:
      case 91:
      case 123:
        if (++depth > MAX_BRACKET_DEPTH) return { problem: { index: i, message: `more than ${MAX_BRACKET_DEPTH} nested brackets (MAX_BRACKET_DEPTH)` }, blanked };
        i++;
        break;
      case 41:
      case 93:
      case 125:
        if (depth > 0) depth--;
        i++;
        break;
      case 34:
      case 39:
        i = skipString(text, i);
        break;
      case 92: // a backslash continues the line
        i += 2;
        break;
      default:
        i++;
    }
  }
  endRun();
  return { problem: null, blanked };
}

/** The index after the string literal whose quote is at `i`. */
function skipString(text: string, i: number): number {
  const q = text[i]!;
  const n = text.length;
  if (text.startsWith(q + q + q, i)) {
    for (let j = i + 3; j < n; j++) {
      if (text[j] === "\\") j++;
      else if (text[j] === q && text.startsWith(q + q + q, j)) return j + 3;
    }
    return n;
  }
  for (let j = i + 1; j < n; j++) {
    const c = text[j];
    if (c === "\\") j++;
    else if (c === q) return j + 1;
    else if (c === "\n") return j;
  }
  return n;
}

function blank(text: string, ranges: [number, number][]): string {
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    parts.push(text.slice(at, start), " ".repeat(end - start));
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join("");
}

function insideString(node: SyntaxNode | null): boolean {
  for (let n = node, k = 0; n && k < 4; n = n.parent, k++) if (n.type === "string" || n.type === "string_content") return true;
  return false;
}

function syntaxError(range: SourceRange, message: string): Diagnostic {
  return { severity: "error", code: "syntax-error", message: `${message}; fix the Python syntax error`, range };
}

function resourceLimit(range: SourceRange, message: string): Diagnostic {
  return { severity: "error", code: "resource-limit", message: `${message}; nothing in this file is compiled`, range };
}

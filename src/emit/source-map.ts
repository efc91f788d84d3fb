// Which source line each line of a generated module came from. The printer ends every statement that
// has a source location with a `# file.py:LINE` comment (printer.ts); ruff keeps that comment on the
// statement's last line when it wraps it. This reads the formatted module back with tree-sitter and gives
// every line of such a statement (or of a compound statement's header) that location, so the map stays
// right whatever ruff did to the line breaks. Only the review page needs it; a plain run never parses
// its output.
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import type { SourceLoc } from "../ir/types.js";

const LOCATION = /^# (.+\.py):(\d+)$/;
const COMPOUND_BODY: Record<string, string> = {
  if_statement: "consequence",
  elif_clause: "consequence",
  for_statement: "body",
  while_statement: "body",
  with_statement: "body",
};

let parser: Parser | null = null;

/** One entry per line of `text` (0-based index = line − 1): the source location, or null. */
export function sourceLineMap(text: string): (SourceLoc | null)[] {
  parser ??= (() => {
    const p = new Parser();
    p.setLanguage(Python as unknown as Parser.Language);
    return p;
  })();
  const lineCount = text.split("\n").length;
  const map: (SourceLoc | null)[] = new Array(lineCount).fill(null);
  const tree = parser.parse((index) => text.slice(index, index + 16_384) || null);
  const byRow = new Map<number, SourceLoc>();
  const statements: { start: number; end: number }[] = [];
  const visit = (node: Parser.SyntaxNode) => {
    if (node.type === "comment") {
      const m = LOCATION.exec(node.text);
      if (m) byRow.set(node.startPosition.row, { file: m[1]!, line: Number(m[2]) });
      return;
    }
    const body = COMPOUND_BODY[node.type];
    if (body) {
      const block = node.childForFieldName(body);
      // The header: from `if` to the line before the block (the comment sits after the colon).
      const end = block ? Math.max(node.startPosition.row, block.startPosition.row - (block.startPosition.row > node.startPosition.row ? 1 : 0)) : node.startPosition.row;
      statements.push({ start: node.startPosition.row, end });
    } else if (node.type.endsWith("_statement") && !node.type.startsWith("import") && node.type !== "future_import_statement") {
      statements.push({ start: node.startPosition.row, end: node.endPosition.row });
    }
    for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  for (const [row, loc] of byRow) map[row] = loc;
  for (const { start, end } of statements) {
    let loc: SourceLoc | undefined;
    for (let row = end; row >= start && !loc; row--) loc = byRow.get(row);
    if (!loc) continue;
    for (let row = start; row <= end; row++) map[row] ??= loc;
  }
  return map;
}

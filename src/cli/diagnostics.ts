// Terminal rendering of diagnostics: `FILE:LINE:COL: SEVERITY CODE: MESSAGE` and a code frame.
import type { Diagnostic } from "../ir/types.js";
import { MAX_FRAME_CHARS } from "./limits.js";

const COLORS = { error: "\x1b[31m", warning: "\x1b[33m", info: "\x1b[36m", reset: "\x1b[0m", dim: "\x1b[2m" };

/** The source line of a diagnostic, cut to MAX_FRAME_CHARS around its column, and where to underline. */
export interface Frame {
  source: string;
  /** 0-based code-point offset of the underline in `source`, and its length (≥ 1). */
  start: number;
  length: number;
}

/** The code frame of `d` in `text` (the whole file), or null when its line is not in the text. */
export function makeFrame(d: Diagnostic, text: string): Frame | null {
  // Find the line without splitting a file that may be megabytes long.
  let from = 0;
  for (let n = 1; n < d.range.line; n++) {
    const next = text.indexOf("\n", from);
    if (next < 0) return null;
    from = next + 1;
  }
  let to = text.indexOf("\n", from);
  if (to < 0) to = text.length;
  const raw = text.slice(from, to).replace(/\r$/, "");
  const chars = [...raw];
  let start = Math.max(0, d.range.column - 1);
  const end = d.range.endLine === d.range.line ? Math.max(start + 1, d.range.endColumn - 1) : chars.length;
  let length = Math.max(1, Math.min(end, chars.length) - start);
  if (chars.length <= MAX_FRAME_CHARS) return { source: raw, start, length };
  // A long line: a window around the start of the range, marked with `…` where it was cut.
  const offset = Math.max(0, Math.min(start - 40, chars.length - MAX_FRAME_CHARS));
  const window = chars.slice(offset, offset + MAX_FRAME_CHARS);
  start -= offset;
  if (offset > 0) {
    window.unshift("…");
    start += 1;
  }
  if (offset + MAX_FRAME_CHARS < chars.length) window.push("…");
  length = Math.max(1, Math.min(length, window.length - start));
  return { source: window.join(""), start, length };
}

/** A path as printed: control characters (a newline in a file name) are escaped, so one diagnostic stays one line. */
export const printablePath = (path: string) => path.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

export function formatDiagnostic(d: Diagnostic, file: string, frame: Frame | null, color: boolean): string {
  const paint = (code: string, s: string) => (color ? `${code}${s}${COLORS.reset}` : s);
  const head = `${printablePath(file)}:${d.range.line}:${d.range.column}: ${paint(COLORS[d.severity], `${d.severity} ${d.code}`)}: ${d.message}`;
  if (frame === null) return head;
  const gutter = String(d.range.line).length;
  const underline = " ".repeat(frame.start) + "^".repeat(frame.length);
  return [head, `${String(d.range.line).padStart(gutter)} | ${frame.source}`, `${" ".repeat(gutter)} | ${paint(COLORS[d.severity], underline)}`].join("\n");
}

// Formatting of what we write: ruff's formatter (black style) for Python, prettier for JSON/Markdown.
// Lines are 120 wide: every generated statement carries a `# file.py:LINE` comment.
import { PositionEncoding, Workspace } from "@astral-sh/ruff-wasm-nodejs";

let workspace: Workspace | null = null;

export function formatPython(source: string): string {
  workspace ??= new Workspace({ "line-length": 120 }, PositionEncoding.Utf16);
  return workspace.format(source);
}

/** JSON as prettier lays it out (format-json.ts); loaded on first use, so a process that only formats Python never loads prettier. */
export async function formatJson(value: unknown): Promise<string> {
  return (await import("./format-json.js")).formatJson(value);
}

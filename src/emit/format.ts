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

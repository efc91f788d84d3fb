// Generated Python passes ruff's pyflakes and pycodestyle checks (E, F, W), as reviewers' CI would run
// them: no unused imports, no undefined names. Long lines are allowed in modules, where every statement
// carries its `# file.py:LINE` comment.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PositionEncoding, Workspace } from "@astral-sh/ruff-wasm-nodejs";
import { describe, expect, it } from "vitest";
import { formatPython } from "../src/emit/format.js";
import { renderRuntimeFile } from "../src/emit/files.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const files = readdirSync(join(ROOT, "golden"))
  .flatMap((c) => ["model.py", "model_weights.py"].map((f) => join("golden", c, "expected", f)))
  .filter((f) => existsSync(join(ROOT, f)));

const linter = new Workspace({ "line-length": 120, lint: { select: ["E", "F", "W"], ignore: ["E501"] } }, PositionEncoding.Utf16);

describe("generated Python lints clean", () => {
  it("there are generated files to check", () => expect(files.length).toBeGreaterThan(80));

  const lint = (text: string) =>
    (linter.check(text) as { code: string; message: string; start_location: { row: number } }[]).map((d) => `${d.start_location.row}: ${d.code} ${d.message}`);

  // Snapshots of standalone weights scripts leave out the static runtime they end with: put it back, as generated.
  const runtime = formatPython(readFileSync(join(ROOT, "templates", "weights_runtime.py"), "utf8"));
  const generated = (file: string) =>
    readFileSync(join(ROOT, file), "utf8").replace(/# \(the static runtime, templates\/weights_runtime\.py formatted, follows here\)\n$/, runtime);

  it.each(files)("%s", (file) => {
    expect(lint(generated(file))).toEqual([]);
  });

  it("the shared runtime, OUT/keras2torch_runtime.py", () => expect(lint(renderRuntimeFile())).toEqual([]));
});

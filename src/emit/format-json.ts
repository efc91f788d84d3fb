// JSON formatting (the manifest) with prettier, apart from ruff: the CLI's main process writes the
// manifest but never formats Python, and loading ruff's WebAssembly there cost it a quarter second.
import * as prettier from "prettier";

export async function formatJson(value: unknown): Promise<string> {
  return prettier.format(JSON.stringify(value), { parser: "json", printWidth: 100 });
}

// Lays out the generated files from view models through the templates (template.ts).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TorchModel } from "../ir/types.js";
import { helperCatalog, type Helper } from "./helpers.js";
import { formatPython } from "./format.js";
import { compileTemplate, type Template } from "./template.js";
import { moduleFileView, weightsFileView } from "./view.js";

const templatesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "templates");
const read = (name: string) => readFileSync(join(templatesDir, name), "utf8");

let compiled: { module: Template; weights: Template; runtime: string; helpers: ReadonlyMap<string, Helper> } | null = null;

function templates() {
  compiled ??= {
    module: compileTemplate(read("module.py.hbs")),
    weights: compileTemplate(read("weights.py.hbs")),
    runtime: read("weights_runtime.py"),
    helpers: helperCatalog(),
  };
  return compiled;
}

/** The module file: one class per model, nested models first. */
export function renderModuleFile(models: TorchModel[], source: string, weightsScript: string): string {
  const t = templates();
  return formatPython(t.module(moduleFileView(models, source, weightsScript, t.helpers)));
}

/** The static runtime, formatted once per process: it is the same in every weights script. */
let formattedRuntime: string | null = null;

export function renderWeightsFile(models: TorchModel[], primary: string, module: string, source: string, script: string): string {
  const t = templates();
  formattedRuntime ??= formatPython(t.runtime);
  // The generated part is formatted on its own; the static runtime (templates/weights_runtime.py)
  // follows after the usual two blank lines.
  const generated = formatPython(t.weights(weightsFileView(models, primary, module, source, script)));
  return `${generated.trimEnd()}\n\n\n${formattedRuntime}`;
}

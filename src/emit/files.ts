// Lays out the generated files from view models through the Handlebars templates.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import type { TorchModel } from "../ir/types.js";
import { helperCatalog, type Helper } from "./helpers.js";
import { formatPython } from "./format.js";
import { moduleFileView, weightsFileView } from "./view.js";
import { VERSION } from "../version.js";
import { MAPPING_SCHEMA_VERSION } from "../weights/schema.js";

const templatesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "templates");
const read = (name: string) => readFileSync(join(templatesDir, name), "utf8");

let compiled: {
  module: HandlebarsTemplateDelegate;
  weights: HandlebarsTemplateDelegate;
  helpers: ReadonlyMap<string, Helper>;
} | null = null;

function templates() {
  compiled ??= {
    module: Handlebars.compile(read("module.py.hbs"), { noEscape: true, strict: true }),
    weights: Handlebars.compile(read("weights.py.hbs"), { noEscape: true, strict: true }),
    helpers: helperCatalog(),
  };
  return compiled;
}

/** The module file: one class per model, nested models first. */
export function renderModuleFile(models: TorchModel[], source: string, weightsScript: string): string {
  const t = templates();
  return formatPython(t.module(moduleFileView(models, source, weightsScript, t.helpers)));
}

/**
 * The static runtime, the same in every weights script. templates/weights_runtime.py is kept as ruff
 * formats it (test/runtime.test.ts checks), so it is written as it is: the main process of a run, which
 * writes the shared runtime, never loads the formatter.
 */
let runtimeTemplates: { header: HandlebarsTemplateDelegate; runtime: string } | null = null;

function staticRuntime(): string {
  if (runtimeTemplates === null) {
    const runtime = read("weights_runtime.py");
    // The runtime states the schema it reads; it must be the one the tables are written in.
    const stated = /^MAPPING_SCHEMA = (\d+)$/m.exec(runtime)?.[1];
    if (stated !== String(MAPPING_SCHEMA_VERSION)) throw new Error(`templates/weights_runtime.py reads mapping schema ${stated}, the compiler writes ${MAPPING_SCHEMA_VERSION}`);
    runtimeTemplates = { header: Handlebars.compile(read("weights_runtime_header.py.hbs"), { noEscape: true, strict: true }), runtime };
  }
  return runtimeTemplates.runtime;
}

/** Where the weights script finds the shared runtime, or that it carries the runtime itself. */
export interface WeightsRuntimeOptions {
  /** `--standalone-weights`: the runtime follows the table in the script. */
  standalone: boolean;
  /** How many folders below the output folder the script sits (`a/b_weights.py`: 1). */
  depth: number;
}

export function renderWeightsFile(models: TorchModel[], primary: string, module: string, source: string, script: string, runtime: WeightsRuntimeOptions): string {
  const t = templates();
  const view = weightsFileView(models, primary, module, source, script, { ...runtime, version: VERSION, schema: MAPPING_SCHEMA_VERSION, runtimeLabel: RUNTIME_FILE });
  // The generated part is formatted on its own; a standalone script's static runtime
  // (templates/weights_runtime.py) follows after the usual two blank lines.
  const generated = formatPython(t.weights(view));
  return runtime.standalone ? `${generated.trimEnd()}\n\n\n${staticRuntime()}` : generated;
}

/** The shared runtime's file name, at the top of the output folder. */
export const RUNTIME_FILE = "keras2torch_runtime.py";

/** `OUT/keras2torch_runtime.py`: a header naming this keras2torch's version and schema, then the static runtime. */
export function renderRuntimeFile(): string {
  const runtime = staticRuntime();
  // The header is laid out as ruff would; so is the whole file (test/runtime.test.ts).
  const header = runtimeTemplates!.header({ version: VERSION, schema: MAPPING_SCHEMA_VERSION });
  return `${header.trimEnd()}\n\n\n${runtime}`;
}

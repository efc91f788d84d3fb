// Lays out the generated files from view models through the templates (template.ts).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TorchModel } from "../ir/types.js";
import { helperCatalog, type Helper } from "./helpers.js";
import { formatGenerated, formatPython } from "./format.js";
import { compileTemplate, type Template } from "./template.js";
import {
  moduleFileView,
  weightsFileView,
  type WeightsFileView,
} from "./view.js";
import { RUNTIME_FILE, staticRuntime } from "./runtime-file.js";
import { VERSION } from "../version.js";
import { MAPPING_SCHEMA_VERSION } from "../weights/schema.js";

export { RUNTIME_FILE, renderRuntimeFile } from "./runtime-file.js";

const templatesDir = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "templates",
);
const read = (name: string) => readFileSync(join(templatesDir, name), "utf8");

let compiled: {
  module: Template;
  weights: Template;
  helpers: ReadonlyMap<string, Helper>;
} | null = null;

function templates() {
  compiled ??= {
    module: compileTemplate(read("module.py.hbs")),
    weights: compileTemplate(read("weights.py.hbs")),
    helpers: helperCatalog(),
  };
  return compiled;
}

/** The module file: one class per model, nested models first. */
export function renderModuleFile(
  models: TorchModel[],
  source: string,
  weightsScript: string,
): string {
  const t = templates();
  const text = t.module(moduleFileView(models, source, weightsScript, t.helpers));
  // ruff costs about as much as parsing the input: it sees only the lines it would break (format.ts).
  return formatGenerated(text);
}


/** Where the weights script finds the shared runtime, or that it carries the runtime itself. */
export interface WeightsRuntimeOptions {
  /** `--standalone-weights`: the runtime follows the table in the script. */
  standalone: boolean;
  /** How many folders below the output folder the script sits (`a/b_weights.py`: 1). */
  depth: number;
}

export function renderWeightsFile(
  models: TorchModel[],
  primary: string,
  module: string,
  source: string,
  script: string,
  runtime: WeightsRuntimeOptions,
): string {
  const t = templates();
  const view = weightsFileView(models, primary, module, source, script, {
    ...runtime,
    version: VERSION,
    schema: MAPPING_SCHEMA_VERSION,
    runtimeLabel: RUNTIME_FILE,
  });
  // The generated part is formatted on its own; a standalone script's static runtime
  // (templates/weights_runtime.py) follows after the usual two blank lines.
  const text = t.weights(view);
  const generated =
    plainWeights(view, models, runtime.depth) ? text : formatPython(text);
  return runtime.standalone
    ? `${generated.trimEnd()}\n\n\n${staticRuntime()}`
    : generated;
}


// The weights script's generated part needs no formatting when ruff would leave it as it is. Its tables sit
// between `# fmt: off` and `# fmt: on`, which ruff copies verbatim; outside them ruff sees the template's
// docstring, comments and `PRIMARY = "..."`, where ruff does not wrap or reflow anything. With values that
// hold no quotes, backslashes, spaces or non-ASCII text, and a PRIMARY line far below the line length, ruff's
// output equals its input whenever it does so for the probes rendered from the same template
// (weightsTemplateProbes; test/template.test.ts checks each against ruff, so a template edit that ruff
// would change fails the tests instead of costing every process of a run ruff's start-up).
const PLAIN_PATH = /^[A-Za-z0-9_./-]{1,100}$/;
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

// The shared runtime's path (`os.path.join("..", "..", ...)`) stays within the line length up to this depth.
const PLAIN_DEPTH = 4;

function plainWeights(
  view: WeightsFileView,
  models: TorchModel[],
  depth: number,
): boolean {
  return (
    depth <= PLAIN_DEPTH &&
    PLAIN_PATH.test(view.module) &&
    PLAIN_PATH.test(view.source) &&
    PLAIN_PATH.test(view.script) &&
    PLAIN_NAME.test(view.primary) &&
    models.every((m) => PLAIN_NAME.test(m.className))
  );
}

/** Texts of the weights template that plain views render, one per kind of plain view; ruff leaves each as it is. */
export function weightsTemplateProbes(): string[] {
  const template = templates().weights;
  const probe = (
    vocabularies: string[],
    standalone: boolean,
    depth: number,
  ): WeightsFileView => ({
    ...weightsFileView(
      [],
      "Probe",
      "probe.py",
      "src/probe.py",
      "probe_weights.py",
      {
        standalone,
        depth,
        version: VERSION,
        schema: MAPPING_SCHEMA_VERSION,
        runtimeLabel: RUNTIME_FILE,
      },
    ),
    module: "probe.py",
    source: "src/probe.py",
    script: "probe_weights.py",
    modelList: "`Probe`, `ProbeModel2`",
    primary: "Probe",
    primaryLiteral: JSON.stringify("Probe"),
    models: [
      {
        nameLiteral: '"Probe"',
        tensors: [
          '("dense.weight", "layers/dense/vars/0", "dense", 0, (4, 2), (("transpose", (1, 0)),))',
        ],
        constants: [],
      },
      {
        nameLiteral: '"ProbeModel2"',
        tensors: [],
        constants: ['("mask", (1,), "float32", 0.0)'],
      },
    ],
    vocabularies,
  });
  const vocabulary =
    '"Probe": [("text", "lookup", "StringLookup", "assets/lookup/vocabulary.txt")]';
  const views = [true, false].flatMap((standalone) =>
    [0, PLAIN_DEPTH].flatMap((depth) => [
      probe([], standalone, depth),
      probe([vocabulary], standalone, depth),
    ]),
  );
  return views.map((view) => template(view));
}

// Lays out the generated files from view models through the templates (template.ts).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TorchModel } from "../ir/types.js";
import { helperCatalog, type Helper } from "./helpers.js";
import { formatPython } from "./format.js";
import { compileTemplate, type Template } from "./template.js";
import { moduleFileView, weightsFileView, type WeightsFileView } from "./view.js";

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
  const view = weightsFileView(models, primary, module, source, script);
  const text = t.weights(view);
  const generated = plainWeights(view, models) && weightsTemplateStable(t.weights) ? text : formatPython(text);
  return `${generated.trimEnd()}\n\n\n${formattedRuntime}`;
}

// The weights script's generated part needs no formatting when ruff would leave it as it is. Its tables sit
// between `# fmt: off` and `# fmt: on`, which ruff copies verbatim; outside them ruff sees the template's
// docstring, comments and `PRIMARY = "..."`, where ruff does not wrap or reflow anything. With values that
// hold no quotes, backslashes, spaces or non-ASCII text, and a PRIMARY line far below the line length, ruff's
// output equals its input whenever it does so for a probe rendered from the same template (checked once
// per process: a template edit that ruff would change turns this shortcut off).
const PLAIN_PATH = /^[A-Za-z0-9_./-]{1,100}$/;
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function plainWeights(view: WeightsFileView, models: TorchModel[]): boolean {
  return PLAIN_PATH.test(view.module) && PLAIN_PATH.test(view.source) && PLAIN_PATH.test(view.script) && PLAIN_NAME.test(view.primary) && models.every((m) => PLAIN_NAME.test(m.className));
}

let stableWeights: boolean | null = null;

function weightsTemplateStable(template: Template): boolean {
  if (stableWeights === null) {
    const probe = (vocabularies: string[]): WeightsFileView => ({
      module: "probe.py",
      source: "src/probe.py",
      script: "probe_weights.py",
      modelList: "`Probe`, `ProbeModel2`",
      primary: "Probe",
      primaryLiteral: JSON.stringify("Probe"),
      models: [
        { nameLiteral: '"Probe"', tensors: ['("dense.weight", "layers/dense/vars/0", "dense", 0, (4, 2), (("transpose", (1, 0)),))'], constants: [] },
        { nameLiteral: '"ProbeModel2"', tensors: [], constants: ['("mask", (1,), "float32", 0.0)'] },
      ],
      vocabularies,
    });
    stableWeights = [probe([]), probe(['"Probe": [("text", "lookup", "StringLookup", "assets/lookup/vocabulary.txt")]'])].every((view) => {
      const text = template(view);
      return formatPython(text) === text;
    });
  }
  return stableWeights;
}

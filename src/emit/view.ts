// View models for the templates: every string the templates print is computed here, so the
// templates only lay files out.
import { torchShape } from "../ir/layout.js";
import { type ConstantMapping, type Layout, type TensorMapping, type TorchModel, type TorchValue } from "../ir/types.js";
import { sortedRows } from "../weights/mapping.js";
import type { Helper } from "./helpers.js";
import { printClass } from "./printer.js";
import { pyFloat, pyLiteral } from "./render.js";

export interface ModuleFileView {
  source: string;
  weightsScript: string;
  imports: string[];
  helpers: string[];
  /** Each class printed from its module IR. */
  classes: string[];
}

export interface WeightsFileView {
  /** The runtime follows the table (`--standalone-weights`); otherwise the script loads the shared one. */
  standalone: boolean;
  /** A Python expression: the shared runtime's path relative to the script's folder. */
  runtimePath: string;
  runtimeLabel: string;
  version: string;
  schema: number;
  module: string;
  source: string;
  script: string;
  modelList: string;
  primary: string;
  primaryLiteral: string;
  models: { nameLiteral: string; tensors: string[]; constants: string[] }[];
  /** `"Class": [rows]` for models with inputs after an adapted string layer (see `write_vocabularies`). */
  vocabularies: string[];
}

export function moduleFileView(
  models: TorchModel[],
  source: string,
  weightsScript: string,
  helpers: ReadonlyMap<string, Helper>,
): ModuleFileView {
  const classes = models.map((m) => classText(m, source));
  const calls = new Set(models.flatMap((m) => m.calls));
  // A helper may call another (MaskedBidirectional runs masked_recurrence): take them all.
  for (let grew = true; grew; ) {
    grew = false;
    for (const h of helpers.values()) {
      if (!calls.has(h.name)) continue;
      for (const c of h.calls) if (!calls.has(c)) grew = calls.add(c) !== null;
    }
  }
  const used = [...helpers.values()].filter((h) => calls.has(h.name));
  // Import exactly what the code and its helpers use, so linters stay quiet.
  const everything = [...calls, ...used.flatMap((h) => h.calls)];
  const imports: string[] = [];
  if (everything.some((c) => c.startsWith("torch."))) imports.push("import torch");
  if (everything.some((c) => c.startsWith("F."))) imports.push("import torch.nn.functional as F");
  imports.push("from torch import nn");
  return { source, weightsScript, imports, helpers: used.map((h) => h.source), classes };
}

function classText(model: TorchModel, source: string): string {
  return printClass({ ...model.cls, docstring: docstring(model, source) });
}

function docstring(model: TorchModel, source: string): string {
  // A subclass's class may serve several instances: it is described by its class, not an instance's name.
  const what = model.subclassOf ? `Keras \`${model.className}\` (a \`keras.${model.subclassOf === "Model" ? "Model" : "layers.Layer"}\` subclass)` : `Keras model \`${model.kerasName}\``;
  const lines = [`${what} from \`${source}\`.`, ""];
  // An application is built for the arguments it was called with; its layers come from Keras' own source.
  if (model.application) lines.splice(1, 0, "", `Keras' \`${model.application.call}\`, compiled from \`${model.application.file}\`.`);
  lines.push(model.inputs.length === 1 ? "Input:" : "Inputs:");
  for (const input of model.inputs) {
    lines.push(`    ${input.variable}: ${describe(input)}`);
    // The string boundary: Keras takes strings here, the module what the string layer makes of them.
    if (input.boundary) lines.push(`        the output of Keras' ${input.boundary.kerasClass} \`${input.boundary.layer}\` (Keras takes strings ${fmtShape(input.boundary.kerasInputShape)}): run it in the data pipeline`);
  }
  lines.push(model.outputs.length === 1 ? "Returns:" : `Returns (${model.outputStructure.kind === "dict" ? "a dict" : "a tuple"}):`);
  for (const output of model.outputs) lines.push(`    ${output.kerasName}: ${describe(output)}`);
  return lines.map((l, i) => (i === 0 || l === "" ? l : `    ${l}`)).join("\n") + "\n    ";
}

const fmtShape = (shape: (number | null)[]) => `(${shape.map((d, i) => (i === 0 ? "N" : d === null ? "?" : String(d))).join(", ")})`;

function describe(value: TorchValue): string {
  const torch = fmtShape(layoutShape(value.kerasShape, value.layout));
  if (value.layout.kind === "perm" && value.layout.perm.some((p, i) => p !== i)) {
    return `${torch} ${value.dtype}, channels-first (Keras: ${fmtShape(value.kerasShape)})`;
  }
  return `${torch} ${value.dtype}, in Keras' axis order`;
}

export function layoutShape(shape: (number | null)[], layout: Layout): (number | null)[] {
  return layout.kind === "perm" ? torchShape(shape, layout) : shape;
}

export interface WeightsRuntimeView {
  standalone: boolean;
  /** Folders between the output folder and the script. */
  depth: number;
  version: string;
  schema: number;
  runtimeLabel: string;
}

export function weightsFileView(models: TorchModel[], primary: string, module: string, source: string, script: string, runtime: WeightsRuntimeView): WeightsFileView {
  return {
    standalone: runtime.standalone,
    runtimePath: runtime.depth ? `os.path.join(${[...Array<string>(runtime.depth).fill(".."), runtime.runtimeLabel].map((p) => JSON.stringify(p)).join(", ")})` : JSON.stringify(runtime.runtimeLabel),
    runtimeLabel: runtime.runtimeLabel,
    version: runtime.version,
    schema: runtime.schema,
    module,
    source,
    script,
    modelList: models.map((m) => `\`${m.className}\``).join(", "),
    primary,
    primaryLiteral: JSON.stringify(primary),
    models: models.map((m) => ({
      nameLiteral: JSON.stringify(m.className),
      tensors: sortedRows(m).map(tensorRow),
      constants: m.constants.map(constantRow),
    })),
    vocabularies: models.flatMap((m) => {
      const rows = m.inputs.flatMap((v) =>
        v.boundary?.vocabulary === "saved"
          ? [`(${[v.kerasName, v.boundary.layer, v.boundary.kerasClass, `assets/${v.boundary.kerasPath}/vocabulary.txt`].map((x) => JSON.stringify(x)).join(", ")})`]
          : [],
      );
      return rows.length ? [`${JSON.stringify(m.className)}: [${rows.join(", ")}]`] : [];
    }),
  };
}

function tensorRow(row: TensorMapping): string {
  const transforms = row.transforms.map((t) => {
    switch (t.op) {
      case "transpose":
        return `("transpose", ${pyLiteral(t.axes)})`;
      case "reshape":
        return `("reshape", ${pyLiteral(t.shape)})`;
      case "permute_rows":
        return `("permute_rows", ${pyLiteral(t.shape)}, ${pyLiteral(t.axes)})`;
      case "index":
        return `("index", ${t.index})`;
      case "reorder_blocks":
        return `("reorder_blocks", ${pyLiteral(t.order)})`;
    }
  });
  const transformList = `(${transforms.join(", ")}${transforms.length === 1 ? "," : ""})`;
  return `(${[row.unused ? "None" : JSON.stringify(row.key), JSON.stringify(row.keras3Path), JSON.stringify(row.legacyLayer), row.legacyIndex, pyLiteral(row.kerasShape), transformList].join(", ")})`;
}

function constantRow(c: ConstantMapping): string {
  return `(${JSON.stringify(c.key)}, ${pyLiteral(c.shape)}, ${JSON.stringify(c.dtype)}, ${c.dtype === "int64" ? String(c.value) : pyFloat(c.value)})`;
}

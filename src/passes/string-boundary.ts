// The string boundary. PyTorch has no string tensors, so a model whose Input takes strings cannot start
// there: when a string layer (StringLookup, TextVectorization, Hashing, IntegerLookup) reads the string
// Input directly, the generated module starts after it and takes that layer's integer output in place of
// the Input. The layer leaves the graph (it stays in `model.layers`, which names the saved paths); a
// warning says where the boundary was put. Strings that reach any other layer are an error.
import type { Diagnostic, Program, StringBoundary } from "../ir/types.js";
import { STRING_BOUNDARY_CLASSES } from "../rules/lookup.js";

const fmt = (shape: (number | null)[]) => `(${shape.map((d) => (d === null ? "None" : String(d))).join(", ")})`;

/** Rewrites the root graph models in place; returns the boundaries it put and what it reports. */
export function stringBoundaryPass(program: Program, vocabFile: string): { boundaries: StringBoundary[]; diagnostics: Diagnostic[] } {
  const boundaries: StringBoundary[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const root of program.roots) {
    const model = program.models.get(root.modelId)!;
    if (model.kind === "subclass") continue;
    // A model called inside another gets the caller's tensors: strings there have no boundary to move to.
    const nested = [...program.nodes.values()].some((n) => n.op.kind === "model" && n.op.modelId === model.id && !n.superseded);
    model.inputs.forEach((t, i) => {
      const tensor = program.tensors.get(t)!;
      if (tensor.dtype !== "string") return;
      const consumers = model.nodes.map((id) => program.nodes.get(id)!).filter((n) => n.inputs.includes(t));
      const node = consumers[0];
      const layer = node?.op.kind === "layer" ? program.layers.get(node.op.layerId)! : null;
      const fits =
        !nested &&
        consumers.length === 1 && layer && (STRING_BOUNDARY_CLASSES as readonly string[]).includes(layer.kerasClass) && node!.inputs.length === 1 && node!.outputs.length === 1 && !node!.poisoned && !layer.poisoned;
      if (!fits) {
        for (const n of consumers) {
          if (n.poisoned) continue;
          const what =
            n.op.kind === "layer"
              ? `${program.layers.get(n.op.layerId)!.kerasClass} \`${program.layers.get(n.op.layerId)!.name}\``
              : n.op.kind === "model"
                ? `nested model \`${program.models.get(n.op.modelId)!.name}\``
                : "this operation";
          const why = nested
            ? "belongs to a model that another model calls as a layer"
            : consumers.length > 1
              ? "is read by more than one layer"
              : "is not read by a StringLookup, TextVectorization, Hashing or IntegerLookup layer";
          diagnostics.push({
            severity: "error",
            code: "string-preprocessing",
            message: `${what} reads the string Input \`${tensor.inputName}\`, which ${why}; PyTorch has no string tensors, so keras2torch puts the module's boundary after one such layer on each string Input. Run the string processing in your data pipeline and give the model numbers`,
            range: n.range,
          });
          n.poisoned = true;
        }
        return;
      }
      const out = program.tensors.get(node!.outputs[0]!)!;
      out.producer = null;
      out.outputIndex = 0;
      out.inputName = tensor.inputName;
      model.inputs[i] = out.id;
      model.nodes = model.nodes.filter((id) => id !== node!.id);
      boundaries.push({ modelId: model.id, tensorId: out.id, inputName: tensor.inputName!, kerasInputShape: tensor.shape, layerId: layer!.id });
      diagnostics.push({
        severity: "warning",
        code: "string-boundary",
        message:
          `\`${tensor.inputName}\` takes strings, which PyTorch has no tensor for: the generated module starts after ${layer!.kerasClass} \`${layer!.name}\` and takes its ${out.dtype} output ${fmt(out.shape)} as \`${tensor.inputName}\`. ` +
          `Run the ${layer!.kerasClass} step in your data pipeline (its settings, and its vocabulary when known, are in ${vocabFile})`,
        range: node!.range,
      });
    });
  }
  return { boundaries, diagnostics };
}

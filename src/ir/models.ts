// Which models get a generated class, in the order they must be defined.
import type { Program } from "./types.js";

/** Root models and every model they use as a layer; a nested model comes before its users, roots in source order. */
export function classOrder(program: Program): number[] {
  const order: number[] = [];
  const seen = new Set<number>();
  const visit = (modelId: number) => {
    if (seen.has(modelId)) return;
    seen.add(modelId);
    // A subclass instance whose `call` could not be translated has no class; its callers raise.
    const model = program.models.get(modelId)!;
    if (model.kind === "subclass" && !model.subclass?.forward) return;
    for (const nodeId of program.models.get(modelId)!.nodes) {
      const op = program.nodes.get(nodeId)!.op;
      if (op.kind === "model") visit(op.modelId);
    }
    order.push(modelId);
  };
  for (const root of [...program.roots].sort((a, b) => a.line - b.line)) visit(root.modelId);
  return order;
}

/** Whether a layer, node or model (ids are unique across kinds) is marked untranslatable. */
export function isPoisoned(program: Program, id: number): boolean {
  return program.nodes.get(id)?.poisoned === true || program.layers.get(id)?.poisoned === true;
}

/** Whether a layer or model was set `trainable=False`. */
export function isFrozen(program: Program, id: number): boolean {
  return program.layers.get(id)?.frozen === true || program.models.get(id)?.frozen === true;
}

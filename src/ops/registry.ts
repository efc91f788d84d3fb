// The explicit operation registry, beside the layer registry: one OpRule per tensor operation, keyed
// by canonical qualified name (`keras.ops.mean`, `tensorflow.reduce_mean`, `operator.add`...). Adding a
// family = adding its module's list here. `test/ops.test.ts` runs every rule against real Keras or
// TensorFlow, checks that every qualified name has a case, and regenerates docs/supported-operations.md.
import { ACTIVATION_OPS } from "./activations.js";
import { APPLICATION_OPS } from "./applications.js";
import { CREATION_OPS } from "./creation.js";
import { ELEMENTWISE_OPS } from "./elementwise.js";
import { IMAGE_OPS } from "./image.js";
import { INDEXING_OPS } from "./indexing.js";
import { LINALG_OPS } from "./linalg.js";
import { RANDOM_OPS } from "./random.js";
import { REDUCTION_OPS } from "./reductions.js";
import { SHAPE_OPS } from "./shape.js";
import type { OpRule } from "./types.js";

export const OP_RULES: readonly OpRule[] = [
  ...ELEMENTWISE_OPS,
  ...REDUCTION_OPS,
  ...SHAPE_OPS,
  ...LINALG_OPS,
  ...INDEXING_OPS,
  ...CREATION_OPS,
  ...ACTIVATION_OPS,
  ...IMAGE_OPS,
  ...RANDOM_OPS,
  ...APPLICATION_OPS,
];

const byName = new Map<string, OpRule>();
{
  const clashes: string[] = [];
  const ids = new Set<string>();
  for (const rule of OP_RULES) {
    if (ids.has(rule.name)) clashes.push(`rule name ${rule.name}`);
    ids.add(rule.name);
    for (const qn of rule.qualifiedNames) {
      const owner = byName.get(qn);
      if (owner) clashes.push(`${qn}: ${owner.name} and ${rule.name}`);
      byName.set(qn, rule);
    }
  }
  // A name claimed twice would make the table's answer depend on its order: refuse to load.
  if (clashes.length) throw new Error(`op registry: claimed twice: ${clashes.join("; ")}`);
}

export function opRuleFor(qualifiedName: string): OpRule | undefined {
  return byName.get(qualifiedName);
}

export function listOps(): { name: string; qualifiedNames: string[]; summary: string }[] {
  return OP_RULES.map((r) => ({ name: r.name, qualifiedNames: [...r.qualifiedNames], summary: r.summary }));
}

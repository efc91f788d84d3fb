// TimeDistributed: the wrapped layer applied to every step. A Dense acts on the last axis already and is
// applied as it is; any other layer runs on the steps merged into the batch (`x.flatten(0, 1)`) and the
// result is split again (`.unflatten(0, (-1, steps))`). Keras 3 keeps the wrapped layer's variables under
// `layer/vars/<i>` (`time_distributed/layer/vars/0`).
import type { ConfigValue, LayerDef, Layout, PyExpr, Shape } from "../ir/types.js";
import { mapExpr } from "../ir/expr.js";
import { identity } from "../ir/layout.js";
import type { LayerRule, LowerResult } from "./types.js";
import { ConfigError, input, lit, method, shapeOk } from "./util.js";

/** Set by the registry (it imports this module): the rule of the wrapped layer's class. */
let lookup: (kerasClass: string) => LayerRule | undefined = () => undefined;
export function setWrappedRuleLookup(find: (kerasClass: string) => LayerRule | undefined): void {
  lookup = find;
}

function wrapped(layer: LayerDef): { inner: LayerDef; rule: LayerRule } {
  const value = layer.config.layer;
  if (typeof value !== "object" || value === null || Array.isArray(value) || typeof value.class_name !== "string") throw new ConfigError("TimeDistributed needs a layer");
  const rule = lookup(value.class_name);
  if (!rule) throw new ConfigError(`TimeDistributed around \`${value.class_name}\`, which keras2torch does not translate yet`);
  if (rule.callParams) throw new ConfigError(`TimeDistributed around \`${value.class_name}\` is not supported yet`);
  const inner: LayerDef = { ...layer, kerasClass: value.class_name, name: String(value.name ?? layer.name), config: (value.config ?? {}) as Record<string, ConfigValue> };
  return { inner, rule };
}

/** Dense runs on the last axis of any rank, so it needs no merging of the steps. */
const onLastAxis = (inner: LayerDef) => inner.kerasClass === "Dense";

const merged = (shape: Shape): Shape => [shape[0] !== null && shape[1] !== null ? shape[0]! * shape[1]! : null, ...shape.slice(2)];
const split = (outer: Shape, inner: Shape): Shape => [outer[0]!, outer[1]!, ...inner.slice(1)];

/** An inner layout (over the merged rank) as the outer one: the steps axis stays second. */
function lift(layout: Layout | null): Layout | null {
  if (layout === null) return null;
  if (layout.kind !== "perm") throw new ConfigError("TimeDistributed around a layer that flattens channels-first features is not supported yet");
  return { kind: "perm", perm: [0, 1, ...layout.perm.slice(1).map((a) => a + 1)] };
}

/** The outer layout as the inner layer sees it, when it keeps batch and steps first. */
function lower1(layout: Layout): Layout {
  if (layout.kind !== "perm" || layout.perm[0] !== 0 || layout.perm[1] !== 1) throw new ConfigError("TimeDistributed needs batch and steps as its first axes");
  return { kind: "perm", perm: [0, ...layout.perm.slice(2).map((a) => a - 1)] };
}

export const timeDistributedRule: LayerRule = {
  name: "time_distributed",
  kerasClasses: ["TimeDistributed"],
  summary: "the wrapped layer on every step: a Dense as it is, others on `x.flatten(0, 1)` and split back with `.unflatten`",
  signature: () => ({ params: [{ name: "layer", default: null }] }),
  inferShape: ({ layer, inputs }) => {
    const { inner, rule } = wrapped(layer);
    const shape = inputs[0]!;
    if (shape.length < 3) return { ok: false, message: `TimeDistributed expects (batch, steps, ...) inputs, got rank ${shape.length}` };
    if (onLastAxis(inner)) return rule.inferShape({ layer: inner, inputs });
    const result = rule.inferShape({ layer: inner, inputs: [merged(shape)] });
    if (!result.ok) return result;
    return shapeOk(...result.shapes.map((s) => split(shape, s)));
  },
  layout: ({ layer, inputShapes, inputLayouts, outputShapes }) => {
    const { inner, rule } = wrapped(layer);
    if (onLastAxis(inner)) return rule.layout({ layer: inner, inputShapes, inputLayouts, outputShapes });
    const given = inputLayouts[0]!;
    const rank = inputShapes[0]!.length;
    const liftable = given.kind === "perm" && given.perm[0] === 0 && given.perm[1] === 1;
    const seen = liftable ? lower1(given) : identity(rank - 1);
    let plan = rule.layout({ layer: inner, inputShapes: [merged(inputShapes[0]!)], inputLayouts: [seen], outputShapes: outputShapes.map((s) => merged(s)) });
    if (plan.outputs.some((l) => l.kind === "flat")) {
      // A Flatten of channels-first features per step: flatten them in Keras' order instead (a flat
      // layout cannot be split back into steps).
      plan = rule.layout({ layer: inner, inputShapes: [merged(inputShapes[0]!)], inputLayouts: [identity(rank - 1)], outputShapes: outputShapes.map((s) => merged(s)) });
      return { inputs: [identity(rank)], outputs: plan.outputs.map((l) => lift(l)!) };
    }
    const needed = plan.inputs[0] ?? null;
    // What the inner layer needs, lifted; a tensor whose steps are not second is put in Keras order first.
    const input = needed !== null ? lift(needed) : liftable ? null : identity(rank);
    return { inputs: [input], outputs: plan.outputs.map((l) => lift(l)!) };
  },
  lower: ({ layer, inputShapes, outputShapes, inputLayouts, outputLayouts }): LowerResult => {
    const { inner, rule } = wrapped(layer);
    if (onLastAxis(inner)) return relocate(rule.lower({ layer: inner, inputShapes, outputShapes, inputLayouts, outputLayouts }));
    const result = rule.lower({
      layer: inner,
      inputShapes: [merged(inputShapes[0]!)],
      outputShapes: outputShapes.map((s) => merged(s)),
      inputLayouts: [lower1(inputLayouts[0]!)],
      outputLayouts: outputLayouts.map((l) => lower1(l)),
    });
    if (!result.ok) return result;
    if (result.lowering.steps?.length) throw new ConfigError(`TimeDistributed around \`${inner.kerasClass}\` is not supported yet`);
    const steps = inputShapes[0]![1];
    const flat = mapExpr(result.lowering.forward, (e) => (e.k === "input" && e.index === 0 ? method(input(), "flatten", [lit(0), lit(1)]) : undefined));
    const count: PyExpr = steps === null ? { k: "subscript", obj: { k: "attr", obj: input(), name: "shape" }, index: lit(1) } : lit(steps!);
    const forward = method(flat, "unflatten", [lit(0), { k: "tuple", items: [lit(-1), count] }]);
    return relocate({ ok: true, lowering: { ...result.lowering, forward } });
  },
};

/** The wrapped layer's variables sit under `layer/` in Keras 3 files. */
function relocate(result: LowerResult): LowerResult {
  if (!result.ok) return result;
  const weights = result.lowering.weights.map((w) => ({ ...w, keras3Subpath: `layer/${w.keras3Subpath ?? `vars/${w.kerasIndex}`}` }));
  return { ok: true, lowering: { ...result.lowering, weights } };
}

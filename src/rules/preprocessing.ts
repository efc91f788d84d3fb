// Numeric preprocessing layers: Normalization → the generated KerasNormalization module.
// Keras 3.15.1, keras/src/layers/preprocessing/normalization.py: the statistics are kept per axis of
// `axis` (the last by default) and broadcast over the others; an adapted layer saves `mean`, `variance`
// (and an integer `count`, which the computation does not use).
import { identity, normalizeAxis, torchShape } from "../ir/layout.js";
import type { ConfigValue, PyExpr, WeightEntry } from "../ir/types.js";
import type { LayerRule } from "./types.js";
import { ConfigError, callModule, input, lit, shapeOk } from "./util.js";

function keptAxes(value: ConfigValue, rank: number): number[] {
  const list = value === null ? [] : Array.isArray(value) ? value : [value];
  if (!list.every((a) => typeof a === "number" && Number.isInteger(a))) throw new ConfigError("`axis` must be an int, a tuple of ints or None");
  return [...new Set((list as number[]).map((a) => normalizeAxis(a, rank)))].sort((a, b) => a - b);
}

/** A constant mean or variance from the source: a number, or values as Keras broadcasts them. */
function constant(value: ConfigValue, key: string, size: number): PyExpr {
  if (typeof value === "number") return { k: "float", value };
  const flat = (v: ConfigValue): number[] => (Array.isArray(v) ? v.flatMap(flat) : typeof v === "number" ? [v] : []);
  const values = flat(value);
  if (!Array.isArray(value) || values.length === 0) throw new ConfigError(`\`${key}\` must be a number or a list of numbers`);
  if (values.length !== size && values.length !== 1) throw new ConfigError(`\`${key}\` has ${values.length} values for ${size} normalized features`);
  return { k: "list", items: values.map((v) => ({ k: "float", value: v }) as PyExpr) };
}

export const normalizationRule: LayerRule = {
  name: "normalization",
  kerasClasses: ["Normalization"],
  summary: "the generated `KerasNormalization`: adapted statistics as buffers from the file, or the source's `mean=`/`variance=` constants; `invert`",
  signature: () => ({ params: [{ name: "axis", default: -1 }, { name: "mean", default: null }, { name: "variance", default: null }, { name: "invert", default: false }] }),
  inferShape: ({ layer, inputs }) => {
    const shape = inputs[0]!;
    const kept = keptAxes(layer.config.axis ?? null, shape.length);
    if (kept.some((a) => a <= 0 || a >= shape.length || shape[a] === null)) throw new ConfigError("the normalized axes must exist and have known sizes");
    if ((layer.config.mean === null) !== (layer.config.variance === null)) throw new ConfigError("give both `mean` and `variance`, or neither");
    return shapeOk(shape);
  },
  // Elementwise with per-feature statistics: any layout, the buffers shaped for it (not after a flatten).
  layout: ({ inputLayouts, inputShapes }) => (inputLayouts[0]!.kind === "flat" ? { inputs: [identity(inputShapes[0]!.length)], outputs: [identity(inputShapes[0]!.length)] } : { inputs: [null], outputs: [inputLayouts[0]!] }),
  lower: ({ layer, inputShapes, inputLayouts }) => {
    const shape = inputShapes[0]!;
    const rank = shape.length;
    const layout = inputLayouts[0]!;
    if (layout.kind !== "perm") throw new ConfigError("Normalization after a flattened channels-first tensor is not supported yet");
    const kept = keptAxes(layer.config.axis ?? null, rank);
    const keras = shape.map((d, i) => (kept.includes(i) ? d! : 1));
    const broadcast = torchShape(keras, layout);
    const size = kept.reduce((n, a) => n * shape[a]!, 1);
    const kwargs: [string, PyExpr][] = [];
    const given = layer.config.mean !== null && layer.config.mean !== undefined;
    if (given) {
      // The constants list the normalized features in Keras' axis order: the buffer must keep that order.
      const order = kept.map((a) => layout.perm.indexOf(a));
      if (order.some((p, i) => i > 0 && p < order[i - 1]!)) throw new ConfigError("`mean=`/`variance=` over several axes whose order the channels-first layout changes is not supported yet");
      kwargs.push(["mean", constant(layer.config.mean!, "mean", size)], ["variance", constant(layer.config.variance!, "variance", size)]);
    }
    if (layer.config.invert === true) kwargs.push(["invert", lit(true)]);
    const statShape = kept.map((a) => shape[a]!);
    const weights: WeightEntry[] = given
      ? []
      : (["mean", "variance"] as const).map((name, i) => ({
          kerasIndex: i,
          kerasName: name,
          kerasShape: statShape,
          param: name,
          transforms: [{ op: "reshape" as const, shape: broadcast as number[] }],
          trainable: false as const,
        }));
    // The adapted sample count is saved too; the computation does not use it.
    if (!given) weights.push({ kerasIndex: 2, kerasName: "count", kerasShape: [], param: "count", transforms: [], trainable: false, unused: true });
    const ctor = { ctor: "KerasNormalization", args: [{ k: "tuple", items: (broadcast as number[]).map((d) => lit(d)) } as PyExpr], kwargs };
    return { ok: true, lowering: { module: ctor, forward: callModule(input()), weights, constants: [] } };
  },
};

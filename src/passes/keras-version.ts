// The Keras whose definitions a source follows. A model trained with Keras 2 must be compiled with
// Keras 2's definitions wherever Keras 3 changed them (`--keras-version 2`); saved files get the same
// from their `keras_version` (src/frontend/keras-config.ts). Without the flag a file that spells
// something only Keras 2 has gets one info line suggesting it.
import type { ConfigValue, Diagnostic, GraphNode, LayerDef, Program } from "../ir/types.js";
import { keras2Defaults, type KerasVersion } from "../frontend/keras-config.js";

/** `--keras-version`: `2`, `3`, or a release such as `2.2` (Keras ≤ 2.2 had other recurrent defaults). */
export function parseKerasVersion(text: string): KerasVersion | null {
  const m = /^\s*([23])(?:\.(\d+))?\s*$/.exec(text);
  if (!m) return null;
  return { major: Number(m[1]) as 2 | 3, minor: m[2] === undefined ? (m[1] === "2" ? 15 : 0) : Number(m[2]), text: text.trim() };
}

/** Activation arguments whose value names a Keras activation. */
const ACTIVATION_KEYS = ["activation", "recurrent_activation"];

/** Ops whose Keras 3 definition differs from Keras 2's, and the spelling of Keras 2's. */
const KERAS2_OPS: Record<string, { rule: string; qualifiedName: string }> = {
  hard_sigmoid: { rule: "keras2_hard_sigmoid", qualifiedName: "keras.backend.hard_sigmoid" },
};

export function kerasVersionPass(program: Program, version: KerasVersion | undefined): { program: Program; diagnostics: Diagnostic[] } {
  if (!version) return { program, diagnostics: hint(program) };
  if (version.major === 3) return { program, diagnostics: [] };
  const layers = new Map<number, LayerDef>();
  for (const [id, layer] of program.layers) layers.set(id, keras2Layer(layer, version));
  const nodes = new Map<number, GraphNode>();
  for (const [id, node] of program.nodes) {
    const keras2 = node.op.kind === "op" ? KERAS2_OPS[node.op.rule] : undefined;
    nodes.set(id, keras2 && node.op.kind === "op" ? { ...node, op: { ...node.op, ...keras2 } } : node);
  }
  return { program: { ...program, layers, nodes }, diagnostics: [] };
}

function keras2Layer(layer: LayerDef, version: KerasVersion): LayerDef {
  const config: Record<string, ConfigValue> = { ...layer.config };
  // Defaults Keras 2 had (Keras ≤ 2.2's recurrent ones), where the source left the argument out.
  for (const [key, value] of Object.entries(keras2Defaults(layer.kerasClass, version))) {
    if (!(key in layer.argRanges) && key in config) config[key] = value as ConfigValue;
  }
  // Keras 2's hard_sigmoid is clip(0.2x + 0.5, 0, 1); Keras 3's is relu6(x + 3) / 6.
  for (const key of ACTIVATION_KEYS) if (config[key] === "hard_sigmoid") config[key] = "keras2_hard_sigmoid";
  return { ...layer, config };
}

/** One info line for a file that spells something only Keras 2 has. */
function hint(program: Program): Diagnostic[] {
  const first = program.keras2Spellings[0];
  if (!first) return [];
  const changed = [...program.layers.values()].some((l) => ACTIVATION_KEYS.some((k) => l.config[k] === "hard_sigmoid")) || [...program.nodes.values()].some((n) => n.op.kind === "op" && n.op.rule in KERAS2_OPS);
  return [
    {
      severity: "info",
      code: "keras-version",
      message:
        (first.keras2 ? `\`${first.spelling}\` is a Keras 1 spelling, which Keras 2 read as \`${first.keras2}\`` : `\`${first.spelling}\` is a Keras 2 spelling`) +
        `; this file is compiled with Keras 3's definitions. If the model was trained with Keras 2, ` +
        `compile it with --keras-version 2${changed ? " (it uses `hard_sigmoid`, which Keras 3 defines differently)" : ""}`,
      range: first.range,
    },
  ];
}

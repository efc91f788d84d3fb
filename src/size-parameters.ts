// Sizes a file computes from its data (`num_classes = len(class_names)`, `vocab_size = len(vocab) + 1`).
// The evaluator cannot know them; the user can give them three ways, each named in the diagnostics:
//   1. `--set NAME=VALUE` (or the config file): the value is used as if the file said it;
//   2. the generated class takes the size as a constructor parameter, when it is a plain size the
//      module is built from: its default is the value given, or none;
//   3. `--weights FILE`: the shapes stored in a Keras-saved file of this model fill in the sizes the
//      source leaves unknown (the Embedding's table gives `vocab_size`).
//
// Whether a size is a plain one is found by lowering the file twice with two different values for it:
// the two results must differ only in that number, and only where a constructor argument can take a
// name (the submodules built in `__init__`) or a shape can say "any size" (the Keras shapes of inputs,
// outputs and weights). A size that also reaches `forward`, a weight transform, a loop or a derived
// number (`2 * num_classes`) is baked in instead, and the diagnostic says why.
import type { CompileOptions, CompileResult } from "./compile.js";
import type { Diagnostic, MethodIR, Program, PyExpr, SourceRange, TorchModel } from "./ir/types.js";

/** A program lowered to its PyTorch classes, before any file is printed. */
export interface LoweredFile {
  program: Program;
  entryFound: boolean;
  diagnostics: Diagnostic[];
  /** Classes in file order: nested models before the classes that use them, roots in source order. */
  ordered: TorchModel[];
  primaryClass: string;
  /** The result when the file builds no model (`ordered` is empty). */
  empty?: CompileResult;
}

/** The variable shapes of a Keras-saved weights file (`--weights`), read by src/cli/weight-shapes.ts. */
export interface WeightShapes {
  /** The file as the user named it, for diagnostics. */
  file: string;
  format: "keras3" | "legacy";
  /** Keras 3: every variable's shape by its path (`layers/embedding/vars/0`). */
  paths: Record<string, number[]>;
  /** Legacy `.h5`: each layer's weight shapes in `weight_names` order, by layer name. */
  layers: Record<string, number[][]>;
}

type Lower = (set: Record<string, string>) => LoweredFile;

/** A size taken in two lowerings: `kept` in the one that is emitted, `other` in the comparison. */
interface SizeProbe {
  name: string;
  kept: number;
  other: number;
  /** Whether `kept` is the user's value (the parameter's default) or only a probe (no default). */
  given: boolean;
  /** How the value was given, for the diagnostic. */
  origin: "set" | "weights" | "none";
}

// Probe values: primes far from the sizes a model file writes, distinct per name, so that a number in
// the output is traced to one size and no arithmetic on another size produces it by accident.
const PROBES = [7919, 7927, 7933, 7937, 7949, 7951, 7963, 7993, 8009, 8011, 8017, 8039];
const OTHER_PROBES = [8053, 8059, 8069, 8081, 8087, 8089, 8093, 8101, 8111, 8117, 8123, 8147];
const MAX_SIZES = PROBES.length;

const diagnosticKey = (d: Diagnostic) => `${d.range.line}:${d.range.column}:${d.code}:${d.message}`;

/** Names a size parameter cannot take in the generated `__init__`. */
const RESERVED = new Set(["self", "nn", "F", "torch", "math", "super"]);

export function withSizeParameters(lower: Lower, options: CompileOptions): LoweredFile {
  const given = options.set ?? {};
  const first = lower(given);
  const unknownSizes = dataDependentSizes(first.program).filter((name) => !(name in given));
  const intGiven = Object.keys(given).filter((name) => /^\s*\d+\s*$/.test(given[name]!));
  if (!unknownSizes.length && !intGiven.length) return first;

  const notes: Diagnostic[] = [];
  const set = { ...given };
  const origin = new Map<string, SizeProbe["origin"]>(intGiven.map((n) => [n, "set"]));
  const refused = new Map<string, string>();
  // A variable is a size only if a number in its place breaks nothing else: `len(class_names)` makes
  // `class_names` unknown too, but a number is no list of names. Each is tried on its own first.
  const errorsBefore = new Set(first.diagnostics.filter((d) => d.severity === "error").map(diagnosticKey));
  const newError = (lowered: LoweredFile[]) => lowered.flatMap((l) => l.diagnostics).find((d) => d.severity === "error" && !errorsBefore.has(diagnosticKey(d)));
  let unknowns = unknownSizes.slice(0, MAX_SIZES).filter((name) => !newError([lower({ ...given, [name]: String(PROBES[0]) })]));

  // Way 3: the weights file's shapes give what the source leaves unknown.
  if (options.weightShapes && unknowns.length) {
    const probe = lower({ ...set, ...Object.fromEntries(unknowns.map((n, i) => [n, String(PROBES[i])])) });
    unknowns.forEach((name, i) => {
      const found = sizeFromWeights(probe.ordered, PROBES[i]!, options.weightShapes!);
      const at = neededAt(first.program, name);
      if ("value" in found) {
        set[name] = String(found.value);
        origin.set(name, "weights");
        notes.push({ severity: "info", code: "size-from-weights", message: `\`${name}\` = ${found.value}, read from ${options.weightShapes!.file}: axis ${found.axis} of ${found.tensor}`, range: at });
      } else {
        notes.push({ severity: "info", code: "size-from-weights", message: `--weights ${options.weightShapes!.file} does not give \`${name}\`: ${found.problem}`, range: at });
      }
    });
    unknowns = unknowns.filter((name) => !(name in set));
  }

  // Way 2: constructor parameters. Each round lowers the file with two values per candidate; a
  // candidate refused in a round is dropped (a given value is then built in, a missing one stays an
  // error) and the round is run again without it.
  let candidates = [...origin.keys(), ...unknowns];
  for (let round = 0; round < 3 && candidates.length; round++) {
    const probes: SizeProbe[] = candidates.map((name, i) => {
      const value = name in set ? Number(set[name]) : null;
      // A given value equal to its probe could not be told apart from it.
      const other = value === PROBES[i] ? OTHER_PROBES[i]! : value === null ? OTHER_PROBES[i]! : PROBES[i]!;
      return { name, kept: value ?? PROBES[i]!, other, given: value !== null, origin: origin.get(name) ?? "none" };
    });
    const kept = lower({ ...set, ...Object.fromEntries(probes.map((p) => [p.name, String(p.kept)])) });
    const other = lower({ ...set, ...Object.fromEntries(probes.map((p) => [p.name, String(p.other)])) });
    // Probes that are fine alone may still fail together: then none without a value is a parameter.
    const broken = newError([kept, other]);
    const result = broken
      ? { lowered: kept, parameters: new Map(), refused: new Map(probes.filter((p) => !p.given).map((p) => [p.name, `a number in its place makes the model fail elsewhere (${broken.message.slice(0, 120)})`])) }
      : parameterise(kept, other, probes);
    if (!result.refused.size) return finish(result.lowered, result.parameters, notes, first.program);
    for (const [name, reason] of result.refused) refused.set(name, reason);
    candidates = candidates.filter((name) => !result.refused.has(name));
  }
  // Sizes that stay unknown: their errors stand, saying why they could not be parameters.
  const plain = lower(set);
  plain.diagnostics = explainRefusals(plain.diagnostics, plain.program, refused);
  for (const name of origin.keys()) {
    if (refused.has(name)) notes.push({ severity: "info", code: "size-parameter", message: `\`${name}\` = ${set[name]} is built into the generated classes, not a constructor parameter: ${refused.get(name)}`, range: neededAt(first.program, name) });
  }
  plain.diagnostics.push(...notes);
  return plain;
}

/**
 * Variables whose data-dependent value a model needed as one number (a layer argument, an input
 * dimension), in the order the file needed them. One a model also needed as a shape or a structure
 * (`input_shape = x.shape[1:]`) is not a size: only `--set` gives it.
 */
function dataDependentSizes(program: Program): string[] {
  const names = [...new Set(program.dataDependent.map((d) => d.variable))];
  return names.filter((name) => program.dataDependent.every((d) => d.variable !== name || d.scalar));
}

function neededAt(program: Program, name: string): SourceRange {
  return program.dataDependent.find((d) => d.variable === name)?.neededAt ?? { file: program.file, line: 1, column: 1, endLine: 1, endColumn: 1 };
}

/** The size `probe` stands for in the weights file: the axis of a mapped tensor it sizes. */
function sizeFromWeights(models: TorchModel[], probe: number, shapes: WeightShapes): { value: number; tensor: string; axis: number } | { problem: string } {
  const found: { value: number; tensor: string; axis: number }[] = [];
  for (const model of models) {
    for (const row of model.tensors) {
      const axis = row.kerasShape.indexOf(probe);
      if (axis < 0) continue;
      const fileShape = shapes.format === "keras3" ? shapes.paths[row.keras3Path] : shapes.layers[row.legacyLayer]?.[row.legacyIndex];
      const tensor = shapes.format === "keras3" ? `\`${row.keras3Path}\`` : `weight #${row.legacyIndex} of layer \`${row.legacyLayer}\``;
      // The other axes must agree, so that the tensor is the one the source means.
      if (!fileShape || fileShape.length !== row.kerasShape.length) continue;
      if (row.kerasShape.some((d, i) => d !== probe && d !== null && d !== fileShape[i])) continue;
      found.push({ value: fileShape[axis]!, tensor, axis });
    }
  }
  if (!found.length) return { problem: "no tensor of the file is shaped by it (is it a weights file of this model?)" };
  const values = [...new Set(found.map((f) => f.value))];
  if (values.length > 1) return { problem: `its tensors disagree (${found.map((f) => `${f.tensor}: ${f.value}`).join(", ")})` };
  return found[0]!;
}

interface Parameterised {
  lowered: LoweredFile;
  /** Per class name: the sizes its `__init__` takes. */
  parameters: Map<string, SizeProbe[]>;
  refused: Map<string, string>;
}

/** Where a number sits in a lowered class, for what may replace it. */
interface Place {
  /** The class's own field the number is under (`cls`, `submodules`, `tensors`, `statements`...). */
  top: string;
  /** Under `cls`: the method. */
  method?: string;
  /** A constructor argument in `__init__` (a name may replace it) or a Keras shape (`None` may). */
  kind: "init" | "shape" | "other";
}

/**
 * Compares two lowerings that differ only in the probed sizes, and replaces each size in `kept` by its
 * name where that is sound. A size found anywhere else is refused, with the reason.
 */
function parameterise(kept: LoweredFile, other: LoweredFile, probes: SizeProbe[]): Parameterised {
  const refused = new Map<string, string>();
  const refuse = (name: string, reason: string) => refused.has(name) || refused.set(name, reason);
  const refuseAll = (reason: string) => probes.forEach((p) => refuse(p.name, reason));
  const parameters = new Map<string, SizeProbe[]>();
  if (kept.ordered.length !== other.ordered.length || kept.ordered.some((m, i) => m.className !== other.ordered[i]!.className)) {
    refuseAll("the classes the file builds depend on it");
    return { lowered: kept, parameters, refused };
  }
  const roots = new Set(kept.program.roots.map((r) => r.modelId));
  const probeOf = (a: unknown, b: unknown, place: Place) => {
    const probe = probes.find((p) => p.kept === a && p.other === b);
    if (!probe) refuseAll(`a number computed from it ${placeText(place)} is not the size itself`);
    return probe;
  };

  const walkClass = (model: TorchModel, otherModel: TorchModel): { model: TorchModel; uses: Set<string> } => {
    const uses = new Set<string>();
    const walk = (a: unknown, b: unknown, place: Place): unknown => {
      if (typeof a === "number" && typeof b === "number") {
        if (a === b) return a;
        const probe = probeOf(a, b, place);
        if (probe && place.kind === "shape") return probe.given ? a : null;
        if (probe) refuse(probe.name, `it is used ${placeText(place)}, not only as a constructor argument`);
        return a;
      }
      if (Array.isArray(a) && Array.isArray(b)) {
        if (a.length === b.length) return a.map((x, i) => walk(x, b[i], place));
        refuseAll(`the structure ${placeText(place)} depends on it`);
        return a;
      }
      if (a && b && typeof a === "object" && typeof b === "object") {
        const ea = a as Record<string, unknown>;
        const eb = b as Record<string, unknown>;
        // An integer constant in `__init__` becomes the parameter's name.
        if (place.kind === "init" && ea.k === "lit" && eb.k === "lit" && typeof ea.value === "number" && typeof eb.value === "number" && ea.value !== eb.value) {
          const probe = probeOf(ea.value, eb.value, place);
          if (!probe) return a;
          if (!roots.has(model.modelId)) refuse(probe.name, `it sizes the nested model \`${model.className}\``);
          uses.add(probe.name);
          return { k: "name", name: probe.name } satisfies PyExpr;
        }
        const keys = Object.keys(ea);
        if (keys.length !== Object.keys(eb).length || keys.some((k) => !(k in eb))) {
          refuseAll(`the structure ${placeText(place)} depends on it`);
          return a;
        }
        const out: Record<string, unknown> = {};
        for (const key of keys) out[key] = walk(ea[key], eb[key], inner(place, ea, key));
        return out;
      }
      if (a !== b) refuseAll(`${placeText(place)} depends on it`);
      return a;
    };
    const out: Record<string, unknown> = {};
    const ea = model as unknown as Record<string, unknown>;
    const eb = otherModel as unknown as Record<string, unknown>;
    for (const key of Object.keys(ea)) out[key] = walk(ea[key], eb[key], { top: key, kind: key === "submodules" ? "init" : "other" });
    return { model: out as unknown as TorchModel, uses };
  };

  const ordered = kept.ordered.map((model, i) => {
    const { model: substituted, uses } = walkClass(model, other.ordered[i]!);
    const init = substituted.cls.methods.find((m) => m.name === "__init__");
    for (const name of uses) {
      if (RESERVED.has(name) || init?.params.some((p) => p.name === name)) refuse(name, `\`${model.className}.__init__\` already has a parameter or name \`${name}\``);
    }
    if (!uses.size || !init) return substituted;
    const params = probes.filter((p) => uses.has(p.name));
    parameters.set(model.className, params);
    return withInitParameters(substituted, init, params);
  });
  return { lowered: { ...kept, ordered }, parameters, refused };
}

/** The place one level down: `__init__`'s body, or the Keras shape of an input, output or weight. */
function inner(place: Place, node: Record<string, unknown>, key: string): Place {
  if (place.top === "cls" && place.method === undefined && typeof node.name === "string" && "body" in node) {
    return { ...place, method: node.name, kind: node.name === "__init__" && key === "body" ? "init" : "other" };
  }
  if (key === "kerasShape" && (place.top === "inputs" || place.top === "outputs" || place.top === "tensors")) return { ...place, kind: "shape" };
  return place;
}

function placeText(place: Place): string {
  if (place.method) return `in \`${place.method}\``;
  const where: Record<string, string> = { statements: "in `forward`", returns: "in `forward`", tensors: "in the weight mapping", constants: "in a constant buffer", taps: "in the layer table" };
  return where[place.top] ?? `in the class's ${place.top}`;
}

function withInitParameters(model: TorchModel, init: MethodIR, params: SizeProbe[]): TorchModel {
  const added = params.map((p) => (p.given ? { name: p.name, default: { k: "lit", value: p.kept } as PyExpr } : { name: p.name }));
  // Parameters without a default come before those with one.
  const required = [...init.params.filter((p) => !p.default), ...added.filter((p) => !p.default)];
  const optional = [...init.params.filter((p) => p.default), ...added.filter((p) => p.default)];
  const methods = model.cls.methods.map((m) => (m === init ? { ...m, params: [...required, ...optional] } : m));
  return { ...model, cls: { ...model.cls, methods } };
}

function finish(lowered: LoweredFile, parameters: Map<string, SizeProbe[]>, notes: Diagnostic[], first: Program): LoweredFile {
  const diagnostics = [...lowered.diagnostics, ...notes];
  for (const [className, params] of parameters) {
    const model = lowered.ordered.find((m) => m.className === className)!;
    for (const p of params) {
      const range = first.dataDependent.find((d) => d.variable === p.name)?.neededAt ?? lowered.program.models.get(model.modelId)!.range;
      const from = p.origin === "set" ? `--set ${p.name}=${p.kept}` : p.origin === "weights" ? "--weights" : null;
      diagnostics.push(
        from
          ? { severity: "info", code: "size-parameter", message: `\`${className}\` takes \`${p.name}\` as a constructor parameter (default ${p.kept}, from ${from})`, range }
          : {
              severity: "warning",
              code: "size-parameter",
              message: `\`${p.name}\` is computed from data at run time, so \`${className}\` takes it as a constructor parameter with no default; give a default with --set ${p.name}=VALUE or --weights FILE (a Keras-saved file of this model)`,
              range,
            },
      );
    }
  }
  diagnostics.sort((a, b) => a.range.file.localeCompare(b.range.file) || a.range.line - b.range.line || a.range.column - b.range.column);
  return { ...lowered, diagnostics };
}

/** Appends to each size's unknown-value error why it could not become a constructor parameter. */
function explainRefusals(diagnostics: Diagnostic[], program: Program, refused: Map<string, string>): Diagnostic[] {
  return diagnostics.map((d) => {
    const entry = program.dataDependent.find((x) => x.neededAt === d.range && refused.has(x.variable));
    return d.code === "unknown-value" && entry ? { ...d, message: `${d.message} (it cannot be a constructor parameter: ${refused.get(entry.variable)})` } : d;
  });
}

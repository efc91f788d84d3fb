// The library API: compile one Keras source file into PyTorch files, diagnostics and the mapping.
import { posix } from "node:path";
import { renderModuleFile, renderWeightsFile } from "./emit/files.js";
import { layoutShape } from "./emit/view.js";
import type { ModuleResolver } from "./frontend/evaluate.js";
import { SourceFile } from "./frontend/parse.js";
import { buildProgram } from "./frontend/program.js";
import type { KerasSourceOption } from "./frontend/keras-source.js";
import type { SavedModel } from "./frontend/saved-file.js";
import { buildSavedProgram } from "./frontend/saved-model.js";
import { isIdentity } from "./ir/layout.js";
import { classOrder } from "./ir/models.js";
import type { Diagnostic, LayerTap, Layout, Program, TensorMapping, TorchValue } from "./ir/types.js";
import { layoutPass, type IoLayout } from "./passes/layout.js";
import { lowerModels } from "./passes/lower.js";
import { pascalCase } from "./passes/names.js";
import { kerasVersionPass, parseKerasVersion } from "./passes/keras-version.js";
import { stringBoundaryPass } from "./passes/string-boundary.js";
import { withSizeParameters, type LoweredFile, type WeightShapes } from "./size-parameters.js";
import { boundaryRecipe, lookupVocabulary, vocabularySource } from "./rules/lookup.js";
import type { ManifestLayer, ManifestModel, ManifestValue } from "./manifest.js";
import { fileMapping, type FileMapping } from "./weights/mapping.js";

export type { ManifestLayer, ManifestModel, ManifestValue } from "./manifest.js";

export interface CompileOptions {
  /** The file's path relative to its input root, with `/` (e.g. `a/b.py`); used in comments and messages. */
  path: string;
  /** `--entry`: a module-level name or a builder call. */
  entry?: string;
  /** Resolves imports of other files of the input set; by default nothing resolves. */
  resolver?: ModuleResolver;
  /** `keras` keeps Keras' axis order (NHWC) at each class's inputs and outputs; default channels-first. */
  ioLayout?: IoLayout;
  /**
   * `--input-shape`: shapes (batch axis included, as `null`) for a model the file never builds — a
   * subclassed model that is never called or built, a Sequential without an input shape.
   */
  inputShapes?: (number | null)[][];
  /**
   * `--set NAME=VALUE`: Python literals (as text) for names whose values the file computes from data
   * (`num_classes = len(class_names)`); every binding of NAME in the file takes the value.
   */
  set?: Record<string, string>;
  /**
   * The Keras source tree (`{ root: ".../site-packages/keras" }`) that `keras.applications.*` is compiled
   * from, or the reason none was found (`locateKeras` finds one); without it an application is an error.
   */
  keras?: KerasSourceOption;
  /**
   * `--weights FILE`: the variable shapes of a Keras-saved file of this model, which give the sizes the
   * source computes from data (src/size-parameters.ts; read by `readWeightShapes`).
   */
  weightShapes?: WeightShapes;
  /**
   * `--keras-version`: the Keras whose definitions the source follows, `2` or `3` (the default), or a
   * Keras 2 release such as `2.2`. Where Keras 3 changed a definition (`hard_sigmoid`), a model trained
   * with Keras 2 is compiled with Keras 2's.
   */
  kerasVersion?: string;
  /**
   * `--standalone-weights`: the weights script carries the weights runtime itself. By default it loads
   * the shared `keras2torch_runtime.py` (see `renderRuntimeFile`) from the root of the output tree, which
   * is `path`'s root: `a/b_weights.py` looks for `../keras2torch_runtime.py`.
   */
  standaloneWeights?: boolean;
  /**
   * Only the weights mapping is wanted (`keras2torch weights`): the module and the weights script are
   * not printed, and the result's `files` hold empty texts. Everything else is the same.
   */
  mappingOnly?: boolean;
}

export interface CompileResult {
  /** Generated files by path relative to the output folder: the module and its weights script. */
  files: { path: string; text: string }[];
  diagnostics: Diagnostic[];
  models: ManifestModel[];
  /** The weight mapping per generated class. */
  mapping: Record<string, TensorMapping[]>;
  /** Per graph-built class: its top-level layer calls and the forward statements that compute them (for `verify`). */
  layers: Record<string, ManifestLayer[]>;
  /** Whether `options.entry` named a model in this file. */
  entryFound: boolean;
  /** The weights script's mapping tables, as data (src/weights/mapping.ts); absent when nothing was generated. */
  weights?: FileMapping;
}

const noImports: ModuleResolver = { resolve: () => null };

/**
 * Compiles one file. Never throws: every input gets diagnostics. A limit of the compiler is a located
 * `resource-limit`; an unexpected exception (a keras2torch bug) is caught here as the last safety net and
 * becomes an `internal-error` diagnostic.
 */
export function compile(text: string, options: CompileOptions): CompileResult {
  try {
    return compileFile(text, options);
  } catch (error) {
    return internalError(typeof options?.path === "string" ? options.path : "<input>", error);
  }
}

function compileFile(text: string, options: CompileOptions): CompileResult {
  const source = new SourceFile(options.path, text);
  const extra: Diagnostic[] = [];
  // An `--entry` over a parser limit (5,000 nested parentheses) says so, located in the entry.
  if (options.entry !== undefined) extra.push(...new SourceFile("<--entry>", options.entry).syntaxErrors().filter((d) => d.code === "resource-limit"));
  // The pipeline: parse → evaluate into the IR → layout pass → lowering → printing. Sizes the file
  // computes from data may take more than one lowering (src/size-parameters.ts).
  const version = options.kerasVersion === undefined ? undefined : parseKerasVersion(options.kerasVersion);
  if (version === null) {
    extra.push({ severity: "error", code: "keras-version", message: `--keras-version ${options.kerasVersion}: give 2, 3 or a Keras release such as 2.2`, range: { file: options.path, line: 1, column: 1, endLine: 1, endColumn: 1 } });
  }
  const lowerWith = (set: Record<string, string>): LoweredFile => {
    const built = buildProgram(source, options.resolver ?? noImports, { entry: options.entry, inputShapes: options.inputShapes, set, keras: options.keras });
    const versioned = kerasVersionPass(built.program, version ?? undefined);
    return lowerProgram(versioned.program, built.entryFound, built.modelVariables, [...extra, ...versioned.diagnostics], options, options.path, built.noModelHint);
  };
  const lowered = withSizeParameters(lowerWith, options);
  return lowered.ordered.length ? emitLowered(lowered, options, options.path) : lowered.empty!;
}

export interface SavedCompileOptions {
  /** The saved file's path relative to its input root, with `/` (e.g. `a/b.keras`); the file of its diagnostics. */
  path: string;
  /** The module's path relative to the output folder (`a/b.py`); the weights script sits next to it. */
  modulePath: string;
  ioLayout?: IoLayout;
  /** See CompileOptions.standaloneWeights. */
  standaloneWeights?: boolean;
  /** See CompileOptions.mappingOnly. */
  mappingOnly?: boolean;
}

/**
 * Compiles the architecture stored in a saved model file (read by `readSavedModel`) into the same
 * module and weights script as its source would give. Never throws, like `compile`.
 */
export function compileSaved(saved: SavedModel, options: SavedCompileOptions): CompileResult {
  try {
    const stem = posix.basename(options.modulePath).replace(/\.py$/, "");
    const { program, entryFound, modelVariables, version } = buildSavedProgram(saved, { path: options.path, stem });
    const extra: Diagnostic[] = [];
    extra.push({
      severity: "info",
      code: "saved-model",
      message: `compiled from the architecture stored in the file (${saved.format === "keras-zip" ? "config.json" : "model_config"}), with the semantics of Keras ${version.major}${version.text ? ` (the file was saved by Keras ${version.text})` : " (the file does not say which Keras saved it)"}`,
      range: { file: options.path, line: 1, column: 1, endLine: 1, endColumn: 1 },
    });
    const compileOptions = { path: options.path, ioLayout: options.ioLayout, standaloneWeights: options.standaloneWeights, mappingOnly: options.mappingOnly };
    const lowered = lowerProgram(program, entryFound, modelVariables, extra, compileOptions, options.modulePath);
    return lowered.ordered.length ? emitLowered(lowered, compileOptions, options.modulePath) : lowered.empty!;
  } catch (error) {
    return internalError(options.path, error);
  }
}

function internalError(path: string, error: unknown): CompileResult {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    files: [],
    diagnostics: [
      {
        severity: "error",
        code: "internal-error",
        message: `keras2torch failed on this file (${detail.slice(0, 500)}); please report it`,
        range: { file: path, line: 1, column: 1, endLine: 1, endColumn: 1 },
      },
    ],
    models: [],
    mapping: {},
    layers: {},
    entryFound: false,
  };
}

/** The frontend and the passes, up to the PyTorch classes (none, and `empty`, when the file builds no model). */
function lowerProgram(
  program: Program,
  entryFound: boolean,
  modelVariables: Map<number, string>,
  extra: Diagnostic[],
  options: CompileOptions,
  modulePath: string,
  noModelHint: string | null = null,
): LoweredFile {
  const diagnostics = [...program.diagnostics, ...extra];
  diagnostics.sort(byPosition);
  if (!program.roots.length) {
    if (!diagnostics.some((d) => d.severity === "error")) {
      diagnostics.push({
        severity: "info",
        code: "no-model",
        message: `no Keras model is built in this file (nothing to translate)${noModelHint ? `; ${noModelHint}` : ""}`,
        range: { file: options.path, line: 1, column: 1, endLine: 1, endColumn: 1 },
      });
    }
    return { program, entryFound, diagnostics, ordered: [], primaryClass: "", empty: { files: [], diagnostics, models: [], mapping: {}, layers: {}, entryFound } };
  }

  const boundary = stringBoundaryPass(program, posix.basename(vocabularyPath(modulePath)));
  program.boundaries = boundary.boundaries;
  diagnostics.push(...boundary.diagnostics);

  const classNames = chooseClassNames(program, modelVariables);
  const layouts = layoutPass(program, options.ioLayout);
  const { models, diagnostics: lowering } = lowerModels({ program, layouts, classNames });
  diagnostics.push(...lowering);
  diagnostics.sort(byPosition);

  // Instances that share an earlier instance's class are not emitted again.
  const ordered = classOrder(program).map((id) => models.get(id)!).filter((m) => m.sameAs === undefined);
  const primaryRoot = program.roots.find((r) => r.primary) ?? program.roots[program.roots.length - 1]!;
  return { program, entryFound, diagnostics, ordered, primaryClass: classNames.get(primaryRoot.modelId)! };
}

const vocabularyPath = (modulePath: string) => modulePath.replace(/\.py$/, "") + "_vocab.json";

/** Prints the module, the weights script and the vocabulary file of lowered classes. */
function emitLowered(lowered: LoweredFile, options: CompileOptions, modulePath: string): CompileResult {
  const { program, ordered, primaryClass, diagnostics, entryFound } = lowered;
  const vocabPath = vocabularyPath(modulePath);
  const weightsPath = modulePath.replace(/\.py$/, "") + "_weights.py";
  const moduleText = options.mappingOnly ? "" : renderModuleFile(ordered, options.path, posix.basename(weightsPath));
  const runtime = { standalone: options.standaloneWeights ?? false, depth: weightsPath.split("/").length - 1 };
  const weightsText = options.mappingOnly ? "" : renderWeightsFile(ordered, primaryClass, posix.basename(modulePath), options.path, posix.basename(weightsPath), runtime);

  const manifestModels: ManifestModel[] = ordered.map((m) => {
    const root = program.roots.find((r) => r.modelId === m.modelId);
    return {
      names: root?.names ?? [m.kerasName],
      class: m.className,
      primary: root?.primary ?? false,
      line: root?.line ?? program.models.get(m.modelId)!.range.line,
      inputs: m.inputs.map((v) => manifestValue(v, true, posix.basename(vocabPath))),
      outputs: m.outputs.map((v) => manifestValue(v, false)),
      keras_classes: m.kerasClasses,
    };
  });
  const vocabText = vocabularyFile(program, ordered);
  return {
    files: [
      { path: modulePath, text: moduleText },
      { path: weightsPath, text: weightsText },
      ...(vocabText ? [{ path: vocabPath, text: vocabText }] : []),
    ],
    diagnostics,
    models: manifestModels,
    mapping: Object.fromEntries(ordered.map((m) => [m.className, m.tensors.filter((row) => !row.unused)])),
    layers: Object.fromEntries(ordered.filter((m) => m.taps).map((m) => [m.className, layerTable(m.taps!)])),
    entryFound,
    weights: fileMapping(ordered, primaryClass),
  };
}

/** The layer table `verify` pairs Keras layers with generated statements by. */
function layerTable(taps: LayerTap[]): ManifestLayer[] {
  return taps.map((tap) => ({
    name: tap.layer,
    class: tap.kerasClass,
    call: tap.call,
    file: tap.file,
    line: tap.line,
    statement: tap.statement,
    outputs: tap.variables.map((variable, i) => {
      const layout = tap.layouts[i]!;
      return layout.kind === "flat" ? { variable, flat: { inner: layout.inner, inner_permute: layout.innerPerm } } : { variable, permute: layout.perm };
    }),
  }));
}

/** Diagnostics in source order: by file, then line, then column. */
function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.range.file.localeCompare(b.range.file) || a.range.line - b.range.line || a.range.column - b.range.column;
}

function manifestValue(value: TorchValue, withDtype: boolean, vocabFile?: string): ManifestValue {
  const out: ManifestValue = {
    name: value.kerasName,
    keras_shape: value.kerasShape,
    torch_shape: layoutShape(value.kerasShape, value.layout),
    permute: permuteOf(value.layout, value.kerasShape.length),
  };
  if (withDtype) out.dtype = value.dtype;
  if (value.boundary && vocabFile) {
    out.boundary = {
      layer: value.boundary.layer,
      class: value.boundary.kerasClass,
      keras_dtype: "string",
      keras_shape: value.boundary.kerasInputShape,
      vocabulary: vocabFile,
      note: `Keras takes strings here; the module takes the ${value.dtype} output of ${value.boundary.kerasClass} \`${value.boundary.layer}\`, which runs in the data pipeline`,
    };
  }
  return out;
}

/**
 * `<stem>_vocab.json`: for each input at the string boundary, the settings of the string layer that the
 * data pipeline must now run, and its vocabulary as Keras' `get_vocabulary()` lists it (index i is the
 * token that maps to i) when the source gives it; null when the layer was adapted (the saved .keras file
 * holds it under `assets/`).
 */
function vocabularyFile(program: Program, models: { modelId: number; className: string; inputs: TorchValue[] }[]): string | null {
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of models) {
    for (const input of m.inputs) {
      const b = program.boundaries?.find((x) => x.modelId === m.modelId && x.inputName === input.kerasName);
      if (!b) continue;
      const layer = program.layers.get(b.layerId)!;
      const vocab = vocabularySource(layer) === "source" ? lookupVocabulary(layer) : null;
      (out[m.className] ??= {})[input.kerasName] = {
        layer: layer.name,
        class: layer.kerasClass,
        keras_dtype: "string",
        keras_shape: b.kerasInputShape,
        output_dtype: input.dtype,
        output_shape: input.kerasShape,
        settings: boundaryRecipe(layer),
        vocabulary: vocab ? vocab.full : null,
        // An adapted layer's vocabulary is in the saved .keras file: the weights script extracts it.
        ...(input.boundary?.vocabulary === "saved" ? { saved_asset: `assets/${input.boundary.kerasPath}/vocabulary.txt` } : {}),
      };
    }
  }
  if (!Object.keys(out).length) return null;
  return JSON.stringify({ version: 1, models: out }, null, 2) + "\n";
}

function permuteOf(layout: Layout, rank: number): number[] {
  if (layout.kind === "perm" && !isIdentity(layout)) return layout.perm;
  return Array.from({ length: rank }, (_, i) => i);
}

/** Keras `name=` in PascalCase, else the variable, else the builder; unique within the file. */
function chooseClassNames(program: Program, variables: Map<number, string>): Map<number, string> {
  const names = new Map<number, string>();
  const taken = new Set<string>(["Module", "F", "nn", "torch"]);
  const claim = (base: string) => {
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
    taken.add(name);
    return name;
  };
  const sorted = [...program.roots].sort((a, b) => a.line - b.line);
  for (const root of sorted) {
    const model = program.models.get(root.modelId)!;
    // A subclassed model keeps its class name; graph-built ones are named after their Keras name or variable.
    // A Keras application is named after its function (`MobileNetV2`), not its generated Keras name.
    const base = model.subclass ? model.subclass.className : model.application ? model.application.name : model.explicitName ? model.name : root.names[0] ?? model.name;
    names.set(root.modelId, claim(pascalCase(base)));
  }
  // Nested models used as layers get classes too.
  const roots = new Set(program.roots.map((r) => r.modelId));
  for (const modelId of classOrder(program).filter((id) => !roots.has(id))) {
    const nested = program.models.get(modelId)!;
    names.set(modelId, nested.subclass ? claim(nested.subclass.className) : claim(pascalCase(nested.application ? nested.application.name : nested.explicitName ? nested.name : variables.get(modelId) ?? nested.name)));
  }
  return names;
}


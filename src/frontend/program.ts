// Frontend entry: evaluate one file of the input set and decide which models it defines.
import type { Program, RootModel } from "../ir/types.js";
import { unknown } from "./builtins.js";
import { Evaluator, type ModuleResolver } from "./evaluate.js";
import { GraphBuilder } from "./graph.js";
import { SourceFile } from "./parse.js";
import type { KerasSourceOption } from "./keras-source.js";
import { modelClasses, noModelHint, type ModelMaker } from "./model-makers.js";
import type { SyntaxNode } from "./syntax.js";
import type { PyValue } from "./values.js";

export interface FrontendOptions {
  /** `--entry`: a module-level name or a builder call, e.g. `build_model(num_classes=10)`. */
  entry?: string;
  /** Input shapes (batch included) for models the file never builds. */
  inputShapes?: (number | null)[][];
  /** `--set NAME=VALUE`: Python literals by name. */
  set?: Record<string, string>;
  /** The Keras source tree `keras.applications.*` is compiled from, or why none was found. */
  keras?: KerasSourceOption;
}

export interface FrontendResult {
  program: Program;
  /** Roots with their preferred class-name source (Keras name, variable, builder). */
  entryFound: boolean;
  /** Names that hint a class name for nested models. */
  modelVariables: Map<number, string>;
  /**
   * For a file that builds no model: what in it would build one given arguments (builders, Model
   * subclasses), as a sentence for the `no-model` info; null when there is nothing to point at.
   */
  noModelHint: string | null;
}

export function buildProgram(source: SourceFile, resolver: ModuleResolver, options: FrontendOptions = {}): FrontendResult {
  const graph = new GraphBuilder(source.path);
  const syntax = source.syntaxErrors();
  if (syntax.length) {
    // Nothing from a file with syntax errors is guessed.
    graph.program.diagnostics.push(...syntax);
    return { program: graph.program, entryFound: false, modelVariables: new Map(), noModelHint: null };
  }
  const evaluator = new Evaluator(graph, source, resolver);
  evaluator.kerasSource = options.keras;
  evaluator.keras.inputShapeGiven = (options.inputShapes?.length ?? 0) > 0;
  evaluator.skipMainGuard = options.entry !== undefined;
  evaluator.entryNames = options.entry?.match(/[A-Za-z_]\w*/g) ?? [];
  for (const [name, text] of Object.entries(options.set ?? {})) {
    const value = evaluator.literal(text);
    if (value) evaluator.overrides.set(name, value);
    else graph.report("error", "unknown-value", `--set ${name}=${text}: the value must be a Python literal (a number, string, tuple, list, dict, True, False or None)`, source.range(source.tree.rootNode.namedChildren[0] ?? source.tree.rootNode));
  }
  const scope = evaluator.runMain();
  const finalize = () => evaluator.guardBudget(() => evaluator.subclasses.finalize());

  const roots = new Map<number, RootModel>();
  // Building a root can run code (a subclass's `call`), under the same evaluation budget.
  const addRoot = (modelId: number, name: string | null): RootModel | null => evaluator.guardBudget(() => buildRoot(modelId, name), null) ?? null;
  const buildRoot = (modelId: number, name: string | null): RootModel | null => {
    // A model the file never builds takes --input-shape, as if the file had built it on that input.
    const unbuilt = graph.program.models.get(modelId);
    if (options.inputShapes?.length && unbuilt?.kind === "subclass" && !unbuilt.subclass!.forward) {
      evaluator.subclasses.buildWith({ t: "model", id: modelId }, options.inputShapes, unbuilt.range);
    }
    const pipeline = options.inputShapes?.length ? null : graph.dataPipelineOnly(modelId);
    if (pipeline) {
      const holds = pipeline === "augmentation" ? "only augmentation layers (the identity at inference)" : "only preprocessing and augmentation layers, none with weights,";
      const does = pipeline === "augmentation" ? "it augments data" : "it prepares data";
      graph.report("warning", "training-only", `\`${name ?? "this Sequential"}\` holds ${holds} and no model uses it: ${does}, so it is not translated (give --input-shape to translate it)`, graph.drafts.get(modelId)!.range);
      return null;
    }
    let model = graph.ensureBuilt(modelId, graph.drafts.has(modelId) ? options.inputShapes : undefined);
    if (model?.kind === "subclass" && !model.subclass!.forward) {
      // A `train_step` wrapper of models the file built (a GAN, a VAE, a distiller).
      const held = evaluator.subclasses.heldModels(modelId);
      const className = model.subclass!.className;
      const fed = held.fedModel && graph.ensureBuilt(held.fedModel.id);
      if (fed?.inputs.length) {
        // Its `call` gives its input straight to a built model: it takes that model's input shape.
        const shapes = fed.inputs.map((id) => [...graph.tensor(id).shape]);
        evaluator.subclasses.buildWith({ t: "model", id: modelId }, shapes, model.range);
        model = graph.ensureBuilt(modelId);
        if (model?.subclass?.forward) {
          const shown = shapes.map((s) => `(${s.map((d) => (d === null ? "None" : d)).join(", ")}${s.length === 1 ? "," : ""})`).join(", ");
          graph.report("info", "inferred-input", `\`${className}\` is never built: it is built on ${shown}, the input of \`self.${held.fedModel!.name}\`, which its \`call\` passes its input to`, model.range);
        }
      } else if (!held.hasCall && held.models.length) {
        // No `call`: it only trains the models it holds; they are the models of the file.
        const names = held.models.map((m) => `\`${m.name}\``).join(", ");
        graph.report("warning", "training-only", `\`${className}\` has no \`call\`: it only trains the models it holds (${names}), which are translated on their own`, model.range);
        for (const m of held.models) if (!roots.has(m.id)) withBuilders(addRoot(m.id, m.name));
        return null;
      }
    }
    if (model?.kind === "subclass" && !model.subclass!.forward) {
      graph.report(
        "error",
        "invalid-model",
        `\`${model.subclass!.className}\` is never built or called, so its input shape is unknown: call \`model.build((None, ...))\` or the model on a \`keras.Input\` in the file, or pass --input-shape (e.g. --input-shape 28,28,1)`,
        model.range,
      );
      return null;
    }
    if (!model || !model.outputs.length) return null; // already reported
    const existing = roots.get(modelId);
    const root = existing ?? { modelId, names: [], primary: false, line: model?.range.line ?? 1 };
    if (name && !root.names.includes(name)) root.names.push(name);
    roots.set(modelId, root);
    return root;
  };
  const withBuilders = (root: RootModel | null) => {
    if (!root) return;
    for (const builder of evaluator.modelBuilders.get(root.modelId) ?? []) if (!root.names.includes(builder)) root.names.push(builder);
    // A subclassed model is also known by its class.
    const className = graph.program.models.get(root.modelId)?.subclass?.className;
    if (className && !root.names.includes(className)) root.names.push(className);
  };

  let entryFound = false;
  let primary: number | null = null;
  /** Builders not called with arguments and (below) Model subclasses, for the `no-model` hint. */
  const makers: ModelMaker[] = [];
  if (options.entry) {
    const entryFile = new SourceFile("<--entry>", options.entry);
    const value = entryFile.syntaxErrors().length
      ? unknown("syntax error in --entry", entryFile.range(entryFile.tree.rootNode))
      : (evaluator.guardBudget(() => evaluator.evalEntry(entryFile, scope)) ?? unknown("evaluation budget exceeded", entryFile.range(entryFile.tree.rootNode)));
    // Why the entry built nothing (a Keras application's argument check, an unknown value) is shown.
    // An entry this file does not define is another input file's (a folder compiled with --entry); the
    // CLI says so when no file defines it (`entry-not-found`).
    const elsewhere = value.t === "unknown" && value.name !== undefined && value.name === /^[A-Za-z_]\w*/.exec(options.entry.trim())?.[0];
    if (value.t === "unknown" && !value.reported && !elsewhere) graph.report("error", "unknown-value", `--entry \`${options.entry}\`: ${value.reason}`, value.range);
    if (value.t === "model") {
      entryFound = true;
      const name = /^[A-Za-z_]\w*$/.test(options.entry.trim()) ? options.entry.trim() : null;
      const root = addRoot(value.id, name);
      withBuilders(root);
      if (root) primary = value.id;
    } else if (value.t === "object") {
      // An object of the file's own class that holds models (`--entry "GAN(latent_dim=100)"`).
      const base = /^[A-Za-z_]\w*/.exec(options.entry.trim())?.[0] ?? "entry";
      for (const [path, id] of heldModels(value, base.toLowerCase(), 0)) {
        entryFound = true;
        withBuilders(addRoot(id, path));
        primary = id;
      }
    }
  }
  if (!entryFound) {
    // Models bound at module level.
    for (const [name, value] of scope.entries()) if (value.t === "model") withBuilders(addRoot(value.id, name));
    // Then those plain objects of the file hold (`gan = DCGAN()` sets `self.generator`): `gan.generator`.
    for (const [name, value] of scope.entries()) for (const [path, id] of heldModels(value, name, 0)) if (!roots.has(id)) withBuilders(addRoot(id, path));
    // Then those a function the module called kept in its locals (a `main()` or `train()`).
    for (const { name, id } of evaluator.localModels) if (!roots.has(id)) withBuilders(addRoot(id, name));
    const moduleEnd = graph.checkpoint();
    // Builders never called whose parameters all have defaults are compiled with those defaults,
    // each as if run right after the module (as a user's `model = build_model()` would be). A
    // function that turns out not to build a model is rolled back: its findings are not ours.
    for (const fn of callersFirst([...evaluator.functions.values()])) {
      // A function that calls no model constructor, model class or builder cannot return a model.
      if (fn.calls > 0 || !evaluator.relevanceOf(source).functionBuilds(fn.node)) continue;
      const value = scope.lookup(fn.name);
      if (value?.t !== "function") continue;
      if (!fn.allDefaults) {
        makers.push({ node: fn.node, failure: null });
        continue;
      }
      const point = evaluator.checkpoint();
      graph.resetNames(moduleEnd.uids);
      const result = evaluator.guardBudget(() => evaluator.callWithDefaults(value, source.range(fn.node))) ?? { t: "none" as const };
      if (result.t === "model") withBuilders(addRoot(result.id, null));
      else {
        evaluator.rollback(point);
        makers.push({ node: fn.node, failure: result.t === "unknown" ? `${result.reason} (line ${result.range.line})` : "it returns no model" });
      }
    }
    const lastAssigned = evaluator.moduleAssignments.filter((a) => roots.has(a.modelId)).pop();
    primary = lastAssigned?.modelId ?? [...roots.keys()].pop() ?? null;
  }
  finalize();
  for (const name of evaluator.overrides.keys()) {
    if (!evaluator.overridden.has(name)) graph.report("warning", "unknown-value", `--set ${name}: the file never binds \`${name}\`, so the value was not used`, source.range(source.tree.rootNode.namedChildren[0] ?? source.tree.rootNode));
  }
  for (const root of roots.values()) {
    root.primary = root.modelId === primary;
    graph.program.roots.push(root);
  }
  const hint = roots.size || options.entry ? null : (unimportedKeras(source, scope) ?? noModelHint([...modelClasses(source.tree.rootNode), ...makers]));
  return { program: graph.program, entryFound, modelVariables: evaluator.modelVariables, noModelHint: hint };
}

/** The models a plain object holds in its attributes, and in their objects in turn, by attribute path. */
function heldModels(value: PyValue, path: string, depth: number): [string, number][] {
  if (value.t !== "object" || depth > 3) return [];
  return [...value.attrs].flatMap(([attr, held]): [string, number][] => (held.t === "model" ? [[`${path}.${attr}`, held.id]] : heldModels(held, `${path}.${attr}`, depth + 1)));
}

/**
 * Builders that other functions of the file call come after those callers: a tower built by
 * `build_tower()` inside `build_siamese()` is then compiled as part of the siamese model (and counted as
 * called) rather than alone, where it may lack the input shape its caller gives it.
 */
function callersFirst<T extends { name: string; node: SyntaxNode }>(functions: T[]): T[] {
  const calledByOthers = new Set<string>();
  for (const fn of functions) {
    for (const call of fn.node.descendantsOfType("call")) {
      const callee = call.childForFieldName("function");
      if (callee?.type === "identifier" && callee.text !== fn.name) calledByOthers.add(callee.text);
    }
  }
  return [...functions.filter((f) => !calledByOthers.has(f.name)), ...functions.filter((f) => calledByOthers.has(f.name))];
}

/** Names through which files reach Keras: one the file reads but never binds is a missing import. */
const KERAS_ROOTS = new Set(["keras", "tf", "tensorflow", "layers", "models", "Sequential", "Model"]);

/**
 * A file (often a cell taken from a notebook) that reads `keras` without importing it builds nothing
 * here, as Python would fail there: say which name and where.
 */
function unimportedKeras(source: SourceFile, scope: { lookup(name: string): unknown }): string | null {
  const root = source.tree.rootNode;
  // Any import of Keras, even inside a function, and the file is not a cell missing its imports.
  const imports = [...root.descendantsOfType("import_statement"), ...root.descendantsOfType("import_from_statement")];
  if (imports.some((i) => /\b(keras|tensorflow|tf_keras)\b/.test(i.text))) return null;
  for (const id of root.descendantsOfType("identifier")) {
    if (!KERAS_ROOTS.has(id.text) || scope.lookup(id.text) !== undefined) continue;
    const parent = id.parent;
    // `keras.layers` reads `keras`; `x.keras`, a keyword argument `model=` or a parameter does not.
    if (parent?.type === "attribute" && parent.childForFieldName("object") !== id) continue;
    if (parent?.type === "keyword_argument" && parent.childForFieldName("name") === id) continue;
    if (parent?.type === "parameters" || parent?.type === "default_parameter" || parent?.type === "dotted_name" || parent?.type === "aliased_import") continue;
    const line = id.startPosition.row + 1;
    return `\`${id.text}\` is read at line ${line} but never imported or defined, as Python would say there; add the import (\`import keras\`, \`from tensorflow import keras\`)`;
  }
  return null;
}

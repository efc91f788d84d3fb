// Relevance: which statements of a training script can reach a model. Real model files load data, plot,
// define callbacks, call `fit` and run sampling loops around the few statements that build the model.
// Only the backward slice of what the models depend on is evaluated (DESIGN "How the architecture
// grows", item 4): the statements that build or change a model, and, transitively, every statement that
// defines a name one of them reads. The analysis is syntactic and conservative: when in doubt a
// statement is kept, so slicing can only make the evaluator skip work, never change a model.
import { MODEL_NO_OPS, MODEL_RESULTS } from "./keras-api.js";
import { resolveKeras, wildcardProvides } from "./names.js";
import type { SyntaxNode } from "./syntax.js";

/** Modules whose calls never build a Keras model: data loading, plotting, the standard library. */
const DATA_LIBRARIES = new Set([
  "numpy", "pandas", "matplotlib", "seaborn", "sklearn", "scipy", "PIL", "cv2", "skimage", "imageio", "h5py",
  "os", "sys", "glob", "pathlib", "shutil", "json", "csv", "re", "random", "math", "time", "datetime", "collections",
  "itertools", "functools", "pickle", "argparse", "logging", "warnings", "tqdm", "string", "typing", "dataclasses",
  "io", "zipfile", "tarfile", "urllib", "requests", "gc", "copy", "IPython", "nltk", "librosa", "wandb", "absl",
  "tensorflow_datasets", "datasets", "transformers", "gzip", "struct", "unicodedata", "textwrap", "pprint", "enum",
  "abc", "contextlib", "platform", "subprocess", "multiprocessing", "threading", "socket", "hashlib", "uuid",
  "statistics", "operator", "yaml", "toml", "PIL", "sounddevice", "soundfile", "plotly", "bokeh", "mlflow",
  // Environments, file formats and utilities of the public example scripts (`env = gym.make(...)`).
  "gym", "gymnasium", "nibabel", "trimesh", "mpl_toolkits", "pylab", "yfinance", "pandas_datareader", "resource",
  "imblearn", "xgboost", "lightgbm", "tabulate", "natsort", "psutil", "gdown", "wget", "jiwer", "sympy", "networkx",
  "google", "kaggle", "zlib", "base64", "shlex", "tempfile", "signal", "traceback", "inspect", "heapq", "bisect",
]);

/**
 * Keras and TensorFlow namespaces for data and training, never for a model's layers: a function that
 * only tokenizes text (`keras.preprocessing.text.Tokenizer`), pads sequences, loads a dataset or makes an
 * optimizer or callback does not touch Keras in the sense of building a model.
 */
const KERAS_DATA_UTILITIES = /^(tensorflow\.(python\.)?keras\.|tf_keras\.|keras\.(src\.)?|tensorflow\.compat\.v[12]\.keras\.)(preprocessing\.(text|sequence|image)|utils|datasets|callbacks|optimizers|losses|metrics)(\.|$)|^tensorflow\.(data|io)(\.|$)/;

/**
 * Methods of a model that leave its structure alone. Any other method may change it (`add`, `pop`,
 * `build`; `fit` builds a Sequential that has no input shape yet), or is one the evaluator must reject.
 */
const MODEL_READERS = new Set([...MODEL_NO_OPS, "get_layer", "get_weights", "set_weights", "to_yaml", "save_model", "predict_generator", "evaluate_generator", "reset_states", "reset_metrics", "make_predict_function"]);
const MODEL_CHANGING_METHODS = new Set(["add", "pop", "build", "fit"]);

/** Methods that read their object and never change it: calling one is not a change of the receiver. */
const READ_ONLY_METHODS = new Set([
  "lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "join", "replace", "format", "startswith",
  "endswith", "find", "rfind", "index", "count", "isdigit", "isalpha", "isspace", "title", "capitalize", "encode", "decode",
  "items", "keys", "values", "get", "copy", "astype", "reshape", "numpy", "tolist", "mean", "sum", "max", "min", "argmax",
  "argmin", "std", "flatten", "squeeze", "transpose", "__len__", "exists", "is_dir", "is_file", "glob", "iterdir", "read_text",
]);

/** Python's builtin functions: calling one (`print(x)`) is not a call of a layer or model object. */
const PYTHON_BUILTINS = new Set([
  "print", "len", "range", "enumerate", "zip", "sorted", "reversed", "list", "dict", "set", "frozenset", "tuple", "int",
  "float", "str", "bool", "bytes", "isinstance", "issubclass", "max", "min", "sum", "abs", "round", "open", "map", "filter",
  "any", "all", "getattr", "setattr", "hasattr", "type", "iter", "next", "repr", "format", "id", "hash", "input", "divmod",
  "pow", "chr", "ord", "callable", "vars", "dir",
]);

/** Statements the evaluator skips: they cannot reach a model. */
export type IrrelevantStatements = Set<SyntaxNode>;

interface FunctionFacts {
  /** Creates or changes a model: calls `Model`/`Sequential`/`Input`, a model class or another such function. */
  builds: boolean;
  /** Calls Keras or TensorFlow at all (a layer, an op), or a function or class that does. */
  touchesKeras: boolean;
  /** Names of the enclosing scopes it rebinds (`global`, `nonlocal`) or mutates (`ITEMS.append(x)`). */
  writes: Set<string>;
  /** Its parameters, in order, and those whose objects it may change (`items.append(x)`, `cfg["a"] = 1`). */
  params: string[];
  changesParams: Set<string>;
  /** Its parameters whose model it may change: `model.fit(...)`, `.add`, `.pop`, `.build`, `model.trainable = ...`. */
  changesModelParams: Set<string>;
}

interface StatementFacts {
  node: SyntaxNode;
  /** Bound, rebound or possibly mutated by the statement. */
  defs: Set<string>;
  /** Read by the statement (an over-approximation: every identifier in it). */
  uses: Set<string>;
  /** Rebound unconditionally by a plain assignment: earlier definitions no longer reach later uses. */
  kills: Set<string>;
  /** Builds or changes a model, or leaves the function (`return`, `raise`): always evaluated. */
  sink: boolean;
  /** A definition (`def`, `class`, `import`): always bound, but its reads count only when it is needed. */
  binding: boolean;
  /** Names given to a function of the file that may change a model it is given (`run_experiment(model)`). */
  passedToChangers: Set<string>;
  /** Its calls outside nested scopes, and its identifiers that read a name (nested ones too), in walk order. */
  calls: SyntaxNode[];
  reads: SyntaxNode[];
}

const NESTED_SCOPES = new Set(["function_definition", "class_definition", "lambda"]);
/** Statements that only bind names: definitions, imports, `global` and `nonlocal`. */
const BINDING_STATEMENTS = new Set(["function_definition", "class_definition", "decorated_definition", "import_statement", "import_from_statement", "future_import_statement", "global_statement", "nonlocal_statement"]);
const COMPOUND_WITH_BLOCKS = new Set(["if_statement", "with_statement", "try_statement"]);

/** What one file's imports, functions and classes are; computed once per file. */
export class FileRelevance {
  /** Local names bound by imports, to their qualified names (`tf` → `tensorflow`). */
  private readonly imports = new Map<string, string>();
  private readonly functions = new Map<string, FunctionFacts>();
  /** Classes of the file that subclass a Keras model (instantiating one builds a model). */
  private readonly modelClasses = new Set<string>();
  /** Classes of the file with a Keras base (layers and models): instantiating one touches Keras. */
  private readonly classes = new Set<string>();
  /** Plain classes of the file whose methods build models (a GAN's `self.generator = self.build_generator()`). */
  private readonly builderClasses = new Set<string>();
  /** Their methods, by class and name. */
  private readonly builderMethods = new Map<string, Map<string, SyntaxNode>>();
  private readonly cache = new Map<SyntaxNode, IrrelevantStatements>();

  /** Names that may refer to (part of) another's object: `alias = sizes`, `for block in blocks`. Transitive. */
  private readonly aliases = new Map<string, Set<string>>();

  constructor(private readonly root: SyntaxNode) {
    for (const stmt of root.namedChildren) this.noteImports(stmt);
    // One walk of the whole file finds the definitions and bindings the notes below read.
    const classes: SyntaxNode[] = [];
    const functions: SyntaxNode[] = [];
    const bindings: SyntaxNode[] = [];
    walk(root, (n) => {
      if (n.type === "class_definition") classes.push(n);
      else if (n.type === "function_definition") functions.push(n);
      else if (n.type === "assignment" || n.type === "for_statement" || n.type === "for_in_clause") bindings.push(n);
    });
    this.noteAliases(bindings);
    this.noteClasses(classes);
    this.noteFunctions(functions.filter((d) => !isMethod(d)));
    this.noteBuilderClasses(classes);
  }

  /**
   * The statements of the module body (with its `if __name__ == "__main__":` block) that no model needs.
   * `needed` are names read from outside the file's statements: the `--entry` expression's.
   */
  moduleIrrelevant(needed: Iterable<string>, mainGuards: SyntaxNode[]): IrrelevantStatements {
    const statements: SyntaxNode[] = [];
    for (const stmt of this.root.namedChildren) {
      if (mainGuards.includes(stmt)) statements.push(...stmt.childForFieldName("consequence")!.namedChildren);
      else statements.push(stmt);
    }
    return this.slice(statements, new Set(needed), null, new Set());
  }

  /** The statements of a plain function's body that neither its result nor its effects depend on. */
  functionIrrelevant(def: SyntaxNode): IrrelevantStatements {
    let found = this.cache.get(def);
    if (!found) {
      found = this.slice(def.childForFieldName("body")!.namedChildren, new Set(), localNames(def), new Set());
      this.cache.set(def, found);
    }
    return found;
  }

  // -------------------------------------------------------------------------------------------

  /**
   * The backward slice of one block. `scope` is the function's own names (null at module level): a
   * change to any other object (a parameter's, a global's) is an effect the caller may see, so it is kept.
   * `models` are names known to hold models before the block.
   */
  private slice(statements: SyntaxNode[], needed: Set<string>, scope: FunctionScope | null, models: Set<string>): IrrelevantStatements {
    const facts = statements.map((s) => this.statementFacts(s, scope));
    this.markModelChanges(facts, models);
    const relevant = new Set<number>();
    // Functions read globals when they are called, wherever those are defined: what a needed function
    // reads is needed everywhere. Iterate until that set stops growing.
    const everywhere = new Set(needed);
    for (let grown = true; grown; ) {
      grown = false;
      const live = new Set(everywhere);
      for (let i = facts.length - 1; i >= 0; i--) {
        const f = facts[i]!;
        if (!(f.sink || intersects(f.defs, live) || intersects(f.defs, everywhere))) continue;
        relevant.add(i);
        for (const k of f.kills) live.delete(k);
        for (const u of f.uses) live.add(u);
        if (f.binding) for (const u of f.uses) if (!everywhere.has(u)) (everywhere.add(u), (grown = true));
      }
    }
    const irrelevant: IrrelevantStatements = new Set();
    facts.forEach((f, i) => {
      if (f.binding) return; // always bound: binding is cheap and keeps names resolvable
      if (!relevant.has(i)) irrelevant.add(f.node);
      else if (COMPOUND_WITH_BLOCKS.has(f.node.type)) {
        // Inside a kept `if`/`with`/`try`, slice each block against what the rest needs.
        for (const block of innerBlocks(f.node)) {
          const after = new Set(everywhere);
          facts.slice(i + 1).forEach((g, j) => relevant.has(i + 1 + j) && g.uses.forEach((u) => after.add(u)));
          for (const s of this.slice(block.namedChildren, after, scope, models)) irrelevant.add(s);
        }
      }
    });
    return irrelevant;
  }

  /** Names holding models flow forward; `.add`, `.build`, a direct call on one of them changes a model. */
  private markModelChanges(facts: StatementFacts[], models: Set<string>): void {
    // Objects of the file's builder classes (`gan = DCGAN()`): a method that changes no model (`gan.train()`)
    // leaves the models they hold alone.
    const instances = new Map<string, string>();
    const leavesModels = (receiver: string, method: string) => {
      const def = this.builderMethods.get(instances.get(receiver) ?? "")?.get(method);
      return def !== undefined && !this.changesModels(def);
    };
    for (const f of facts) {
      // What a statement that builds binds holds models; one that changes a model (`h = model.fit(...)`)
      // binds data unless it reads the model's parts.
      const builds = f.sink;
      if (!f.sink && models.size && (intersects(changedReceivers(f, leavesModels), models) || intersects(f.passedToChangers, models))) f.sink = true;
      const made = instanceMade(f.node);
      if (made && this.builderClasses.has(made.cls)) instances.set(made.name, made.cls);
      else for (const k of f.kills) instances.delete(k);
      // `kept = model`: which variable holds a model names it and picks the primary one.
      const assigned = f.node.type === "expression_statement" ? f.node.namedChildren[0] : undefined;
      const value = assigned?.type === "assignment" ? assigned.childForFieldName("right") : null;
      if (value?.type === "identifier" && models.has(value.text)) f.sink = true;
      // A `def` or `class` names code, not a model it holds (calling one that builds is callBuilds').
      if (!f.binding && (builds || readsModelParts(f, models))) for (const d of f.defs) models.add(d);
      // `embeddings = model.predict(x)` after `embeddings = Dense(8)(x)`: the name holds data now.
      else for (const k of f.kills) models.delete(k);
    }
  }

  private statementFacts(node: SyntaxNode, scope: FunctionScope | null): StatementFacts {
    const binding = BINDING_STATEMENTS.has(node.type);
    const defs = new Set<string>();
    const uses = new Set<string>();
    const kills = new Set<string>();
    /** Objects the statement may change in place (not rebind). */
    const mutated = new Set<string>();
    const passedToChangers = new Set<string>();
    const calls: SyntaxNode[] = [];
    const reads: SyntaxNode[] = [];
    let sink = false;
    const aliases = this.aliases;
    // A plain `def` or `class` holds nothing outside its nested scope but its name: its reads are its free
    // names (below), so its body is not walked here.
    const plainDefinition = node.type === "function_definition" || node.type === "class_definition";
    if (!plainDefinition) walk(node, (n, nested) => {
      if (n.type === "identifier" && !isNameSlot(n)) {
        uses.add(n.text);
        reads.push(n);
      }
      if (nested) return;
      switch (n.type) {
        case "assignment":
        case "augmented_assignment":
        case "for_statement": {
          const target = n.childForFieldName("left");
          if (target) for (const name of boundNames(target)) defs.add(name);
          const root = target ? rootName(target) : null;
          if (root && target!.type !== "identifier") mutated.add(root);
          if (target && isTrainableAssignment(target)) sink = true;
          break;
        }
        case "named_expression":
          defs.add(n.childForFieldName("name")!.text);
          break;
        case "as_pattern_target":
          for (const name of boundNames(n)) defs.add(name);
          break;
        case "delete_statement":
          for (const name of boundNames(n)) mutated.add(name);
          break;
        case "return_statement":
        case "raise_statement":
        case "yield":
          // How a function ends is its result. (A loop's `break` stays inside the loop, kept or not whole.)
          if (scope) sink = true;
          break;
        case "call": {
          calls.push(n);
          const callee = n.childForFieldName("function")!;
          if (this.callBuilds(callee)) sink = true;
          const receiver = callee.type === "attribute" ? rootName(callee.childForFieldName("object")!) : null;
          const method = callee.type === "attribute" ? callee.childForFieldName("attribute")!.text : "";
          // A method may change its object; reading a model's predictions or scores does not.
          if (receiver && !this.imports.has(receiver) && !READ_ONLY_METHODS.has(method) && !MODEL_QUERIES.has(method)) mutated.add(receiver);
          // Calling a layer or model object (`d(a)`) records a call of it (its `.output`), unless in a loop.
          if (callee.type === "identifier" && !this.functions.has(callee.text) && !this.imports.has(callee.text) && !PYTHON_BUILTINS.has(callee.text) && !insideLoop(n, node)) mutated.add(callee.text);
          const fn = callee.type === "identifier" ? this.functions.get(callee.text) : undefined;
          if (fn) {
            for (const w of fn.writes) defs.add(w);
            // A function of the file may change the objects it is given.
            (n.childForFieldName("arguments")?.namedChildren ?? []).forEach((arg, i) => {
              const param = arg.type === "keyword_argument" ? arg.childForFieldName("name")!.text : arg.type === "list_splat" || arg.type === "dictionary_splat" ? null : fn.params[i];
              const name = rootName(arg.type === "keyword_argument" ? arg.childForFieldName("value")! : arg);
              if (name && (param === null || param === undefined || fn.changesParams.has(param))) mutated.add(name);
              if (name && (param === null || param === undefined || fn.changesModelParams.has(param))) passedToChangers.add(name);
            });
          }
          break;
        }
      }
    });
    // A definition reads, when it runs, only its free names: not its parameters and locals.
    const definition = node.type === "decorated_definition" ? node.childForFieldName("definition")! : node;
    if (definition.type === "function_definition" || definition.type === "class_definition") {
      uses.clear();
      for (const name of freeNames(definition)) uses.add(name);
      if (node !== definition) for (const d of node.namedChildren.filter((c) => c.type === "decorator")) walk(d, (n) => n.type === "identifier" && !isNameSlot(n) && uses.add(n.text));
    }
    if (node.type === "function_definition" || node.type === "class_definition") defs.add(node.childForFieldName("name")!.text);
    if (node.type === "decorated_definition") defs.add(node.childForFieldName("definition")!.childForFieldName("name")!.text);
    // An import's names (a definition binds only its own name, above; its body binds nothing here).
    if (binding && definition.type !== "function_definition" && definition.type !== "class_definition") for (const name of boundNames(node)) defs.add(name);
    if (node.type === "function_definition" || node.type === "decorated_definition") {
      const def = node.type === "decorated_definition" ? node.childForFieldName("definition")! : node;
      if (def.type === "function_definition" && this.functionBuilds(def)) sink = true;
    }
    if (node.type === "class_definition" && this.modelClasses.has(node.childForFieldName("name")!.text)) sink = true;
    // A change through an alias (`blocks = config["blocks"]; blocks.append(b)`) changes the original too.
    if (aliases.size) for (const m of [...mutated]) for (const a of aliases.get(m) ?? []) mutated.add(a);
    for (const m of mutated) defs.add(m);
    // In a function, rebinding a global or changing an object the caller can see is an effect.
    if (scope) for (const d of defs) if (!scope.assigned.has(d) && !this.imports.has(d) && (mutated.has(d) || !scope.params.has(d))) sink = true;
    if (node.type === "expression_statement" && node.namedChildren[0]?.type === "assignment") {
      const assignment = node.namedChildren[0]!;
      const target = assignment.childForFieldName("left")!;
      const value = assignment.childForFieldName("right");
      if (value && value.type !== "assignment") {
        const read = new Set<string>();
        walk(value, (n) => n.type === "identifier" && read.add(n.text));
        for (const name of plainTargets(target)) if (!read.has(name)) kills.add(name);
      }
    }
    return { node, defs, uses, kills, sink, binding, passedToChangers, calls, reads };
  }

  /** Whether calling `callee` builds or changes a model. */
  private callBuilds(callee: SyntaxNode): boolean {
    if (callee.type === "identifier") {
      const fn = this.functions.get(callee.text);
      if (fn) return fn.builds;
      if (this.modelClasses.has(callee.text) || this.builderClasses.has(callee.text)) return true;
    }
    const dotted = dottedName(callee);
    if (!dotted) return false;
    let builds = this.dottedBuilds.get(dotted);
    if (builds === undefined) this.dottedBuilds.set(dotted, (builds = this.dottedCallBuilds(dotted)));
    return builds;
  }

  /** callBuilds of dotted names, which depend on the file's imports only (noted first, in the constructor). */
  private readonly dottedBuilds = new Map<string, boolean>();

  private dottedCallBuilds(dotted: string): boolean {
    const [head, ...rest] = dotted.split(".");
    const imported = this.imports.get(head!) ?? this.fromWildcard(head!);
    if (imported === undefined) return false;
    const path = [imported, ...rest].join(".");
    const symbol = resolveKeras(path);
    if (symbol) {
      // Setting the global image data format changes every later layer's `data_format`.
      if (symbol.kind === "model" || symbol.kind === "sequential" || symbol.kind === "input" || symbol.kind === "set-image-data-format") return true;
      // An application's constructor builds (`applications.vgg19.VGG19`); its `preprocess_input` is data.
      return symbol.kind === "other" && /^(applications\.([a-z_0-9]+\.)?[A-Z]|models\.(clone_model|model_from_json|model_from_config)$|saving\.)/.test(symbol.path);
    }
    // A function imported from a file of the input set may build a model; a data library's cannot.
    return !DATA_LIBRARIES.has(path.split(".")[0]!) && !path.startsWith("tensorflow");
  }

  /** Modules imported with `from M import *`. */
  private readonly wildcards: string[] = [];

  /** A name a Keras wildcard import provides (`from keras.layers import *` gives `Dense`). */
  private fromWildcard(name: string): string | undefined {
    for (const module of this.wildcards) if (wildcardProvides(module, name)) return `${module}.${name}`;
    return undefined;
  }

  private noteImports(stmt: SyntaxNode): void {
    if (stmt.type === "import_statement") {
      for (const item of stmt.namedChildren) {
        if (item.type === "aliased_import") this.imports.set(item.childForFieldName("alias")!.text, item.childForFieldName("name")!.text);
        else this.imports.set(item.text.split(".")[0]!, item.text.split(".")[0]!);
      }
    } else if (stmt.type === "import_from_statement") {
      const module = stmt.childForFieldName("module_name")!;
      const prefix = module.type === "relative_import" ? `.${module.text}` : module.text;
      if (stmt.namedChildren.some((c) => c.type === "wildcard_import")) this.wildcards.push(prefix);
      for (const item of stmt.childrenForFieldName("name")) {
        const [name, alias] = item.type === "aliased_import" ? [item.childForFieldName("name")!.text, item.childForFieldName("alias")!.text] : [item.text, item.text];
        this.imports.set(alias, `${prefix}.${name}`);
      }
    } else if (stmt.type === "if_statement" || stmt.type === "try_statement") {
      // `try: import keras except ImportError: from tensorflow import keras`
      for (const block of innerBlocks(stmt)) for (const inner of block.namedChildren) this.noteImports(inner);
      for (const clause of stmt.namedChildren) if (clause.type === "except_clause") for (const inner of clause.namedChildren.at(-1)?.namedChildren ?? []) this.noteImports(inner);
    }
  }

  private noteAliases(bindings: SyntaxNode[]): void {
    const direct = new Map<string, Set<string>>();
    for (const n of bindings) {
      const left = n.childForFieldName("left");
      const right = n.childForFieldName("right");
      const source = right && right.type !== "call" ? rootName(right) : null;
      if (!left || !source) continue;
      for (const name of boundNames(left)) {
        if (name === source) continue;
        if (!direct.has(name)) direct.set(name, new Set());
        direct.get(name)!.add(source);
      }
    }
    for (const name of direct.keys()) {
      const reach = new Set<string>();
      const stack = [...direct.get(name)!];
      while (stack.length) {
        const next = stack.pop()!;
        if (reach.has(next) || next === name) continue;
        reach.add(next);
        stack.push(...(direct.get(next) ?? []));
      }
      this.aliases.set(name, reach);
    }
  }

  private noteBuilderClasses(classes: SyntaxNode[]): void {
    for (const cls of classes) {
      const name = cls.childForFieldName("name")!.text;
      if (this.classes.has(name)) continue;
      let builds = false;
      walk(cls.childForFieldName("body")!, (n) => {
        if (!builds && n.type === "call" && this.callBuilds(n.childForFieldName("function")!)) builds = true;
      });
      if (!builds) continue;
      this.builderClasses.add(name);
      const methods = new Map<string, SyntaxNode>();
      for (const item of cls.childForFieldName("body")!.namedChildren) {
        const def = item.type === "decorated_definition" ? item.childForFieldName("definition")! : item;
        if (def.type === "function_definition") methods.set(def.childForFieldName("name")!.text, def);
      }
      this.builderMethods.set(name, methods);
    }
  }

  private noteClasses(classes: SyntaxNode[]): void {
    for (let grown = true; grown; ) {
      grown = false;
      for (const cls of classes) {
        const name = cls.childForFieldName("name")!.text;
        const bases = cls.childForFieldName("superclasses")?.namedChildren ?? [];
        if (!this.classes.has(name) && bases.some((b) => this.classes.has(b.text) || (b.type !== "keyword_argument" && this.isKerasCall(b) && !/\b(callbacks|utils|optimizers|losses|metrics)\b/.test(b.text)))) {
          this.classes.add(name);
          grown = true;
        }
      }
    }
    for (let grown = true; grown; ) {
      grown = false;
      for (const cls of classes) {
        const name = cls.childForFieldName("name")!.text;
        if (this.modelClasses.has(name)) continue;
        const bases = cls.childForFieldName("superclasses")?.namedChildren ?? [];
        if (bases.some((b) => this.modelClasses.has(b.text) || this.isKerasModelPath(b))) {
          this.modelClasses.add(name);
          grown = true;
        }
      }
    }
  }

  private isKerasModelPath(base: SyntaxNode): boolean {
    const dotted = dottedName(base);
    if (!dotted) return false;
    const [head, ...rest] = dotted.split(".");
    const imported = this.imports.get(head!);
    const kind = imported === undefined ? null : resolveKeras([imported, ...rest].join("."))?.kind;
    return kind === "model" || kind === "sequential";
  }

  private noteFunctions(defs: SyntaxNode[]): void {
    const locals = new Map(defs.map((def) => [def, localNames(def)]));
    for (const def of defs) {
      this.functions.set(def.childForFieldName("name")!.text, { builds: false, touchesKeras: false, writes: new Set(), params: [...locals.get(def)!.params], changesParams: new Set(), changesModelParams: new Set() });
    }
    // Each body is walked once: its effects on what it is given, and the calls the loops below decide on.
    const calls = new Map<SyntaxNode, SyntaxNode[]>();
    const setsTrainable = new Set<SyntaxNode>();
    for (const def of defs) {
      const facts = this.functions.get(def.childForFieldName("name")!.text)!;
      const { assigned, params } = locals.get(def)!;
      const changed = (name: string | null) => {
        if (!name || this.imports.has(name)) return;
        if (params.has(name)) facts.changesParams.add(name);
        else if (!assigned.has(name)) facts.writes.add(name);
      };
      const found: SyntaxNode[] = [];
      walk(def.childForFieldName("body")!, (n) => {
        if (n.type === "global_statement" || n.type === "nonlocal_statement") for (const id of n.namedChildren) facts.writes.add(id.text);
        if (n.type === "call") {
          found.push(n);
          const callee = n.childForFieldName("function")!;
          if (callee.type === "attribute" && !READ_ONLY_METHODS.has(callee.childForFieldName("attribute")!.text)) changed(rootName(callee.childForFieldName("object")!));
          const method = callee.type === "attribute" ? callee.childForFieldName("attribute")!.text : null;
          const receiver = method === null ? null : rootName(callee.childForFieldName("object")!);
          if (receiver && params.has(receiver) && MODEL_CHANGING_METHODS.has(method!)) facts.changesModelParams.add(receiver);
        }
        if (n.type === "assignment" || n.type === "augmented_assignment") {
          const target = n.childForFieldName("left")!;
          if (target.type === "subscript" || target.type === "attribute") changed(rootName(target));
          const root = rootName(target);
          if (root && params.has(root) && isTrainableAssignment(target)) facts.changesModelParams.add(root);
          if (isTrainableAssignment(target)) setsTrainable.add(def);
        }
      });
      calls.set(def, found);
    }
    // A function builds if it calls a model constructor, a model class or a function that builds.
    for (let grown = true; grown; ) {
      grown = false;
      for (const def of defs) {
        const facts = this.functions.get(def.childForFieldName("name")!.text)!;
        if (facts.builds) continue;
        if (setsTrainable.has(def) || calls.get(def)!.some((n) => this.callBuilds(n.childForFieldName("function")!))) (facts.builds = true), (grown = true);
      }
    }
    for (let grown = true; grown; ) {
      grown = false;
      for (const def of defs) {
        const facts = this.functions.get(def.childForFieldName("name")!.text)!;
        if (facts.touchesKeras) continue;
        const touches =
          facts.builds ||
          calls.get(def)!.some((n) => {
            const callee = n.childForFieldName("function")!;
            if (callee.type === "call") return true; // `Dense(3)(x)`, `layer_factory()(x)`
            if (callee.type === "identifier" && (this.functions.get(callee.text)?.touchesKeras || this.classes.has(callee.text))) return true;
            return this.isKerasCall(callee);
          });
        if (touches) (facts.touchesKeras = true), (grown = true);
      }
    }
  }

  /** Whether a function of the file calls Keras or TensorFlow, directly or through other functions. */
  touchesKeras(def: SyntaxNode): boolean {
    if (def.type === "lambda") {
      let touches = false;
      walk(def.childForFieldName("body")!, (n) => {
        if (touches || n.type !== "call") return;
        const callee = n.childForFieldName("function")!;
        touches = callee.type === "call" || this.isKerasCall(callee) || (callee.type === "identifier" && (this.functions.get(callee.text)?.touchesKeras || this.classes.has(callee.text)) === true);
      });
      return touches;
    }
    return isMethod(def) || (this.functions.get(def.childForFieldName("name")!.text)?.touchesKeras ?? true);
  }

  /**
   * Whether a function or method builds a model or changes one's structure (`Sequential()`, `.add`,
   * `.pop`, `.build`, `x.trainable = ...`), directly or through a function of the file. Training one
   * (`fit`, `train_on_batch`) or predicting does not: a GAN's `train` method changes no model.
   */
  changesModels(def: SyntaxNode): boolean {
    const known = this.changing.get(def);
    if (known !== undefined) return known;
    let changes = false;
    walk(def.childForFieldName("body")!, (n) => {
      if (changes) return;
      if (n.type === "call") {
        const callee = n.childForFieldName("function")!;
        const method = callee.type === "attribute" ? callee.childForFieldName("attribute")!.text : "";
        // `model.add(...)`, not `np.add(a, b)`.
        const onModule = callee.type === "attribute" && this.imports.has(rootName(callee) ?? "");
        // `fit` builds only a Sequential with no input shape yet; a skipped one stays unbuilt, an error.
        if (this.callBuilds(callee) || (MODEL_CHANGING_METHODS.has(method) && method !== "fit" && !onModule)) changes = true;
      }
      if ((n.type === "assignment" || n.type === "augmented_assignment") && isTrainableAssignment(n.childForFieldName("left")!)) changes = true;
    });
    this.changing.set(def, changes);
    return changes;
  }

  private readonly changing = new Map<SyntaxNode, boolean>();

  private isKerasCall(callee: SyntaxNode): boolean {
    const dotted = dottedName(callee);
    // A method of a literal (`"".join(...)`) is Python's; any other call on a computed value may be Keras.
    if (callee.type === "attribute" && ["string", "concatenated_string", "list", "dictionary", "tuple", "integer", "float"].includes(callee.childForFieldName("object")!.type)) return false;
    if (!dotted) return callee.type !== "identifier" && !this.fromDataLibrary(callee);
    const [head, ...rest] = dotted.split(".");
    const imported = this.imports.get(head!);
    if (imported === undefined) return false;
    const root = imported.split(".")[0]!;
    if (root === "keras" || root === "tensorflow" || root === "tf_keras") return !KERAS_DATA_UTILITIES.test([imported, ...rest].join("."));
    return !DATA_LIBRARIES.has(root);
  }

  /** A value computed by a data library (`np.array(labels).astype`, `np.where(m)[0].tolist`): not Keras. */
  private fromDataLibrary(node: SyntaxNode): boolean {
    let base: SyntaxNode | null = node;
    while (base && base.type !== "identifier") {
      base = base.type === "attribute" ? base.childForFieldName("object") : base.type === "subscript" ? base.childForFieldName("value") : base.type === "call" ? base.childForFieldName("function") : null;
    }
    const imported = base ? this.imports.get(base.text) : undefined;
    return imported !== undefined && DATA_LIBRARIES.has(imported.split(".")[0]!);
  }

  /** Whether a function of the file builds or changes a model (only such a function can return one). */
  functionBuilds(def: SyntaxNode): boolean {
    return this.functions.get(def.childForFieldName("name")!.text)?.builds ?? false;
  }
}

/** A method of a class (its body is evaluated whole: `__init__`, `build` and `call` are model structure). */
export function isMethod(def: SyntaxNode): boolean {
  let up = def.parent;
  if (up?.type === "decorated_definition") up = up.parent;
  return up?.type === "block" && up.parent?.type === "class_definition";
}

/**
 * Visits every node under `node` (itself included), in source order; `nested` is true inside a nested
 * function, class or lambda. A loop over the forest's nodes, not a recursion: a chain of ten thousand
 * `+` is ten thousand levels deep.
 */
function walk(node: SyntaxNode, visit: (n: SyntaxNode, nested: boolean) => void): void {
  // The outermost nested scope met so far spans the nodes (scopeStart, scopeEnd), all nested but its name.
  let scopeStart = -1;
  let scopeEnd = -1;
  let scopeName: SyntaxNode | null = null;
  node.forest.eachNamed(node, (n, end) => {
    const i = n.index;
    const inScope = i > scopeStart && i < scopeEnd;
    visit(n, inScope && n !== scopeName);
    if (!inScope && NESTED_SCOPES.has(n.type)) {
      scopeStart = i;
      scopeEnd = end;
      scopeName = n.childForFieldName("name");
    }
  });
}

/** An identifier that names an attribute, a keyword argument or a parameter: not a read of a variable. */
function isNameSlot(id: SyntaxNode): boolean {
  const parent = id.parent;
  if (!parent) return false;
  if (parent.type === "attribute") return parent.childForFieldName("attribute") === id;
  if (parent.type === "keyword_argument") return parent.childForFieldName("name") === id;
  if (parent.type === "default_parameter" || parent.type === "typed_default_parameter") return parent.childForFieldName("name") === id;
  return parent.type === "parameters" || (parent.type === "typed_parameter" && parent.namedChildren[0] === id);
}

/** Whether an object expression goes through the result of a model query (`model.predict(x)[0]`). */
function ofQueryResult(node: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = node; n && (n.type === "attribute" || n.type === "subscript" || n.type === "call" || n.type === "parenthesized_expression"); ) {
    if (n.type === "call") {
      const fn = n.childForFieldName("function")!;
      if (fn.type === "attribute" && DATA_RESULTS.has(fn.childForFieldName("attribute")!.text)) return true;
    }
    n = n.type === "attribute" ? n.childForFieldName("object") : n.type === "subscript" ? n.childForFieldName("value") : n.type === "call" ? n.childForFieldName("function") : n.namedChildren[0] ?? null;
  }
  return false;
}

/** The variable at the root of `a.b[0].c`, or of a bare name. */
function rootName(node: SyntaxNode): string | null {
  let n: SyntaxNode | null = node;
  while (n && (n.type === "attribute" || n.type === "subscript" || n.type === "call" || n.type === "parenthesized_expression")) {
    n = n.type === "attribute" ? n.childForFieldName("object") : n.type === "subscript" ? n.childForFieldName("value") : n.type === "call" ? n.childForFieldName("function") : n.namedChildren[0] ?? null;
  }
  return n?.type === "identifier" ? n.text : null;
}

/** `a.b.c` as text, or null when the callee is not a dotted name. */
function dottedName(node: SyntaxNode): string | null {
  if (node.type === "identifier") return node.text;
  if (node.type !== "attribute") return null;
  const object = dottedName(node.childForFieldName("object")!);
  return object === null ? null : `${object}.${node.childForFieldName("attribute")!.text}`;
}

/** Names a target binds: `a`, `a, (b, *c)`, `with … as (x, y)`, `import a.b as c`; none for `a[i]` or `a.b`. */
export function boundNames(target: SyntaxNode): string[] {
  switch (target.type) {
    case "identifier":
      return [target.text];
    case "attribute":
    case "subscript":
      return [];
    case "import_statement":
      return target.namedChildren.map((item) => (item.type === "aliased_import" ? item.childForFieldName("alias")!.text : item.text.split(".")[0]!));
    case "import_from_statement":
      return target.childrenForFieldName("name").map((item) => (item.type === "aliased_import" ? item.childForFieldName("alias")!.text : item.text));
    case "global_statement":
    case "nonlocal_statement":
      return [];
    case "delete_statement":
      return target.namedChildren.flatMap((t) => (t.type === "expression_list" ? t.namedChildren : [t])).map(rootName).filter((n): n is string => n !== null);
    default:
      return target.namedChildren.flatMap(boundNames);
  }
}

/** Identifiers a plain assignment rebinds (`a = …`, `a, b = …`), not `a[i] = …`. */
function plainTargets(target: SyntaxNode): string[] {
  if (target.type === "identifier") return [target.text];
  if (target.type === "pattern_list" || target.type === "tuple_pattern" || target.type === "expression_list") {
    return target.namedChildren.every((c) => c.type === "identifier") ? target.namedChildren.map((c) => c.text) : [];
  }
  return [];
}

function isTrainableAssignment(target: SyntaxNode): boolean {
  return target.type === "attribute" && target.childForFieldName("attribute")!.text === "trainable";
}

/** Receivers of model-changing calls in a statement: `model` in `model.add(…)`, `model.build(…)` and `model(x)`. */
function changedReceivers(facts: StatementFacts, leavesModels: (receiver: string, method: string) => boolean): Set<string> {
  const found = new Set<string>();
  for (const n of facts.calls) {
    const callee = n.childForFieldName("function")!;
    if (callee.type === "identifier" && !insideLoop(n, facts.node)) found.add(callee.text);
    const method = callee.type === "attribute" ? callee.childForFieldName("attribute")!.text : null;
    // `model.predict(x).astype(...)` changes the predictions, not the model.
    if (method !== null && mayChangeModel(method) && !ofQueryResult(callee.childForFieldName("object")!)) {
      const receiver = rootName(callee.childForFieldName("object")!);
      if (receiver && !(callee.childForFieldName("object")!.type === "identifier" && leavesModels(receiver, method))) found.add(receiver);
    }
  }
  return found;
}

/** Model methods that only read the model: its results but those that train it, and summary and saving. */
const MODEL_QUERIES = new Set([...[...MODEL_RESULTS].filter((m) => !["fit", "fit_generator", "train_on_batch"].includes(m)), "summary", "save", "save_weights"]);

/** Model methods whose results are data (predictions, scores, a History), never part of a model. */
const DATA_RESULTS = new Set([...MODEL_RESULTS, ...MODEL_QUERIES]);

/**
 * Whether a statement reads a name holding a model other than for data (`embeddings = model.predict(x)`
 * does not: what it computes from the predictions is not a model, so changing it changes none).
 */
function readsModelParts(facts: StatementFacts, models: Set<string>): boolean {
  return facts.reads.some((n) => {
    if (!models.has(n.text) || isBoundTarget(n)) return false;
    const access = n.parent;
    const forData = access?.type === "attribute" && access.childForFieldName("object") === n && DATA_RESULTS.has(access.childForFieldName("attribute")!.text) && access.parent?.type === "call";
    return !forData;
  });
}

/** A name an assignment or loop binds (`x` in `x = ...`, `a, b = ...`, `for x in ...`): written, not read. */
function isBoundTarget(id: SyntaxNode): boolean {
  let n = id;
  while (n.parent && ["pattern_list", "tuple_pattern", "list_pattern", "parenthesized_expression"].includes(n.parent.type)) n = n.parent;
  const owner = n.parent;
  return !!owner && ["assignment", "augmented_assignment", "for_statement", "for_in_clause"].includes(owner.type) && owner.childForFieldName("left") === n && owner.type !== "augmented_assignment";
}

/** Whether calling this method on a model may change it (`add`, `fit`, an unknown one; not `predict`). */
function mayChangeModel(method: string): boolean {
  return MODEL_CHANGING_METHODS.has(method) || !MODEL_READERS.has(method);
}

/** `name = Cls(...)`: the variable and the class it is made an instance of. */
function instanceMade(stmt: SyntaxNode): { name: string; cls: string } | null {
  const assignment = stmt.type === "expression_statement" ? stmt.namedChildren[0] : undefined;
  if (assignment?.type !== "assignment") return null;
  const target = assignment.childForFieldName("left")!;
  const value = assignment.childForFieldName("right");
  const callee = value?.type === "call" ? value.childForFieldName("function")! : null;
  return target.type === "identifier" && callee?.type === "identifier" ? { name: target.text, cls: callee.text } : null;
}

/** A call of a model inside a loop runs it (a training loop); only a first call outside one builds it. */
function insideLoop(node: SyntaxNode, stmt: SyntaxNode): boolean {
  for (let n = node.parent; n && n !== stmt.parent; n = n.parent) if (n.type === "for_statement" || n.type === "while_statement") return true;
  return false;
}

/**
 * The names a function or class reads from outside it: every identifier read in it, less a function's
 * parameters and locals (a class body's names are read by its methods through `self`, not as names).
 */
function freeNames(def: SyntaxNode): ReadonlySet<string> {
  let free = freeNamesOf.get(def);
  if (!free) freeNamesOf.set(def, (free = findFreeNames(def)));
  return free;
}

// A definition's free names and locals, worked out once: each slice of the blocks around it asks again.
const freeNamesOf = new WeakMap<SyntaxNode, ReadonlySet<string>>();
const localNamesOf = new WeakMap<SyntaxNode, FunctionScope>();

function findFreeNames(def: SyntaxNode): Set<string> {
  const free = new Set<string>();
  const read = (n: SyntaxNode) => {
    walk(n, (m, nested) => {
      if (nested && (m.type === "function_definition" || m.type === "class_definition")) return;
      if (m.type === "identifier" && !isNameSlot(m)) free.add(m.text);
    });
  };
  const nestedDefs: SyntaxNode[] = [];
  walk(def.childForFieldName("body")!, (m, nested) => {
    if (!nested && (m.type === "function_definition" || m.type === "class_definition")) nestedDefs.push(m);
  });
  if (def.type === "class_definition") {
    for (const base of def.childForFieldName("superclasses")?.namedChildren ?? []) read(base);
    walk(def.childForFieldName("body")!, (m, nested) => {
      if (!nested && m.type === "identifier" && !isNameSlot(m)) free.add(m.text);
    });
  } else {
    for (const param of def.childForFieldName("parameters")?.namedChildren ?? []) {
      const value = param.childForFieldName("value");
      if (value) read(value);
    }
    const { params, assigned } = localNames(def);
    walk(def.childForFieldName("body")!, (m, nested) => {
      if (!nested && m.type === "identifier" && !isNameSlot(m) && !params.has(m.text) && !assigned.has(m.text)) free.add(m.text);
    });
  }
  for (const inner of nestedDefs) {
    const innerLocals = def.type === "function_definition" ? localNames(def) : { params: new Set<string>(), assigned: new Set<string>() };
    for (const name of freeNames(inner)) if (!innerLocals.params.has(name) && !innerLocals.assigned.has(name)) free.add(name);
  }
  return free;
}

interface FunctionScope {
  params: ReadonlySet<string>;
  /** Names the body binds, other than those it declares `global`/`nonlocal`. */
  assigned: ReadonlySet<string>;
}

function localNames(def: SyntaxNode): FunctionScope {
  let found = localNamesOf.get(def);
  if (!found) localNamesOf.set(def, (found = findLocalNames(def)));
  return found;
}

function findLocalNames(def: SyntaxNode): FunctionScope {
  const params = new Set<string>();
  for (const param of def.childForFieldName("parameters")?.namedChildren ?? []) {
    const id = param.type === "identifier" ? param : param.childForFieldName("name") ?? param.namedChildren.find((c) => c.type === "identifier");
    if (id) params.add(id.text);
  }
  const locals = new Set<string>();
  const declared = new Set<string>();
  walk(def.childForFieldName("body")!, (n, nested) => {
    if (nested) return;
    if (n.type === "global_statement" || n.type === "nonlocal_statement") for (const id of n.namedChildren) declared.add(id.text);
    if (n.type === "assignment" || n.type === "augmented_assignment" || n.type === "for_statement") {
      const target = n.childForFieldName("left");
      if (target) for (const name of boundNames(target)) locals.add(name);
    }
    if (n.type === "as_pattern_target" || n.type === "import_statement" || n.type === "import_from_statement") for (const name of boundNames(n)) locals.add(name);
    if (n.type === "named_expression") locals.add(n.childForFieldName("name")!.text);
    if ((n.type === "function_definition" || n.type === "class_definition") && n !== def) locals.add(n.childForFieldName("name")!.text);
  });
  for (const d of declared) locals.delete(d);
  return { params, assigned: locals };
}

function innerBlocks(stmt: SyntaxNode): SyntaxNode[] {
  const blocks: SyntaxNode[] = [];
  for (const child of stmt.namedChildren) {
    if (child.type === "block") blocks.push(child);
    else if (["elif_clause", "else_clause", "finally_clause"].includes(child.type)) {
      const block = child.namedChildren.find((c) => c.type === "block");
      if (block) blocks.push(block);
    }
  }
  return blocks;
}

function intersects(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

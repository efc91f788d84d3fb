// The static evaluator: walks the tree-sitter syntax tree and evaluates the model-building subset
// of Python on constants and symbolic Keras objects. It never executes the input.
import type { SyntaxNode } from "./syntax.js";
import type { ConfigValue, SourceRange } from "../ir/types.js";
import { EvalError, iterate, mathFunction, numberOf, plainBuiltin, unknown } from "./builtins.js";
import type { Checkpoint, GraphBuilder } from "./graph.js";
import { KerasApi, MODEL_NO_OPS } from "./keras-api.js";
import { isLayersModule, kerasRelative, resolveKeras, wildcardProvides } from "./names.js";
import { KERAS_PATH_HINT, isKerasFile, kerasSourceAt, type KerasSource, type KerasSourceOption } from "./keras-source.js";
import { effects, moduleFunctions } from "./queries.js";
import { boundNames, FileRelevance, isMethod } from "./relevance.js";
import { PlainObjects, classAttribute } from "./objects.js";
import { callingBuiltins, partial, pySet } from "./builtins-calling.js";
import { SourceFile } from "./parse.js";
import { Scope } from "./scope.js";
import { opFor } from "./ops.js";
import { SubclassSupport, type InstancesCheckpoint } from "./subclass.js";
import {
  MAX_GRAPH_SIZE,
  MAX_STRING_LENGTH,
  MAX_VALUE_DEPTH,
  NONE,
  ResourceLimit,
  checkLength,
  checkStringLength,
  checkedInt,
  hashKey,
  isUnknown,
  py,
  pyRepr,
  pyStr,
  truthy,
  typeName,
  type CallArgs,
  type PyValue,
} from "./values.js";

type Node = SyntaxNode;

const siteKey = (r: SourceRange) => `${r.file}:${r.line}:${r.column}:${r.endLine}:${r.endColumn}`;

export class ReturnSignal {
  constructor(readonly value: PyValue) {}
}
export class BreakSignal {}
export class ContinueSignal {}
/** A `raise` was reached: the enclosing builder produces no model. */
export class RaiseSignal {
  constructor(readonly range: SourceRange) {}
}

/** The evaluation budget ran out: the rest of the file is not evaluated. */
class BudgetExceeded {
  constructor(readonly range: SourceRange) {}
}

export interface EvaluatorCheckpoint {
  graph: Checkpoint;
  assignments: number;
  calls: Map<string, number>;
  builders: Map<number, string[]>;
  variables: Map<number, string>;
  instances: InstancesCheckpoint;
}

/** What an expression evaluated to, and the graph ids created while it was evaluated ([start, end)). */
export interface Recorded {
  value: PyValue;
  start: number;
  end: number;
}

/** Finds other files of the input set for `import`. */
export interface ModuleResolver {
  /** `level` is the number of leading dots of a relative import. */
  resolve(fromFile: string, module: string, level: number): { path: string; source: SourceFile } | null;
}

/** Nested calls of user functions (Python's recursion limit, much lower: each level is evaluated in full). */
export const MAX_CALL_DEPTH = 64;
/**
 * Steps per file before giving up: untrusted input must not hang the compiler. Each expression evaluated
 * is a step, and so is each item of a list or tuple built (each 64 characters of a string); the other
 * limits are in values.ts.
 */
export const EVALUATION_BUDGET = 1_000_000;

export interface FunctionInfo {
  name: string;
  node: Node;
  calls: number;
  /** Every parameter has a default: a candidate builder. */
  allDefaults: boolean;
}

export class Evaluator {
  readonly keras: KerasApi;
  /** This evaluator's own builtins (`super`, those that call back into it); the rest are plainBuiltin's. */
  private readonly builtins = new Map<string, PyValue>();
  private depth = 0;
  /** Models left in the locals of functions the module called (`def main(): model = ...; model.fit()`). */
  readonly localModels: { name: string; id: number }[] = [];
  /** Module-level function definitions of the main file, with how often they were called. */
  readonly functions = new Map<string, FunctionInfo>();
  /** `functions` by the id of their definition's node. */
  private readonly functionsByNode = new Map<number, FunctionInfo>();
  /** The node being evaluated most recently: where a stack overflow is reported. */
  private lastNode: Node | null = null;
  /** The user function a model was returned from, innermost first. */
  readonly modelBuilders = new Map<number, string[]>();
  /** The first variable a model was assigned to, for naming nested model classes. */
  readonly modelVariables = new Map<number, string>();
  /** Module-level assignments of models, in execution order. */
  readonly moduleAssignments: { name: string; modelId: number }[] = [];
  private readonly moduleCache = new Map<string, Scope>();
  private readonly loading = new Set<string>();
  currentFile: SourceFile;
  private evaluated = 0;
  /** Lets the translator take over a function's body once its parameters are bound (methods of `call`). */
  functionHook: ((fn: Extract<PyValue, { t: "function" }>, locals: Scope) => PyValue | null) | null = null;
  /** Set when `--entry` names the model: `if __name__ == "__main__":` then does not run. */
  skipMainGuard = false;
  /** Names read from outside the file (the `--entry` expression's): their definitions are relevant. */
  entryNames: string[] = [];
  private readonly relevance = new Map<SourceFile, FileRelevance>();
  /** `--set NAME=VALUE`: every binding of NAME in the main file takes VALUE. */
  readonly overrides = new Map<string, PyValue>();
  /** The `--set` names some binding took. */
  readonly overridden = new Set<string>();
  /** Statements no model depends on (see relevance.ts): never evaluated. */
  private readonly irrelevant = new Set<Node>();
  /** The Keras source tree `keras.applications.*` is compiled from (see keras-source.ts). */
  kerasSource: KerasSourceOption | undefined;
  private readonly kerasMissing = new Set<string>();

  constructor(
    readonly graph: GraphBuilder,
    readonly main: SourceFile,
    private readonly resolver: ModuleResolver,
  ) {
    this.currentFile = main;
    this.keras = new KerasApi(graph);
    this.subclasses = new SubclassSupport(this, graph);
    this.builtins.set("super", { t: "builtin", name: "super", call: (call) => this.subclasses.superObject(call) });
    for (const [name, call] of Object.entries(callingBuiltins(this))) this.builtins.set(name, { t: "builtin", name, call });
    graph.applyLambda = (layer, inputs, range) => this.applyLambda(layer.id, inputs, range);
    graph.relocate = (range, severity) => {
      if (!isKerasFile(range.file)) return null;
      const site = this.kerasCallSites[0] ?? this.lastKerasSite;
      if (!site) return null;
      // After Keras' own check raised at this call, what fails for want of its result says nothing more.
      if (severity === "error" && this.kerasRaised.has(siteKey(site)) && !this.reportingRaise) return "drop";
      return site;
    };
  }

  /** The user's last call into Keras' source (where findings reported after it returned are shown). */
  private lastKerasSite: SourceRange | null = null;
  /** Calls into Keras' source whose own checks raised (see reportKerasRaise). */
  private readonly kerasRaised = new Set<string>();
  private reportingRaise = false;

  /** The user's calls into Keras' source now running, outermost first (where findings in it are shown). */
  private readonly kerasCallSites: SourceRange[] = [];

  /** A Lambda layer called on tensors: its function runs on them, so the graph gets the ops of its body. */
  private applyLambda(layerId: number, inputs: number[], range: SourceRange): number[] | null {
    const { fn, arguments: extra } = this.graph.lambdaFunctions.get(layerId)!;
    const tensors: PyValue[] = inputs.map((id) => ({ t: "tensor", id }));
    const kwargs = new Map<string, PyValue>();
    const kwargRanges = new Map<string, SourceRange>();
    if (extra?.t === "dict") {
      for (const [key, value] of extra.entries.values()) {
        if (key.t === "str") {
          kwargs.set(key.v, value);
          kwargRanges.set(key.v, range);
        }
      }
    }
    const call: CallArgs = { args: [tensors.length === 1 ? tensors[0]! : py.list(tensors)], kwargs, argRanges: [range], kwargRanges, range };
    let result: PyValue;
    try {
      result = this.callValue(fn, call);
    } catch (error) {
      if (!(error instanceof EvalError)) throw error;
      this.graph.report("error", "unsupported-construct", `the Lambda's function cannot be translated: ${error.message}`, error.range ?? range);
      return null;
    }
    const outputs = result.t === "tensor" ? [result.id] : (result.t === "list" || result.t === "tuple") && result.items.every((v) => v.t === "tensor") ? result.items.map((v) => (v as { id: number }).id) : null;
    if (!outputs) {
      this.keras.reportUnknown(result, "the Lambda's result", range);
      return null;
    }
    return outputs;
  }

  range(node: Node): SourceRange {
    return this.currentFile.range(node);
  }

  // -------------------------------------------------------------------------------------------
  // Modules

  runMain(): Scope {
    const scope = new Scope(null);
    this.moduleCache.set(this.main.path, scope);
    this.guardBudget(() => this.runModuleBody(this.main, scope, true));
    // Statements of Keras' own source left unevaluated (docstring edits) are no concern of the user's.
    const skips = this.lazySkips.filter((s) => !isKerasFile(s.range.file));
    if (skips.length) {
      const [first] = skips;
      this.graph.report(
        "info",
        "unknown-value",
        `${skips.length} statement(s) were not evaluated: they need values known only at run time and build no model (first, line ${first!.range.line}: ${first!.problem})`,
        first!.range,
      );
    }
    return scope;
  }

  private budgetReported = false;

  /** Runs `work`; if the evaluation budget runs out, reports it once and gives up on the rest. */
  guardBudget<T>(work: () => T, otherwise?: T): T | undefined {
    try {
      return work();
    } catch (caught) {
      const signal = this.asLimit(caught);
      if (signal instanceof ResourceLimit) {
        const range = signal.range ?? (this.lastNode ? this.range(this.lastNode) : this.main.range(this.main.tree.rootNode));
        this.graph.report("error", "resource-limit", `${signal.message}; the rest of the file was not compiled`, range);
        return otherwise;
      }
      if (!(signal instanceof BudgetExceeded)) throw signal;
      // Work after the budget ran out (building a root model) stops at once, without a second report.
      if (this.budgetReported) return otherwise;
      this.budgetReported = true;
      this.graph.report(
        "error",
        "unknown-value",
        `evaluation stopped after ${EVALUATION_BUDGET} steps: the file computes too much to follow statically; the rest of it was not compiled`,
        signal.range,
      );
      return otherwise;
    }
  }

  /** JavaScript's own limits (the stack, string and array sizes) hit by the evaluation, as a resource limit. */
  private asLimit(error: unknown): unknown {
    if (!(error instanceof RangeError)) return error;
    if (/call stack/i.test(error.message)) return new ResourceLimit("the code is nested or recursive too deeply to evaluate statically");
    if (/string length|array length/i.test(error.message)) return new ResourceLimit(`a value too large to evaluate statically (${error.message})`);
    return error;
  }

  private runModuleBody(file: SourceFile, scope: Scope, isMain: boolean): void {
    const previous = this.currentFile;
    this.currentFile = file;
    try {
      if (isMain) {
        const guards = file.tree.rootNode.namedChildren.filter((s) => isMainGuard(s) && !this.skipMainGuard);
        for (const stmt of this.relevanceOf(file).moduleIrrelevant(this.entryNames, guards)) this.irrelevant.add(stmt);
        for (const fn of moduleFunctions(file.tree.rootNode)) {
          const info = { ...fn, calls: 0 };
          this.functions.set(fn.name, info);
          this.functionsByNode.set(fn.node.id, info);
        }
      }
      for (const stmt of file.tree.rootNode.namedChildren) {
        // With --entry the user names the model: the file is used as a module, as on import.
        if (isMain && isMainGuard(stmt)) {
          if (!this.skipMainGuard) this.execMainGuard(stmt, scope);
        } else this.execTopLevel(stmt, scope, isMain);
      }
    } finally {
      this.currentFile = previous;
    }
  }

  /** A Python literal given as text (`--set`), or null when it is not one. */
  literal(text: string): PyValue | null {
    const file = new SourceFile("<--set>", text);
    const stmt = file.tree.rootNode.namedChildren[0];
    const expr = stmt?.type === "expression_statement" && file.tree.rootNode.namedChildren.length === 1 ? stmt.namedChildren[0] : undefined;
    const LITERAL = new Set(["integer", "float", "string", "string_start", "string_content", "string_end", "escape_sequence", "true", "false", "none", "tuple", "list", "dictionary", "pair", "unary_operator", "parenthesized_expression", "expression_list", "concatenated_string"]);
    const literalOnly = (n: Node): boolean => LITERAL.has(n.type) && n.namedChildren.every(literalOnly);
    if (!expr || file.syntaxErrors().length || !literalOnly(expr)) return null;
    const previous = this.currentFile;
    this.currentFile = file;
    try {
      return this.eval(expr, new Scope(null));
    } catch {
      return null;
    } finally {
      this.currentFile = previous;
    }
  }

  /** The value a binding of `name` takes: `--set`'s when given (in the main file). */
  /** The `--set` value of `name` in the main file (and that it was used), or undefined. */
  private given(name: string): PyValue | undefined {
    const value = this.currentFile === this.main ? this.overrides.get(name) : undefined;
    if (value) this.overridden.add(name);
    return value;
  }

  private bound(name: string, value: PyValue): PyValue {
    const given = this.given(name);
    if (given) return given;
    // An unknown remembers the last variable it was bound to, the one nearest the model: the name `--set` can give.
    if (value.t === "unknown" && !value.name) return { ...value, variable: name };
    return value;
  }

  relevanceOf(file: SourceFile): FileRelevance {
    let found = this.relevance.get(file);
    if (!found) this.relevance.set(file, (found = new FileRelevance(file.tree.rootNode)));
    return found;
  }

  private execTopLevel(stmt: Node, scope: Scope, isMain: boolean): void {
    try {
      this.exec(stmt, scope, isMain ? "main" : "module");
    } catch (signal) {
      if (signal instanceof RaiseSignal) return;
      if (signal instanceof EvalError) {
        // Data code that fails statically (`df.values.reshape(...)`) is not an error unless it could build a
        // model: what it sets is unknown, and an error where a model needs it.
        if (!this.mayBuild(stmt, scope)) return this.skipped(stmt, scope, signal.range, signal.message, "", "unknown-value");
        this.graph.report("error", "unknown-value", signal.message, signal.range);
        return;
      }
      if (signal instanceof ReturnSignal || signal instanceof BreakSignal || signal instanceof ContinueSignal) return;
      throw signal;
    }
  }

  /**
   * `if __name__ == "__main__":` often builds the model from command-line arguments. Run it on a
   * trial basis: if it needs values known only at run time, undo it (its bindings, models, call counts
   * and diagnostics) with a warning, so that the file's builders are compiled with their defaults.
   */
  private execMainGuard(stmt: Node, scope: Scope): void {
    const trial = new Scope(scope);
    const point = this.checkpoint();
    for (const inner of stmt.childForFieldName("consequence")!.namedChildren) this.execTopLevel(inner, trial, true);
    const failure = this.graph.program.diagnostics.slice(point.graph.diagnostics).find((d) => d.severity === "error");
    if (!failure) {
      for (const [name, value] of trial.entries()) scope.set(name, value);
      return;
    }
    // Undone whole: the block's models, its changes to earlier ones (`base.trainable = False`), its findings.
    this.rollback(point);
    this.graph.report(
      "warning",
      "unknown-value",
      `the \`if __name__ == "__main__":\` block was skipped: it needs values known only at run time (line ${failure.range.line}: ${failure.message}); builders are compiled with their defaults, pass --entry "builder(...)" to choose arguments`,
      this.range(stmt.childForFieldName("condition")!),
    );
  }

  /** Everything speculative evaluation can change: the graph, the evaluator's records, subclass instances. */
  checkpoint(): EvaluatorCheckpoint {
    return {
      graph: this.graph.checkpoint(),
      assignments: this.moduleAssignments.length,
      calls: new Map([...this.functions].map(([name, fn]) => [name, fn.calls])),
      builders: new Map([...this.modelBuilders].map(([id, names]) => [id, [...names]])),
      variables: new Map(this.modelVariables),
      instances: this.subclasses.checkpoint(),
    };
  }

  rollback(point: EvaluatorCheckpoint): void {
    this.graph.rollback(point.graph);
    this.moduleAssignments.splice(point.assignments);
    for (const [name, count] of point.calls) this.functions.get(name)!.calls = count;
    this.modelBuilders.clear();
    for (const [id, names] of point.builders) this.modelBuilders.set(id, names);
    this.modelVariables.clear();
    for (const [id, name] of point.variables) this.modelVariables.set(id, name);
    this.subclasses.rollback(point.instances);
  }

  /** Evaluate a Python expression given as text (the `--entry` option) in the main module's scope. */
  evalEntry(entryFile: SourceFile, scope: Scope): PyValue {
    const previous = this.currentFile;
    this.currentFile = entryFile;
    try {
      const stmt = entryFile.tree.rootNode.namedChildren[0];
      const expr = stmt?.type === "expression_statement" ? stmt.namedChildren[0] : undefined;
      if (!expr) return unknown("`--entry` must be a Python expression", entryFile.range(entryFile.tree.rootNode));
      // `keras` is there even when the file imports only names from it (`--entry "yolo_body(keras.Input((416, 416, 3)), 3, 80)"`).
      const entryScope = new Scope(scope);
      if (scope.lookup("keras") === undefined) entryScope.set("keras", { t: "qname", path: "keras" });
      return this.eval(expr, entryScope);
    } catch (signal) {
      if (signal instanceof EvalError) return unknown(signal.message, signal.range);
      if (signal instanceof RaiseSignal) return unknown("the entry raises", signal.range);
      throw signal;
    } finally {
      this.currentFile = previous;
    }
  }

  /** Call a module-level function with no arguments, to compile a builder with its defaults. */
  callWithDefaults(fn: PyValue, range: SourceRange): PyValue {
    try {
      return this.callValue(fn, { args: [], kwargs: new Map(), argRanges: [], kwargRanges: new Map(), range });
    } catch (signal) {
      if (signal instanceof EvalError) return unknown(signal.message, signal.range);
      if (signal instanceof RaiseSignal) return unknown("the builder raises", signal.range);
      throw signal;
    }
  }

  private importModule(module: string, level: number, node: Node): PyValue | null {
    if (level === 0 && module.startsWith("keras.src.applications")) {
      const tree = this.kerasTree(module, this.range(node));
      if (tree.t === "unknown") return tree;
      return tree.tree.module(module) ? this.importKerasModule(module, tree.tree, this.range(node)) : null;
    }
    const found = this.resolver.resolve(this.currentFile.path, module, level);
    if (!found) return null;
    const cached = this.moduleCache.get(found.path);
    if (cached) return { t: "module", file: found.path, scope: cached };
    if (this.loading.has(found.path)) {
      this.graph.report("error", "unresolved-import", `circular import of \`${module}\``, this.range(node));
      return unknown("circular import", this.range(node));
    }
    const syntax = found.source.syntaxErrors();
    if (syntax.length) {
      this.graph.report("error", "unresolved-import", `\`${module}\` (${found.path}) has syntax errors; fix them first`, this.range(node));
      return unknown(`\`${module}\` has syntax errors`, this.range(node));
    }
    const scope = new Scope(null);
    this.moduleCache.set(found.path, scope);
    this.loading.add(found.path);
    try {
      this.runModuleBody(found.source, scope, false);
    } finally {
      this.loading.delete(found.path);
    }
    return { t: "module", file: found.path, scope };
  }

  /** The Keras source tree, or an unknown (reported once per name) saying none was found and how to give one. */
  private kerasTree(what: string, range: SourceRange): { t: "tree"; tree: KerasSource } | Extract<PyValue, { t: "unknown" }> {
    const option = this.kerasSource;
    if (option && "root" in option) return { t: "tree", tree: kerasSourceAt(option.root) };
    const message = `\`${what}\` is defined by Keras' own source, which keras2torch compiles statically, but ${option?.problem ?? "no Keras source tree was given"}; ${KERAS_PATH_HINT}`;
    if (!this.kerasMissing.has(what)) {
      this.kerasMissing.add(what);
      this.graph.report("error", "unresolved-import", message, range);
    }
    // Reported here: what is built on it is not reported again.
    return { ...unknown(message, range), reported: true } as Extract<PyValue, { t: "unknown" }>;
  }

  /**
   * A qualified name under `keras.applications` (any spelling, `keras.src.applications` included): the
   * value Keras' source defines for it, evaluated from that source; null for a name that is not one.
   */
  private applicationSymbol(path: string, range: SourceRange): PyValue | null {
    const rel = kerasRelative(path);
    if (rel === null || !rel.startsWith("applications.")) return null;
    const found = this.kerasTree(path, range);
    if (found.t === "unknown") return found;
    const direct = path.startsWith("keras.src.");
    const target = direct ? { module: path.slice(0, path.lastIndexOf(".")), name: path.slice(path.lastIndexOf(".") + 1) } : found.tree.publicName(rel.slice("applications.".length));
    if (!target || !found.tree.module(target.module)) return null;
    const module = this.importKerasModule(target.module, found.tree, range);
    return module.scope.own(target.name) ?? null;
  }

  private importKerasModule(module: string, tree: KerasSource, range: SourceRange): Extract<PyValue, { t: "module" }> {
    const found = tree.module(module)!;
    const cached = this.moduleCache.get(found.path);
    if (cached) return { t: "module", file: found.path, scope: cached };
    const scope = new Scope(null);
    this.moduleCache.set(found.path, scope);
    this.loading.add(found.path);
    const previous = this.currentFile;
    try {
      this.runModuleBody(found.source, scope, false);
    } finally {
      this.loading.delete(found.path);
      this.currentFile = previous;
    }
    void range;
    // Keras makes this function's per-channel constants with `ops.convert_to_tensor`: it is a registry op.
    if (module === "keras.src.applications.imagenet_utils" && scope.own("_preprocess_tensor_input")) {
      scope.set("_preprocess_tensor_input", { t: "qname", path: "keras.src.applications.imagenet_utils._preprocess_tensor_input" });
    }
    return { t: "module", file: found.path, scope };
  }

  private reportKerasRaise(stmt: Node, scope: Scope): void {
    const raised = stmt.namedChildren[0];
    let text = "an exception";
    if (raised?.type === "call") {
      const argument = raised.childForFieldName("arguments")?.namedChildren[0];
      const message = argument ? this.safeEval(argument, scope) : null;
      text = `${raised.childForFieldName("function")!.text}${message?.t === "str" ? `: ${message.v}` : ""}`;
    }
    this.reportingRaise = true;
    try {
      this.graph.report("error", "invalid-model", `Keras raises ${text}`, this.range(stmt));
    } finally {
      this.reportingRaise = false;
    }
    const site = this.kerasCallSites[0];
    if (site) this.kerasRaised.add(siteKey(site));
  }

  /** A qualified name as a value: Keras' source for an application, else the name itself. */
  qualified(path: string, range: SourceRange): PyValue {
    return this.applicationSymbol(path, range) ?? { t: "qname", path };
  }

  // -------------------------------------------------------------------------------------------
  // Statements

  execBlock(block: Node | null, scope: Scope, where: "main" | "module" | "function"): void {
    if (!block) return;
    for (const stmt of block.namedChildren) this.exec(stmt, scope, where);
  }

  exec(stmt: Node, scope: Scope, where: "main" | "module" | "function"): void {
    if (this.irrelevant.has(stmt)) return;
    switch (stmt.type) {
      case "expression_statement":
        for (const child of stmt.namedChildren) this.evalStatementExpression(child, scope, where);
        return;
      case "import_statement":
      case "import_from_statement":
      case "future_import_statement":
        this.execImport(stmt, scope);
        return;
      case "function_definition": {
        const defaults = new Map<string, PyValue>();
        for (const param of stmt.childForFieldName("parameters")!.namedChildren) {
          if (param.type === "default_parameter" || param.type === "typed_default_parameter") {
            defaults.set(param.childForFieldName("name")!.text, this.safeEval(param.childForFieldName("value")!, scope));
          }
        }
        const name = stmt.childForFieldName("name")!.text;
        scope.set(name, { t: "function", name, node: stmt, closure: scope, source: this.currentFile, defaults });
        return;
      }
      case "decorated_definition":
        this.exec(stmt.childForFieldName("definition")!, scope, where);
        return;
      case "class_definition":
        this.execClass(stmt, scope);
        return;
      case "if_statement":
        this.execIf(stmt, scope, where);
        return;
      case "for_statement":
        this.execFor(stmt, scope, where);
        return;
      case "while_statement":
        this.execWhile(stmt, scope, where);
        return;
      case "return_statement": {
        const value = stmt.namedChildren[0];
        throw new ReturnSignal(value ? this.eval(value, scope) : NONE);
      }
      case "delete_statement":
        for (const target of stmt.namedChildren[0]?.type === "expression_list" ? stmt.namedChildren[0].namedChildren : stmt.namedChildren) this.delete(target, scope);
        return;
      case "global_statement":
        for (const id of stmt.namedChildren) scope.redirect(id.text, scope.module());
        return;
      case "nonlocal_statement":
        for (const id of stmt.namedChildren) {
          let holder = scope.parent;
          while (holder && !holder.has(id.text)) holder = holder.parent;
          if (holder) scope.redirect(id.text, holder);
        }
        return;
      case "pass_statement":
      case "assert_statement":
      case "comment":
      case "type_alias_statement":
        return;
      case "break_statement":
        throw new BreakSignal();
      case "continue_statement":
        throw new ContinueSignal();
      case "raise_statement":
        // Keras' own checks of its arguments (`input_shape` too small, an unknown `weights=`) are errors the user sees.
        if (isKerasFile(this.currentFile.path)) this.reportKerasRaise(stmt, scope);
        throw new RaiseSignal(this.range(stmt));
      case "try_statement": {
        this.execBlock(stmt.childForFieldName("body"), scope, where);
        for (const clause of stmt.namedChildren) {
          if (clause.type === "else_clause" || clause.type === "finally_clause") {
            this.execBlock(clause.childForFieldName("body") ?? clause.namedChildren[clause.namedChildren.length - 1]!, scope, where);
          }
        }
        return;
      }
      case "with_statement": {
        for (const item of stmt.descendantsOfType("as_pattern_target")) this.assign(item.namedChildren[0] ?? item, unknown("a `with` target", this.range(item)), scope, where);
        this.execBlock(stmt.childForFieldName("body"), scope, where);
        return;
      }
      default:
        this.graph.report("warning", "unsupported-construct", `\`${stmt.type.replace(/_/g, " ")}\` is not evaluated`, this.range(stmt));
    }
  }

  private evalStatementExpression(expr: Node, scope: Scope, where: "main" | "module" | "function"): void {
    if (expr.type === "assignment") {
      this.execAssignment(expr, scope, where);
      return;
    }
    if (expr.type === "augmented_assignment") {
      const target = expr.childForFieldName("left")!;
      const op = expr.childForFieldName("operator")!.text.slice(0, -1);
      const value = this.binary(op, this.eval(target, scope), this.eval(expr.childForFieldName("right")!, scope), expr);
      this.assign(target, value, scope, where);
      return;
    }
    this.eval(expr, scope);
  }

  private execAssignment(node: Node, scope: Scope, where: "main" | "module" | "function"): void {
    const right = node.childForFieldName("right");
    if (!right) return; // a bare annotation: `x: int`
    const value = right.type === "assignment" ? this.chainedValue(right, scope, where) : this.eval(right, scope);
    this.assign(node.childForFieldName("left")!, value, scope, where);
  }

  /** `a = b = value`: tree-sitter nests the assignments to the right. */
  private chainedValue(node: Node, scope: Scope, where: "main" | "module" | "function"): PyValue {
    const right = node.childForFieldName("right");
    if (!right) {
      // `x = y: T`, which tree-sitter accepts and Python refuses.
      const range = this.range(node);
      this.graph.report("error", "syntax-error", "an annotated name cannot be the value of an assignment; fix the Python syntax error", range);
      return unknown("a syntax error", range);
    }
    const value = right.type === "assignment" ? this.chainedValue(right, scope, where) : this.eval(right, scope);
    this.assign(node.childForFieldName("left")!, value, scope, where);
    return value;
  }

  assign(target: Node, value: PyValue, scope: Scope, where: "main" | "module" | "function"): void {
    switch (target.type) {
      case "identifier": {
        value = this.bound(target.text, value);
        // `global x` / `nonlocal x` rebind the outer name.
        scope.holderOf(target.text).set(target.text, value);
        if (value.t === "model") {
          if (!this.modelVariables.has(value.id)) this.modelVariables.set(value.id, target.text);
          if (where === "main") this.moduleAssignments.push({ name: target.text, modelId: value.id });
        }
        return;
      }
      case "pattern_list":
      case "tuple_pattern":
      case "list_pattern":
      case "tuple":
      case "list":
      case "parenthesized_expression": {
        const targets = target.type === "parenthesized_expression" ? [target.namedChildren[0]!] : target.namedChildren;
        if (target.type === "parenthesized_expression") return this.assign(targets[0]!, value, scope, where);
        const items = iterate(value);
        if (!items) {
          for (const t of targets) this.assign(t, value.t === "unknown" ? value : unknown(`cannot unpack ${typeName(value)}`, this.range(target)), scope, where);
          return;
        }
        const star = targets.findIndex((t) => t.type === "list_splat_pattern");
        if (star < 0 && items.length !== targets.length) {
          throw new EvalError(`cannot unpack ${items.length} values into ${targets.length} names`, this.range(target));
        }
        if (star < 0) targets.forEach((t, i) => this.assign(t, items[i]!, scope, where));
        else {
          const after = targets.length - star - 1;
          targets.slice(0, star).forEach((t, i) => this.assign(t, items[i]!, scope, where));
          this.assign(targets[star]!.namedChildren[0]!, py.list(items.slice(star, items.length - after)), scope, where);
          targets.slice(star + 1).forEach((t, i) => this.assign(t, items[items.length - after + i]!, scope, where));
        }
        return;
      }
      case "subscript": {
        const container = this.eval(target.childForFieldName("value")!, scope);
        const index = this.eval(target.childForFieldName("subscript")!, scope);
        if (container.t === "dict") {
          const key = hashKey(index);
          if (key === null) throw new EvalError("unsupported dict key", this.range(target));
          container.entries.set(key, [index, value]);
        } else if (container.t === "list") {
          const i = numberOf(index);
          if (i === null) throw new EvalError("list index must be an int", this.range(target));
          container.items[i < 0 ? container.items.length + i : i] = value;
        }
        return;
      }
      case "attribute": {
        const attr = target.childForFieldName("attribute")!.text;
        const obj = this.eval(target.childForFieldName("object")!, scope);
        // `self.dense = Dense(...)` in a subclass: the instance's structure.
        if (obj.t === "model" && this.graph.isSubclass(obj.id) && attr !== "trainable") {
          this.subclasses.setAttribute(obj, attr, value, this.range(target));
          return;
        }
        if (obj.t === "object") {
          obj.attrs.set(attr, value);
          return;
        }
        if (obj.t === "class") {
          obj.namespace.set(attr, value);
          return;
        }
        // `layer.trainable = False` does not change inference, but it moves the layer's weights to the
        // non-trainable half of a legacy `.h5` file. Other attributes of Keras objects change nothing.
        if (attr !== "trainable") return;
        if (obj.t === "layer" || obj.t === "model") this.graph.setTrainable(obj.id, truthy(value) !== false);
        return;
      }
      default:
        throw new EvalError(`cannot assign to \`${target.text}\``, this.range(target));
    }
  }

  /** `del items[i]`, `del config[key]`; other targets (`del name`) change nothing a model depends on. */
  private delete(target: Node, scope: Scope): void {
    if (target.type !== "subscript") return;
    const container = this.eval(target.childForFieldName("value")!, scope);
    const index = this.eval(target.childForFieldName("subscript")!, scope);
    if (container.t === "dict") {
      const key = hashKey(index);
      if (key === null || !container.entries.delete(key)) throw new EvalError(`key ${pyRepr(index)} is not in the dict`, this.range(target));
    } else if (container.t === "list") {
      const i = numberOf(index);
      if (i === null) throw new EvalError("`del` with a slice or unknown index is not evaluated statically", this.range(target));
      container.items.splice(i < 0 ? container.items.length + i : i, 1);
    } else if (!isUnknown(container)) throw new EvalError(`cannot delete from ${typeName(container)}`, this.range(target));
  }

  private execImport(stmt: Node, scope: Scope): void {
    if (stmt.type === "future_import_statement") return;
    if (stmt.type === "import_statement") {
      for (const item of stmt.namedChildren) {
        const [dotted, alias] = item.type === "aliased_import" ? [item.childForFieldName("name")!.text, item.childForFieldName("alias")!.text] : [item.text, null];
        const local = this.importModule(dotted, 0, item);
        if (alias) scope.set(alias, local ?? this.qualified(dotted, this.range(item)));
        else {
          const head = dotted.split(".")[0]!;
          scope.set(head, dotted === head && local ? local : { t: "qname", path: head });
        }
      }
      return;
    }
    const moduleNode = stmt.childForFieldName("module_name")!;
    let level = 0;
    let moduleName = moduleNode.text;
    if (moduleNode.type === "relative_import") {
      const prefix = moduleNode.namedChildren.find((c) => c.type === "import_prefix");
      level = prefix ? prefix.text.length : 0;
      moduleName = moduleNode.namedChildren.find((c) => c.type === "dotted_name")?.text ?? "";
    }
    const local = this.importModule(moduleName, level, moduleNode);
    if (!local && level > 0) {
      this.graph.report(
        "error",
        "unresolved-import",
        `relative import \`${moduleNode.text}\` is not in the input set; pass its file too`,
        this.range(moduleNode),
      );
    }
    const names = stmt.childrenForFieldName("name");
    if (stmt.namedChildren.some((c) => c.type === "wildcard_import")) {
      if (local?.t === "module") for (const [k, v] of local.scope.entries()) scope.set(k, v);
      else if (level === 0) scope.module().wildcardModules.push(moduleName);
      return;
    }
    for (const item of names) {
      const [name, alias] = item.type === "aliased_import" ? [item.childForFieldName("name")!.text, item.childForFieldName("alias")!.text] : [item.text, item.text];
      let value: PyValue;
      if (local?.t === "module") {
        value = local.scope.lookup(name) ?? this.importModule(`${moduleName}.${name}`, level, item) ?? unknown(`\`${name}\` is not defined in \`${moduleNode.text}\``, this.range(item));
      } else if (local?.t === "unknown") value = local;
      else if (level > 0) value = unknown(`\`${moduleNode.text}\` is not in the input set`, this.range(item));
      else value = this.qualified(`${moduleName}.${name}`, this.range(item));
      scope.set(alias, value);
    }
  }

  private execClass(stmt: Node, scope: Scope): void {
    const name = stmt.childForFieldName("name")!.text;
    const bases = (stmt.childForFieldName("superclasses")?.namedChildren ?? []).filter((b) => b.type !== "keyword_argument").map((b) => this.safeEval(b, scope));
    const keras = this.subclasses.kerasBase(bases);
    if (keras) {
      // Methods close over the module scope, as in Python; the class body is their namespace.
      const namespace = new Scope(scope);
      try {
        this.execBlock(stmt.childForFieldName("body"), namespace, "function");
      } catch (error) {
        if (!(error instanceof EvalError)) throw error;
      }
      scope.set(name, { t: "class", name, node: stmt, namespace, bases, keras, source: this.currentFile });
      this.subclasses.noteClass(stmt, name, namespace);
      return;
    }
    // Any other class is plain data: a namespace of constants (`Config.WIDTH`), a dataclass, a callback.
    const body = new Scope(scope);
    try {
      this.execBlock(stmt.childForFieldName("body"), body, "function");
    } catch (error) {
      if (!(error instanceof EvalError)) throw error;
    }
    scope.set(name, { t: "class", name, node: stmt, namespace: body, bases, keras: null, source: this.currentFile });
  }

  private safeEval(node: Node, scope: Scope): PyValue {
    try {
      return this.eval(node, scope);
    } catch (error) {
      if (error instanceof EvalError) return unknown(error.message, error.range);
      throw error;
    }
  }

  private execIf(stmt: Node, scope: Scope, where: "main" | "module" | "function"): void {
    const condition = this.eval(stmt.childForFieldName("condition")!, scope);
    const decided = truthy(condition);
    if (decided === null) return this.undecidable(stmt.childForFieldName("condition")!, condition, stmt, scope);
    if (decided) return this.execBlock(stmt.childForFieldName("consequence"), scope, where);
    for (const clause of stmt.childrenForFieldName("alternative")) {
      if (clause.type === "elif_clause") {
        const c = this.eval(clause.childForFieldName("condition")!, scope);
        const d = truthy(c);
        if (d === null) return this.undecidable(clause.childForFieldName("condition")!, c, stmt, scope);
        if (d) return this.execBlock(clause.childForFieldName("consequence"), scope, where);
      } else {
        return this.execBlock(clause.childForFieldName("body"), scope, where);
      }
    }
  }

  /**
   * A condition that cannot be decided: no branch runs. If the skipped code could build or change a
   * model, that is an error and the models of this file are marked incomplete (their `forward`
   * raises); code that only touches other things (`model.load_weights(path)`) gets a warning.
   */
  private undecidable(node: Node, value: PyValue, stmt: Node, scope: Scope): void {
    const why = this.because(value, node);
    this.skipped(stmt, scope, this.range(node), `cannot decide this condition statically${why}`, "neither branch was compiled; make the value a constant, or give the variable it comes from with --set NAME=VALUE", "unknown-value");
  }

  /** `: why` a value is unknown, and where it became so when that is not at `node`. */
  private because(value: PyValue, node: Node): string {
    if (!isUnknown(value)) return "";
    const here = this.range(node);
    const from = value.range;
    const elsewhere = from.file === here.file && (from.line !== here.line || from.column !== here.column) ? ` (it became unknown at line ${from.line}:${from.column})` : "";
    return `: ${value.reason}${elsewhere}`;
  }

  private skipped(stmt: Node, scope: Scope, range: SourceRange, problem: string, remedy: string, code: "unknown-value" | "unsupported-construct"): void {
    if (this.mayBuild(stmt, scope)) {
      this.graph.report("error", code, `${problem}; ${remedy}`, range);
      this.graph.markIncomplete(range, problem);
      return;
    }
    // Code that builds nothing is skipped quietly; what it would have set becomes unknown, which is an
    // error only if it reaches a model (and that error says where it became unknown).
    const why = unknown(`it is changed by code that was not evaluated (${problem})`, range);
    const { rebound, receivers } = changedNames(stmt);
    for (const name of new Set([...rebound, ...receivers])) {
      // A model's methods in code that builds nothing (`model.fit(x, y, class_weight=...)`, see mayBuild)
      // leave it the same model, and a module stays the module (`tf.random.shuffle(...)`): only
      // rebinding the name changes them.
      // So does a plain object whose methods here change no model (mayBuild): `gan.train(epochs=4000)`.
      if (!rebound.has(name) && ["model", "qname", "module", "class", "function", "object"].includes(scope.lookup(name)?.t ?? "")) continue;
      if (scope.lookup(name) !== undefined || effects(stmt).targets.some((t) => boundNames(t).includes(name))) this.bindUnknown(scope, name, why);
    }
    this.lazySkips.push({ range, problem });
  }

  /** Statements skipped because they need run-time values and reach no model; reported as one info line. */
  readonly lazySkips: { range: SourceRange; problem: string }[] = [];

  /** Rebinds `name` where it lives (a module-level list changed in a function's loop stays global). */
  private bindUnknown(scope: Scope, name: string, value: PyValue): void {
    let holder: Scope | null = scope;
    while (holder && !holder.has(name)) holder = holder.parent;
    // `--set NAME=VALUE` gives the value code that was not evaluated would have bound.
    (holder ?? scope).set(name, this.given(name) ?? ({ ...value, variable: name } as PyValue));
  }

  /** Whether code could add to a model graph: calls Keras, a user function, a layer, `.add`, or rebinds a tensor. */
  private mayBuild(stmt: Node, scope: Scope): boolean {
    const { callees, targets } = effects(stmt);
    for (const callee of callees) {
      // `Dense(8)(x)`: calling what a call returns is building; evaluating it here would build it.
      if (callee.type === "call") return true;
      const fn = this.safeEval(callee, scope);
      // In a loop over run-time data, a function of the file builds only if it builds or changes a model:
      // one that only computes on tensors (`ada_in(style, content)`) is run on data there.
      if (fn.t === "function" && (isLoop(stmt) && fn.node.type === "function_definition" ? this.relevanceOf(fn.source).changesModels(fn.node) : this.relevanceOf(fn.source).touchesKeras(fn.node))) return true;
      if (fn.t === "class" && fn.keras) return true;
      // An undefined name may be a layer the file forgot to import.
      // Augmenting data with a Sequential of augmentation layers builds no model of the file.
      if (fn.t === "model" && this.graph.dataPipelineOnly(fn.id)) continue;
      // Running a built model on data (`model.encoder(style)` in an inference loop) builds nothing; on
      // tensors the loop's values would be known, and what it skips becomes unknown.
      if (fn.t === "model" && this.graph.isBuilt(fn.id) && isLoop(stmt)) continue;
      if (fn.t === "layer" || fn.t === "model" || (fn.t === "unknown" && fn.name && callee.type === "identifier")) return true;
      if (fn.t === "qname" && resolveKeras(fn.path) && resolveKeras(fn.path)!.kind !== "no-op" && resolveKeras(fn.path)!.kind !== "other") return true;
      if (fn.t === "bound" && fn.self.t === "model" && !MODEL_NO_OPS.has(fn.name)) return true;
      // A method of a plain object of the file that builds or changes models (`gan.add_head()`).
      if (fn.t === "bound" && fn.self.t === "object") {
        const method = classAttribute(fn.self.cls, fn.name)?.value;
        if (method?.t !== "function" || this.relevanceOf(method.source).changesModels(method.node)) return true;
      }
      if (fn.t === "bound" && holdsModelParts(fn.self)) return true;
    }
    for (const target of targets) {
      for (const id of target.type === "identifier" ? [target] : target.descendantsOfType("identifier")) {
        const held = scope.lookup(id.text);
        // Writing into the script's data arrays (`movies[i, t] += 1`) builds nothing.
        if (held && ["tensor", "layer", "model"].includes(held.t) && !this.keras.isArray(held)) return true;
      }
    }
    return false;
  }

  /** `while` on static values runs as Python would; the evaluation budget bounds a loop that never ends. */
  private execWhile(stmt: Node, scope: Scope, where: "main" | "module" | "function"): void {
    const condition = stmt.childForFieldName("condition")!;
    for (let iteration = 0; ; iteration++) {
      const value = this.eval(condition, scope);
      const decided = truthy(value);
      if (decided === null) {
        if (iteration > 0) throw new EvalError(`the \`while\` condition became unknown after ${iteration} iteration(s)${isUnknown(value) ? `: ${value.reason}` : ""}`, this.range(condition));
        const why = this.because(value, condition);
        this.skipped(stmt, scope, this.range(condition), `cannot decide this \`while\` condition statically${why}`, "the loop was not compiled; make the value a constant, or give the variable it comes from with --set NAME=VALUE", "unknown-value");
        return;
      }
      if (!decided) break;
      try {
        this.execBlock(stmt.childForFieldName("body"), scope, where);
      } catch (signal) {
        if (signal instanceof BreakSignal) return;
        if (signal instanceof ContinueSignal) continue;
        throw signal;
      }
    }
    const orelse = stmt.childForFieldName("alternative");
    if (orelse) this.execBlock(orelse.childForFieldName("body"), scope, where);
  }

  private execFor(stmt: Node, scope: Scope, where: "main" | "module" | "function"): void {
    const iterable = this.eval(stmt.childForFieldName("right")!, scope);
    const items = iterate(iterable);
    if (!items) {
      const why = this.because(iterable, stmt.childForFieldName("right")!);
      this.skipped(stmt, scope, this.range(stmt.childForFieldName("right")!), `cannot iterate over this value statically${why}`, "the loop was not compiled; make the value a constant, or give the variable it comes from with --set NAME=VALUE", "unknown-value");
      return;
    }
    const left = stmt.childForFieldName("left")!;
    for (const item of [...items]) {
      this.assign(left, item, scope, where);
      try {
        this.execBlock(stmt.childForFieldName("body"), scope, where);
      } catch (signal) {
        if (signal instanceof BreakSignal) return;
        if (signal instanceof ContinueSignal) continue;
        throw signal;
      }
    }
    const orelse = stmt.childForFieldName("alternative");
    if (orelse) this.execBlock(orelse.childForFieldName("body"), scope, where);
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  /**
   * While a `call` body is translated, every evaluated expression's value and the graph ids it created
   * are recorded by syntax node, so the translator can rebuild the expression in PyTorch.
   */
  recorder: Map<number, Recorded> | null = null;
  /** The subclassed-model support: instances, their attributes and the translation of `call`. */
  subclasses!: SubclassSupport;
  /** Instances of the file's other classes: configs, callbacks, data generators. */
  readonly objects = new PlainObjects(this);

  eval(node: Node, scope: Scope): PyValue {
    this.lastNode = node;
    try {
      if (!this.recorder) return this.evalNode(node, scope);
      const start = this.graph.peekId();
      const value = this.evalNode(node, scope);
      this.recorder.set(node.id, { value, start, end: this.graph.peekId() });
      return value;
    } catch (error) {
      // A limit hit in a value helper is reported at the innermost expression that hit it.
      if (error instanceof ResourceLimit && !error.range) error.range = this.range(node);
      throw error;
    }
  }

  /** Counts building a value of `size` items against the evaluation budget. */
  private charge(size: number, node: Node): void {
    this.evaluated += size;
    if (this.evaluated > EVALUATION_BUDGET) throw new BudgetExceeded(this.range(node));
  }

  /** Charges for a value just built (a builtin's or a method's result). */
  private built(value: PyValue, node: Node): PyValue {
    if (value.t === "list" || value.t === "tuple") this.charge(value.items.length, node);
    else if (value.t === "str") this.charge(value.v.length >> 6, node);
    else if (value.t === "dict") this.charge(value.entries.size, node);
    return value;
  }

  private evalNode(node: Node, scope: Scope): PyValue {
    if (++this.evaluated > EVALUATION_BUDGET) throw new BudgetExceeded(this.range(node));
    switch (node.type) {
      case "identifier": {
        const value = scope.lookup(node.text) ?? this.fromWildcard(node.text, scope) ?? this.builtins.get(node.text) ?? plainBuiltin(node.text) ?? this.fromOtherKerasWildcard(node.text, scope);
        // A name the file reads but never binds (a notebook cell's global) may be given with --set.
        return value ?? this.given(node.text) ?? { t: "unknown", reason: `name \`${node.text}\` is not defined`, range: this.range(node), name: node.text };
      }
      case "integer": {
        const text = node.text.replace(/_/g, "").toLowerCase();
        return checkedInt(text.startsWith("0x") ? parseInt(text, 16) : text.startsWith("0o") ? parseInt(text.slice(2), 8) : text.startsWith("0b") ? parseInt(text.slice(2), 2) : Number(text.replace(/l$/, "")), this.range(node));
      }
      case "float":
        return py.float(Number(node.text.replace(/_/g, "")));
      case "true":
        return py.bool(true);
      case "false":
        return py.bool(false);
      case "none":
        return NONE;
      case "string":
        return this.evalString(node, scope);
      case "concatenated_string": {
        let out = "";
        for (const part of node.namedChildren) {
          const v = this.evalString(part, scope);
          if (v.t !== "str") return v;
          checkStringLength(out.length + v.v.length, this.range(node));
          out += v.v;
        }
        return py.str(out);
      }
      case "parenthesized_expression":
        return this.eval(node.namedChildren[0]!, scope);
      case "tuple":
      case "expression_list":
        return py.tuple(this.evalItems(node.namedChildren, scope));
      case "list":
        return py.list(this.evalItems(node.namedChildren, scope));
      case "set":
        return pySet(this.evalItems(node.namedChildren, scope), this.range(node));
      case "dictionary":
        return this.evalDict(node, scope);
      case "set_comprehension":
        return pySet(this.comprehension(node, scope, (s) => this.eval(node.childForFieldName("body")!, s)), this.range(node));
      case "list_comprehension":
      case "generator_expression":
        return py.list(this.comprehension(node, scope, (s) => this.eval(node.childForFieldName("body")!, s)));
      case "dictionary_comprehension": {
        const entries = new Map<string, [PyValue, PyValue]>();
        const body = node.childForFieldName("body")!;
        this.comprehension(node, scope, (s) => {
          const k = this.eval(body.childForFieldName("key")!, s);
          const key = hashKey(k);
          if (key === null) throw new EvalError("unsupported dict key", this.range(body));
          entries.set(key, [k, this.eval(body.childForFieldName("value")!, s)]);
          return NONE;
        });
        return { t: "dict", entries };
      }
      case "attribute":
        return this.attribute(this.eval(node.childForFieldName("object")!, scope), node.childForFieldName("attribute")!.text, node);
      case "subscript":
        return this.subscript(node, scope);
      case "call":
        return this.evalCall(node, scope);
      case "binary_operator":
        return this.binaryChain(node, scope);
      case "unary_operator":
        return this.unary(node.childForFieldName("operator")!.text, this.eval(node.childForFieldName("argument")!, scope), node);
      case "not_operator": {
        const v = this.eval(node.childForFieldName("argument")!, scope);
        if (v.t === "runtime") return { t: "runtime", kind: "bool", expr: { k: "unary", op: "not", operand: v.expr } };
        const t = truthy(v);
        return t === null ? v : py.bool(!t);
      }
      case "boolean_operator": {
        const left = this.eval(node.childForFieldName("left")!, scope);
        const isAnd = node.childForFieldName("operator")!.text === "and";
        if (left.t === "runtime") {
          const right = this.eval(node.childForFieldName("right")!, scope);
          const rightExpr = right.t === "runtime" ? right.expr : right.t === "bool" ? { k: "lit" as const, value: right.v } : null;
          if (!rightExpr) return unknown("a run-time condition combined with a non-boolean", this.range(node));
          return { t: "runtime", kind: "bool", expr: { k: "binop", op: isAnd ? "and" : "or", left: left.expr, right: rightExpr } };
        }
        const t = truthy(left);
        if (t === null) return left;
        if (isAnd ? !t : t) return left;
        return this.eval(node.childForFieldName("right")!, scope);
      }
      case "comparison_operator":
        return this.compare(node, scope);
      case "conditional_expression": {
        const [body, condition, orelse] = node.namedChildren;
        const c = this.eval(condition!, scope);
        if (c.t === "runtime") {
          // Both arms run; their tensors meet where the condition picks one (`x if training else y`).
          const a = this.eval(body!, scope);
          const b = this.eval(orelse!, scope);
          if (a.t === "tensor" && b.t === "tensor") return { t: "tensor", id: this.graph.applyMerge([a.id, b.id], this.range(node)) };
          return unknown("a run-time condition choosing between values that are not tensors", this.range(node));
        }
        const t = truthy(c);
        if (t === null) return isUnknown(c) ? c : unknown("undecidable condition", this.range(condition!));
        return this.eval(t ? body! : orelse!, scope);
      }
      case "lambda": {
        // A function value like a `def`'s; calling it evaluates its body expression.
        const defaults = new Map<string, PyValue>();
        for (const param of node.childForFieldName("parameters")?.namedChildren ?? []) {
          if (param.type === "default_parameter") defaults.set(param.childForFieldName("name")!.text, this.safeEval(param.childForFieldName("value")!, scope));
        }
        return { t: "function", name: "<lambda>", node, closure: scope, source: this.currentFile, defaults };
      }
      case "keyword_argument":
      case "list_splat":
      case "dictionary_splat":
        throw new EvalError(`unexpected \`${node.text}\``, this.range(node));
      case "ellipsis":
        return unknown("`...`", this.range(node));
      default:
        return unknown(`\`${node.type.replace(/_/g, " ")}\` is not evaluated statically`, this.range(node));
    }
  }

  /**
   * `a + b + ... + z` nests to the left: a sum of thousands of terms is legitimate and must not recurse
   * once per term. Each inner operator still counts a step and is recorded as `eval` would.
   */
  private binaryChain(node: Node, scope: Scope): PyValue {
    const chain: Node[] = [node];
    let leftmost = node.childForFieldName("left")!;
    while (leftmost.type === "binary_operator") {
      chain.push(leftmost);
      leftmost = leftmost.childForFieldName("left")!;
    }
    const start = this.recorder ? this.graph.peekId() : 0;
    let value = this.eval(leftmost, scope);
    for (let i = chain.length - 1; i >= 0; i--) {
      const inner = chain[i]!;
      if (i > 0 && ++this.evaluated > EVALUATION_BUDGET) throw new BudgetExceeded(this.range(inner));
      const right = this.eval(inner.childForFieldName("right")!, scope);
      this.lastNode = inner;
      try {
        value = this.binary(inner.childForFieldName("operator")!.text, value, right, inner);
      } catch (error) {
        if (error instanceof ResourceLimit && !error.range) error.range = this.range(inner);
        throw error;
      }
      if (i > 0 && this.recorder) this.recorder.set(inner.id, { value, start, end: this.graph.peekId() });
    }
    return value;
  }

  /** `from keras.layers import *`: a name that Keras' module has (a layer class, `Input`, ...). */
  private fromWildcard(name: string, scope: Scope): PyValue | undefined {
    // The last `import *` that provides the name wins, as in Python.
    for (const module of [...scope.module().wildcardModules].reverse()) if (wildcardProvides(module, name)) return { t: "qname", path: `${module}.${name}` };
    return undefined;
  }

  /**
   * Keras' other modules (`keras.optimizers`, `keras.callbacks`) are not listed: a class name that no
   * layers or models module, and no builtin, provides is theirs (`Adam`), an object that builds nothing.
   */
  private fromOtherKerasWildcard(name: string, scope: Scope): PyValue | undefined {
    if (!/^[A-Z]/.test(name)) return undefined;
    const other = [...scope.module().wildcardModules].reverse().find((m) => kerasRelative(m) !== null && !isLayersModule(m));
    return other === undefined ? undefined : { t: "qname", path: `${other}.${name}` };
  }

  private evalItems(nodes: Node[], scope: Scope): PyValue[] {
    const items: PyValue[] = [];
    for (const child of nodes) {
      if (child.type === "list_splat") {
        const v = this.eval(child.namedChildren[0]!, scope);
        const inner = iterate(v);
        if (!inner) items.push(v.t === "unknown" ? v : unknown("cannot unpack a non-sequence", this.range(child)));
        else {
          checkLength(items.length + inner.length, "a sequence", this.range(child));
          this.charge(inner.length, child);
          for (const item of inner) items.push(item);
        }
      } else if (child.type !== "comment") items.push(this.eval(child, scope));
    }
    return items;
  }

  private evalDict(node: Node, scope: Scope): PyValue {
    const entries = new Map<string, [PyValue, PyValue]>();
    for (const child of node.namedChildren) {
      if (child.type === "pair") {
        const k = this.eval(child.childForFieldName("key")!, scope);
        const key = hashKey(k);
        if (key === null) throw new EvalError("unsupported dict key", this.range(child));
        entries.set(key, [k, this.eval(child.childForFieldName("value")!, scope)]);
      } else if (child.type === "dictionary_splat") {
        const v = this.eval(child.namedChildren[0]!, scope);
        if (v.t === "dict") for (const [k, e] of v.entries) entries.set(k, e);
      }
    }
    return { t: "dict", entries };
  }

  private comprehension(node: Node, scope: Scope, body: (s: Scope) => PyValue): PyValue[] {
    const clauses = node.namedChildren.filter((c) => c.type === "for_in_clause" || c.type === "if_clause");
    const out: PyValue[] = [];
    const inner = new Scope(scope);
    const run = (i: number): void => {
      if (i === clauses.length) {
        // Each item costs at least one step of the evaluation budget, which bounds a comprehension.
        out.push(body(inner));
        return;
      }
      const clause = clauses[i]!;
      if (clause.type === "if_clause") {
        const t = truthy(this.eval(clause.namedChildren[0]!, inner));
        if (t === null) throw new EvalError("cannot decide a comprehension condition statically", this.range(clause));
        if (t) run(i + 1);
        return;
      }
      const iterable = this.eval(clause.childForFieldName("right")!, inner);
      const items = iterate(iterable);
      if (!items) throw new EvalError(`cannot iterate over this value statically${isUnknown(iterable) ? `: ${iterable.reason}` : ""}`, this.range(clause));
      for (const item of items) {
        this.assign(clause.childForFieldName("left")!, item, inner, "function");
        run(i + 1);
      }
    };
    run(0);
    return out;
  }

  private evalString(node: Node, scope: Scope): PyValue {
    const prefix = (node.firstChild?.text ?? "").toLowerCase();
    const raw = prefix.includes("r");
    let out = "";
    for (const child of node.namedChildren) {
      switch (child.type) {
        case "string_start":
        case "string_end":
          break;
        case "string_content":
          out += child.text;
          break;
        case "escape_sequence":
          out += raw ? child.text : unescape(child.text);
          break;
        case "interpolation": {
          const value = this.eval(child.childForFieldName("expression")!, scope);
          if (isUnknown(value)) return value;
          const spec = child.childForFieldName("format_specifier")?.text.replace(/^:/, "") ?? "";
          const conversion = child.childForFieldName("type_conversion")?.text ?? "";
          const text = conversion === "!r" ? pyRepr(value) : formatValue(value, spec);
          if (text === null) return unknown(`cannot format ${typeName(value)} in an f-string`, this.range(child));
          checkStringLength(out.length + text.length, this.range(child));
          out += text;
          break;
        }
        default:
          break;
      }
    }
    return py.str(out);
  }

  private subscript(node: Node, scope: Scope): PyValue {
    const container = this.eval(node.childForFieldName("value")!, scope);
    const subs = node.childrenForFieldName("subscript");
    if (isUnknown(container)) return container;
    if (container.t === "tensor") return this.tensorSubscript(container, subs, node, scope);
    if (subs.length !== 1) return unknown("multi-dimensional indexing is not evaluated statically", this.range(node));
    const sub = subs[0]!;
    if (sub.type === "slice") {
      const items = container.t === "str" ? [...container.v].map(py.str) : iterate(container);
      if (!items || container.t === "dict") return unknown(`cannot slice ${typeName(container)}`, this.range(node));
      const parts = sliceParts(sub).map((p) => (p ? numberOf(this.eval(p, scope)) : null));
      if (parts[2] === 0) throw new EvalError("slice step cannot be zero", this.range(sub));
      const sliced = applySlice(items, parts[0] ?? null, parts[1] ?? null, parts[2] ?? null);
      if (container.t === "str") return py.str(sliced.map((s) => (s as { v: string }).v).join(""));
      return container.t === "tuple" ? py.tuple(sliced) : py.list(sliced);
    }
    const index = this.eval(sub, scope);
    if (isUnknown(index)) return index;
    if (container.t === "dict") {
      const key = hashKey(index);
      const entry = key === null ? undefined : container.entries.get(key);
      if (!entry) throw new EvalError(`key ${pyRepr(index)} is not in the dict`, this.range(node));
      return entry[1];
    }
    const items = container.t === "str" ? [...container.v].map(py.str) : iterate(container);
    const i = numberOf(index);
    if (!items || i === null) return unknown(`cannot index ${typeName(container)}`, this.range(node));
    const item = items[i < 0 ? items.length + i : i];
    if (!item) throw new EvalError(`index ${i} is out of range`, this.range(node));
    return item;
  }

  /**
   * `x[:, 0]`, `x[..., None, 1:3]`: the index as data (ints, None, "...", {"slice": [start, stop, step]}),
   * for the `operator.getitem` op.
   */
  private tensorSubscript(container: PyValue, subs: Node[], node: Node, scope: Scope): PyValue {
    const items: ConfigValue[] = [];
    const part = (n: Node | null): number | null | undefined => {
      if (!n) return null;
      const v = this.eval(n, scope);
      return v.t === "int" ? v.v : v.t === "none" ? null : undefined;
    };
    for (const sub of subs) {
      if (sub.type === "slice") {
        const [start, stop, step] = sliceParts(sub).map(part);
        if (start === undefined || stop === undefined || step === undefined) return unknown("a slice bound that is not a static int", this.range(sub));
        items.push({ slice: [start, stop, step] });
      } else if (sub.type === "ellipsis") items.push("...");
      else {
        const v = this.eval(sub, scope);
        if (v.t === "int") items.push(v.v);
        else if (v.t === "none") items.push(null);
        // `x_train[y_train < 5]`: selecting from the script's data by data is data of unknown size.
        else if (this.keras.isArray(container)) return unknown("an array indexed by an array is not evaluated statically", this.range(node));
        else return this.tensorOperator("getitem_tensor", [container, v], node);
      }
    }
    const index: PyValue = items.length === 1 ? toPy(items[0]!) : py.tuple(items.map(toPy));
    return this.tensorOperator("getitem", [container, index], node);
  }

  attribute(obj: PyValue, name: string, node: Node): PyValue {
    switch (obj.t) {
      case "unknown":
        return obj;
      case "qname": {
        const path = `${obj.path}.${name}`;
        if (obj.path === "math") return mathFunction(name) ?? unknown(`\`math.${name}\` is not evaluated statically`, this.range(node));
        // NumPy on static sizes (`np.prod(x.shape[1:])`) behaves as `math` does.
        if (obj.path === "numpy" && ["prod", "ceil", "floor", "sqrt", "log2"].includes(name)) return mathFunction(name)!;
        // `x[np.newaxis, :]`, `x[tf.newaxis]`: both are `None`.
        if ((obj.path === "numpy" || obj.path === "tensorflow") && name === "newaxis") return NONE;
        return this.qualified(path, this.range(node));
      }
      case "module":
        return obj.scope.own(name) ?? unknown(`\`${name}\` is not defined in ${obj.file}`, this.range(node));
      case "model":
        if (this.graph.isSubclass(obj.id)) return this.subclasses.attribute(obj, name, this.range(node));
        return this.keras.attribute(obj, name, this.range(node));
      case "tensor":
      case "layer":
        return this.keras.attribute(obj, name, this.range(node));
      case "input-layer":
        if (name === "output" || name === "input") return { t: "tensor", id: obj.tensor };
        if (name === "name") return py.str(this.graph.tensor(obj.tensor).inputName ?? "input_layer");
        return unknown(`\`InputLayer.${name}\` is not evaluated statically`, this.range(node));
      case "class": {
        const found = classAttribute(obj, name);
        if (!found) return unknown(`\`${obj.name}.${name}\` is not defined`, this.range(node));
        // A classmethod of a plain class is bound to the class.
        if (!obj.keras && found.value.t === "function" && found.value.node.parent?.type === "decorated_definition" && /@classmethod\b/.test(found.value.node.parent.text)) return { t: "bound", self: obj, name };
        return found.value;
      }
      case "object":
        return this.objects.attribute(obj, name, this.range(node));
      default:
        return { t: "bound", self: obj, name };
    }
  }

  // Calls ------------------------------------------------------------------------------------

  private evalCall(node: Node, scope: Scope): PyValue {
    const fnNode = node.childForFieldName("function")!;
    const fn = this.eval(fnNode, scope);
    const argsNode = node.childForFieldName("arguments")!;
    const call: CallArgs = { args: [], kwargs: new Map(), argRanges: [], kwargRanges: new Map(), range: this.range(node) };
    if (argsNode.type === "generator_expression") {
      call.args.push(this.eval(argsNode, scope));
      call.argRanges.push(this.range(argsNode));
    } else {
      for (const arg of argsNode.namedChildren) {
        if (arg.type === "comment") continue;
        if (arg.type === "keyword_argument") {
          const key = arg.childForFieldName("name")!.text;
          call.kwargs.set(key, this.eval(arg.childForFieldName("value")!, scope));
          call.kwargRanges.set(key, this.range(arg));
        } else if (arg.type === "list_splat") {
          const v = this.eval(arg.namedChildren[0]!, scope);
          const items = iterate(v);
          if (!items) throw new EvalError(`cannot unpack \`${arg.text}\` statically`, this.range(arg));
          for (const item of items) {
            call.args.push(item);
            call.argRanges.push(this.range(arg));
          }
        } else if (arg.type === "dictionary_splat") {
          const v = this.eval(arg.namedChildren[0]!, scope);
          if (v.t !== "dict") throw new EvalError(`cannot unpack \`${arg.text}\` statically`, this.range(arg));
          for (const [k, val] of v.entries.values()) {
            if (k.t !== "str") throw new EvalError("keyword names must be strings", this.range(arg));
            call.kwargs.set(k.v, val);
            call.kwargRanges.set(k.v, this.range(arg));
          }
        } else {
          call.args.push(this.eval(arg, scope));
          call.argRanges.push(this.range(arg));
        }
      }
    }
    const result = this.callValue(fn, call);
    if (this.graph.program.layers.size + this.graph.program.nodes.size > MAX_GRAPH_SIZE) {
      throw new ResourceLimit(`the file creates more than ${MAX_GRAPH_SIZE} layers and layer calls (MAX_GRAPH_SIZE)`, call.range);
    }
    return fn.t === "builtin" || fn.t === "bound" ? this.built(result, node) : result;
  }

  callValue(fn: PyValue, call: CallArgs): PyValue {
    switch (fn.t) {
      case "function":
        return this.callFunction(fn, call);
      case "builtin":
        return fn.call(call);
      case "qname":
        if (fn.path === "functools.partial") return partial(this, call);
        return this.keras.callQualified(fn.path, call);
      case "layer":
        return this.keras.callObject(fn, call);
      case "model":
        return this.graph.isSubclass(fn.id) ? this.subclasses.callInstance(fn, call) : this.keras.callObject(fn, call);
      case "class":
        return fn.keras ? this.subclasses.instantiate(fn, call) : this.objects.instantiate(fn, call);
      case "bound":
        if (fn.self.t === "object" || fn.self.t === "class") return this.objects.callMethod(fn.self, fn.name, call);
        if (fn.self.t === "model" && this.graph.isSubclass(fn.self.id)) return this.subclasses.callMethod(fn.self, fn.name, call);
        if (fn.self.t === "super") return this.subclasses.callSuper(fn.self, fn.name, call);
        return this.callMethod(fn.self, fn.name, call);
      case "object":
        // An instance of the file's own class with `__call__` (a builder object: `WideResNet(64)()`).
        if (classAttribute(fn.cls, "__call__")?.value.t === "function") return this.objects.callMethod(fn, "__call__", call);
        throw new EvalError(`${typeName(fn)} is not callable`, call.range);
      case "unknown":
        return fn;
      default:
        throw new EvalError(`${typeName(fn)} is not callable`, call.range);
    }
  }

  callFunction(fn: Extract<PyValue, { t: "function" }>, call: CallArgs): PyValue {
    const info = this.functionsByNode.get(fn.node.id);
    if (info) info.calls++;
    if (this.depth >= MAX_CALL_DEPTH) throw new EvalError("recursion too deep to evaluate statically", call.range);
    const local = new Scope(fn.closure);
    const params = fn.node.childForFieldName("parameters")?.namedChildren ?? [];
    const positional = [...call.args];
    const kwargs = new Map(call.kwargs);
    const previousFile = this.currentFile;
    for (const param of params) {
      switch (param.type) {
        case "identifier":
        case "typed_parameter": {
          const name = param.type === "identifier" ? param.text : param.namedChildren[0]!.text;
          if (param.type === "typed_parameter" && param.namedChildren[0]!.type !== "identifier") {
            this.bindSplat(param.namedChildren[0]!, positional, kwargs, local);
            break;
          }
          if (positional.length) local.set(name, positional.shift()!);
          else if (kwargs.has(name)) {
            local.set(name, kwargs.get(name)!);
            kwargs.delete(name);
          } else throw new EvalError(`${fn.name}() is missing the argument \`${name}\``, call.range);
          break;
        }
        case "default_parameter":
        case "typed_default_parameter": {
          const name = param.childForFieldName("name")!.text;
          if (positional.length) local.set(name, positional.shift()!);
          else if (kwargs.has(name)) {
            local.set(name, kwargs.get(name)!);
            kwargs.delete(name);
          } else {
            local.set(name, fn.defaults.get(name)!);
          }
          break;
        }
        case "list_splat_pattern":
        case "dictionary_splat_pattern":
          this.bindSplat(param, positional, kwargs, local);
          break;
        default:
          break;
      }
    }
    if (positional.length) throw new EvalError(`${fn.name}() got too many positional arguments`, call.range);
    if (kwargs.size) throw new EvalError(`${fn.name}() got an unexpected keyword argument \`${[...kwargs.keys()][0]}\``, call.range);
    // A parameter the caller could not know (`build_model(len(classes))`) takes `--set`'s value.
    for (const [name, value] of local.entries()) if (value.t === "unknown") local.set(name, this.bound(name, value));
    if (fn.node.type === "lambda") {
      this.depth++;
      this.currentFile = fn.source;
      try {
        return this.eval(fn.node.childForFieldName("body")!, local);
      } finally {
        this.depth--;
        this.currentFile = previousFile;
      }
    }
    if (this.functionHook) {
      const hooked = this.functionHook(fn, local);
      if (hooked) return hooked;
    }
    if (!isMethod(fn.node)) for (const stmt of this.relevanceOf(fn.source).functionIrrelevant(fn.node)) this.irrelevant.add(stmt);
    this.depth++;
    this.currentFile = fn.source;
    const intoKeras = isKerasFile(fn.source.path) && !isKerasFile(call.range.file);
    if (intoKeras) this.kerasCallSites.push((this.lastKerasSite = call.range));
    // A `main()`/`train()` the module calls that keeps its models in locals: they are the file's models.
    const keepLocals = (result: PyValue) => {
      if (this.depth === 1 && result.t !== "model" && !isMethod(fn.node) && !isKerasFile(fn.source.path)) {
        for (const [name, value] of local.entries()) if (value.t === "model") this.localModels.push({ name, id: value.id });
      }
    };
    try {
      this.execBlock(fn.node.childForFieldName("body"), local, "function");
      keepLocals(NONE);
      return NONE;
    } catch (signal) {
      if (signal instanceof ReturnSignal) {
        this.noteBuilder(signal.value, fn.name);
        this.noteApplication(signal.value, fn, call);
        keepLocals(signal.value);
        return signal.value;
      }
      if (signal instanceof RaiseSignal) return unknown(`${fn.name}() raises an exception here`, signal.range);
      throw signal;
    } finally {
      if (intoKeras) this.kerasCallSites.pop();
      this.depth--;
      this.currentFile = previousFile;
    }
  }

  private bindSplat(param: Node, positional: PyValue[], kwargs: Map<string, PyValue>, local: Scope): void {
    const name = param.namedChildren[0]?.text;
    if (!name) return;
    if (param.type === "list_splat_pattern") local.set(name, py.tuple(positional.splice(0)));
    else {
      const entries = new Map<string, [PyValue, PyValue]>();
      for (const [k, v] of kwargs) entries.set(hashKey(py.str(k))!, [py.str(k), v]);
      kwargs.clear();
      local.set(name, { t: "dict", entries });
    }
  }

  /** A model a public function of Keras' applications returns is that application (the outermost call wins). */
  private noteApplication(value: PyValue, fn: Extract<PyValue, { t: "function" }>, call: CallArgs): void {
    if (value.t !== "model" || fn.name.startsWith("_") || !isKerasFile(fn.source.path)) return;
    const model = this.graph.program.models.get(value.id);
    if (!model) return;
    const shown = (v: PyValue) => (v.t === "str" || v.t === "int" || v.t === "float" || v.t === "bool" || v.t === "none" || v.t === "tuple" || v.t === "list" ? pyRepr(v) : "...");
    const args = [...call.args.map(shown), ...[...call.kwargs].map(([k, v]) => `${k}=${shown(v)}`)];
    model.application = { name: fn.name, call: `${fn.name}(${args.join(", ")})` };
  }

  private noteBuilder(value: PyValue, name: string): void {
    const models = value.t === "model" ? [value] : value.t === "tuple" || value.t === "list" ? value.items.filter((v) => v.t === "model") : [];
    for (const m of models) {
      if (m.t !== "model") continue;
      const list = this.modelBuilders.get(m.id) ?? [];
      if (!list.includes(name)) list.push(name);
      this.modelBuilders.set(m.id, list);
    }
  }

  private callMethod(self: PyValue, name: string, call: CallArgs): PyValue {
    const [a, b] = call.args;
    switch (self.t) {
      case "str": {
        switch (name) {
          case "format": {
            const text = formatString(self.v, call);
            return text === null ? unknown("cannot evaluate `.format()` statically", call.range) : py.str(text);
          }
          case "join": {
            const items = a ? iterate(a) : null;
            if (!items || items.some((i) => i.t !== "str")) return unknown("cannot evaluate `.join()` statically", call.range);
            checkStringLength(items.reduce((n, i) => n + (i as { v: string }).v.length + self.v.length, 0), call.range);
            return py.str(items.map((i) => (i as { v: string }).v).join(self.v));
          }
          case "upper":
            return py.str(self.v.toUpperCase());
          case "lower":
            return py.str(self.v.toLowerCase());
          case "strip":
            return py.str(self.v.trim());
          case "replace":
            if (a?.t !== "str" || b?.t !== "str") return unknown("replace()", call.range);
            const parts = self.v.split(a.v);
            checkStringLength(self.v.length + (parts.length - 1) * (b.v.length - a.v.length), call.range);
            return py.str(parts.join(b.v));
          case "startswith":
            return a?.t === "str" ? py.bool(self.v.startsWith(a.v)) : unknown("startswith()", call.range);
          case "endswith":
            return a?.t === "str" ? py.bool(self.v.endsWith(a.v)) : unknown("endswith()", call.range);
          case "split":
            return py.list(self.v.split(a?.t === "str" ? a.v : /\s+/).map(py.str));
          case "capitalize":
            return py.str(self.v.charAt(0).toUpperCase() + self.v.slice(1).toLowerCase());
          case "title":
            return py.str(self.v.replace(/\b\w/g, (c) => c.toUpperCase()));
          default:
            return unknown(`str.${name}() is not evaluated statically`, call.range);
        }
      }
      case "list": {
        if (self.set) {
          const changed = this.setMethod(self, name, call);
          if (changed) return changed;
        }
        switch (name) {
          case "append":
            checkLength(self.items.length + 1, "a list", call.range);
            self.items.push(a!);
            return NONE;
          case "extend": {
            const items = a ? iterate(a) : null;
            if (!items) throw new EvalError("extend() with a non-constant", call.range);
            checkLength(self.items.length + items.length, "a list", call.range);
            for (const item of [...items]) self.items.push(item);
            return NONE;
          }
          case "insert": {
            const i = a ? numberOf(a) : null;
            if (i === null) throw new EvalError("insert() index must be an int", call.range);
            self.items.splice(i < 0 ? self.items.length + i : i, 0, b!);
            return NONE;
          }
          case "pop": {
            const i = a ? numberOf(a) ?? -1 : -1;
            const idx = i < 0 ? self.items.length + i : i;
            const [item] = self.items.splice(idx, 1);
            return item ?? unknown("pop from an empty list", call.range);
          }
          case "copy":
            return py.list([...self.items]);
          case "index": {
            const idx = self.items.findIndex((i) => hashKey(i) !== null && hashKey(i) === hashKey(a!));
            return idx < 0 ? unknown("index() not found", call.range) : py.int(idx);
          }
          case "reverse":
            self.items.reverse();
            return NONE;
          case "sort": {
            const sorted = this.builtins.get("sorted") as Extract<PyValue, { t: "builtin" }>;
            const result = sorted.call({ ...call, args: [self] });
            if (result.t !== "list") throw new EvalError("list.sort() of values not known statically", call.range);
            self.items.length = 0;
            for (const item of result.items) self.items.push(item);
            return NONE;
          }
          case "remove": {
            const idx = self.items.findIndex((i) => hashKey(i) !== null && hashKey(i) === hashKey(a!));
            if (idx < 0) throw new EvalError("list.remove(x): x not in list", call.range);
            self.items.splice(idx, 1);
            return NONE;
          }
          case "clear":
            self.items.length = 0;
            return NONE;
          case "count":
            return py.int(self.items.filter((i) => hashKey(i) !== null && hashKey(i) === hashKey(a!)).length);
          default:
            // Never ignore a call that may change the list.
            throw new EvalError(`list.${name}() is not evaluated statically`, call.range);
        }
      }
      case "dict": {
        switch (name) {
          case "get": {
            const key = a ? hashKey(a) : null;
            return (key !== null && self.entries.get(key)?.[1]) || b || NONE;
          }
          case "items":
            return py.list([...self.entries.values()].map(([k, v]) => py.tuple([k, v])));
          case "keys":
            return py.list([...self.entries.values()].map(([k]) => k));
          case "values":
            return py.list([...self.entries.values()].map(([, v]) => v));
          case "copy":
            return { t: "dict", entries: new Map(self.entries) };
          case "update": {
            if (a?.t === "dict") for (const [k, v] of a.entries) self.entries.set(k, v);
            for (const [k, v] of call.kwargs) self.entries.set(hashKey(py.str(k))!, [py.str(k), v]);
            return NONE;
          }
          case "setdefault": {
            const key = a ? hashKey(a) : null;
            if (key === null) throw new EvalError("unsupported dict key", call.range);
            if (!self.entries.has(key)) self.entries.set(key, [a!, b ?? NONE]);
            return self.entries.get(key)![1];
          }
          case "pop": {
            const key = a ? hashKey(a) : null;
            const entry = key === null ? undefined : self.entries.get(key);
            if (key !== null) self.entries.delete(key);
            return entry?.[1] ?? b ?? unknown("pop() of a missing key", call.range);
          }
          case "clear":
            self.entries.clear();
            return NONE;
          default:
            throw new EvalError(`dict.${name}() is not evaluated statically`, call.range);
        }
      }
      default:
        return this.keras.callMethod(self, name, call);
    }
  }

  /** Methods of a Python set (held as a list of unique items); null for the ones a list shares. */
  private setMethod(self: Extract<PyValue, { t: "list" }>, name: string, call: CallArgs): PyValue | null {
    const others = () => call.args.map((a) => iterate(a) ?? (isUnknown(a) ? null : [])).flat() as (PyValue | null)[];
    const has = (items: PyValue[], v: PyValue) => items.some((i) => hashKey(i) !== null && hashKey(i) === hashKey(v));
    switch (name) {
      case "add":
      case "update": {
        const items = name === "add" ? [call.args[0]!] : others();
        if (items.some((i) => i === null || isUnknown(i))) throw new EvalError(`set.${name}() of a value not known statically`, call.range);
        const merged = pySet([...self.items, ...(items as PyValue[])], call.range);
        if (isUnknown(merged)) throw new EvalError(`set.${name}() of an unhashable value`, call.range);
        checkLength((merged as { items: PyValue[] }).items.length, "a set", call.range);
        self.items.splice(0, self.items.length, ...(merged as { items: PyValue[] }).items);
        return NONE;
      }
      case "discard":
      case "remove": {
        const at = self.items.findIndex((i) => hashKey(i) !== null && hashKey(i) === hashKey(call.args[0]!));
        if (at < 0 && name === "remove") throw new EvalError("set.remove(x): x not in set", call.range);
        if (at >= 0) self.items.splice(at, 1);
        return NONE;
      }
      case "union":
        return pySet([...self.items, ...(others().filter((i) => i !== null) as PyValue[])], call.range);
      case "intersection": {
        const items = others();
        return pySet(self.items.filter((i) => has(items as PyValue[], i)), call.range);
      }
      case "difference": {
        const items = others();
        return pySet(self.items.filter((i) => !has(items as PyValue[], i)), call.range);
      }
      case "copy":
        return pySet([...self.items], call.range);
      case "issubset":
        return py.bool(self.items.every((i) => has(others() as PyValue[], i)));
      default:
        return null;
    }
  }

  // Operators --------------------------------------------------------------------------------

  binary(op: string, left: PyValue, right: PyValue, node: Node): PyValue {
    if (left.t === "tensor" || right.t === "tensor") return this.tensorBinary(op, left, right, node);
    if (isUnknown(left)) return left;
    if (isUnknown(right)) return right;
    const range = this.range(node);
    if (op === "+" && left.t === "str" && right.t === "str") {
      checkStringLength(left.v.length + right.v.length, range);
      this.charge((left.v.length + right.v.length) >> 6, node);
      return py.str(left.v + right.v);
    }
    if (op === "+" && (left.t === "list" || left.t === "tuple") && left.t === right.t) {
      const rightItems = (right as { items: PyValue[] }).items;
      checkLength(left.items.length + rightItems.length, `a ${left.t}`, range);
      this.charge(left.items.length + rightItems.length, node);
      const items = left.items.concat(rightItems);
      return left.t === "list" ? py.list(items) : py.tuple(items);
    }
    // `n * seq` is `seq * n`.
    if (op === "*" && (right.t === "list" || right.t === "tuple" || right.t === "str") && (left.t === "int" || left.t === "bool")) return this.binary(op, right, left, node);
    if (op === "*" && (left.t === "list" || left.t === "tuple" || left.t === "str") && (right.t === "int" || right.t === "bool")) {
      const n = Math.max(0, numberOf(right)!);
      if (left.t === "str") {
        checkStringLength(left.v.length * n, range);
        this.charge((left.v.length * n) >> 6, node);
        return py.str(left.v.repeat(n));
      }
      checkLength(left.items.length * n, `a ${left.t}`, range);
      this.charge(left.items.length * n, node);
      const items: PyValue[] = [];
      for (let k = 0; k < n; k++) for (const item of left.items) items.push(item);
      return left.t === "list" ? py.list(items) : py.tuple(items);
    }
    if (op === "%" && left.t === "str") {
      const args = right.t === "tuple" ? right.items : [right];
      let i = 0;
      let length = left.v.length;
      const text = left.v.replace(/%([-0-9.]*)([sdifr%])/g, (_, spec: string, kind: string) => {
        if (kind === "%") return "%";
        const v = args[i++];
        if (!v) return "";
        const out = formatValue(v, `${spec}${kind === "s" || kind === "r" ? "" : kind === "i" ? "d" : kind}`) ?? "";
        length += out.length;
        checkStringLength(length, range);
        return out;
      });
      return py.str(text);
    }
    const x = numberOf(left);
    const y = numberOf(right);
    if (x === null || y === null) throw new EvalError(`unsupported operand types for ${op}: ${typeName(left)} and ${typeName(right)}`, range);
    const float = left.t === "float" || right.t === "float";
    // Integer results are exact or refused (MAX_INT_BITS); floats overflow to inf as they may.
    const num = (v: number, isFloat: boolean): PyValue => (isFloat ? py.float(v) : checkedInt(v, range));
    switch (op) {
      case "+":
        return num(x + y, float);
      case "-":
        return num(x - y, float);
      case "*":
        return num(x * y, float);
      case "/":
        if (y === 0) throw new EvalError("division by zero", range);
        return py.float(x / y);
      case "//":
        if (y === 0) throw new EvalError("division by zero", range);
        return num(Math.floor(x / y), float);
      case "%":
        if (y === 0) throw new EvalError("modulo by zero", range);
        return num(((x % y) + y) % y, float);
      case "**":
        // `2 ** 10 ** 10`: refused from the sizes, before anything is computed.
        if (!float && y >= 0 && Math.abs(x) > 1 && y * Math.log2(Math.abs(x)) > 53) return num(Infinity, false);
        return num(x ** y, float || y < 0);
      case "<<":
      case ">>":
      case "&":
      case "|":
      case "^": {
        if (float) throw new EvalError(`unsupported operand types for ${op}: float`, range);
        if (left.t === "bool" && right.t === "bool" && (op === "&" || op === "|" || op === "^")) {
          return py.bool(op === "&" ? left.v && right.v : op === "|" ? left.v || right.v : left.v !== right.v);
        }
        if ((op === "<<" || op === ">>") && y < 0) throw new EvalError("negative shift count", range);
        // `1 << 10**9`: refused from the sizes; exact on all 53 bits (JavaScript's operators use 32).
        if (op === "<<" && x !== 0 && y + Math.log2(Math.abs(x)) > 53) return num(Infinity, false);
        const a = BigInt(x);
        const b = BigInt(op === ">>" ? Math.min(y, 64) : y);
        return num(Number(op === "<<" ? a << b : op === ">>" ? a >> b : op === "&" ? a & b : op === "|" ? a | b : a ^ b), false);
      }
      default:
        throw new EvalError(`operator ${op} is not evaluated statically`, range);
    }
  }

  /** Python's operators on tensors are registry ops (`operator.add`, `operator.lt`...), like any other. */
  private tensorOperator(name: string, operands: PyValue[], node: Node): PyValue {
    const range = this.range(node);
    const op = opFor(`operator.${name}`);
    const unknownOperand = operands.find((v) => v.t === "unknown");
    if (unknownOperand) return unknownOperand;
    if (!op) {
      this.graph.report("error", "unsupported-construct", `operator \`${node.childForFieldName("operator")?.text ?? name}\` is not supported on tensors yet`, range);
      return { ...unknown(`unsupported tensor operator ${name}`, range), reported: true } as PyValue;
    }
    const call: CallArgs = { args: operands, kwargs: new Map(), argRanges: operands.map(() => range), kwargRanges: new Map(), range };
    return this.keras.op(op.rule, op.qualifiedName, call);
  }

  private tensorBinary(op: string, left: PyValue, right: PyValue, node: Node): PyValue {
    // Arithmetic on the script's data arrays is data, not a model operation.
    const data = ["+", "-", "*", "/"].includes(op) ? this.keras.arrayArithmetic(op, left, right) : null;
    if (data) return data;
    // Any other operation on the script's data arrays (`y_train < 5`) is data too, known only at run time.
    if (this.keras.isArray(left) || this.keras.isArray(right)) return unknown(`\`${op}\` of a NumPy array is not evaluated statically`, this.range(node));
    return this.tensorOperator(BINARY_OPERATORS[op] ?? op, [left, right], node);
  }

  private unary(op: string, value: PyValue, node: Node): PyValue {
    if (value.t === "tensor") return this.tensorOperator(op === "-" ? "neg" : op === "+" ? "pos" : "invert", [value], node);
    if (isUnknown(value)) return value;
    const x = numberOf(value);
    if (x === null) throw new EvalError(`bad operand for unary ${op}: ${typeName(value)}`, this.range(node));
    if (op === "-") return py.num(-x, value.t === "float");
    if (op === "~") return checkedInt(-x - 1, this.range(node));
    return value;
  }

  private compare(node: Node, scope: Scope): PyValue {
    const operands = node.namedChildren;
    const operators = node.children.filter((c) => !c.isNamed).map((c) => c.text);
    // `not in` / `is not` come as two tokens.
    const ops: string[] = [];
    for (let i = 0; i < operators.length; i++) {
      const op = operators[i]!;
      if ((op === "not" && operators[i + 1] === "in") || (op === "is" && operators[i + 1] === "not")) {
        ops.push(op === "not" ? "not in" : "is not");
        i++;
      } else ops.push(op);
    }
    let left = this.eval(operands[0]!, scope);
    if (left.t === "runtime" && ops.length === 1) {
      // `training is True`, `training == False`: still a run-time boolean.
      const right = this.eval(operands[1]!, scope);
      if (right.t === "bool" || right.t === "none") {
        const positive = (ops[0] === "==" || ops[0] === "is") === (right.t === "bool" && right.v);
        return { t: "runtime", kind: "bool", expr: positive ? left.expr : { k: "unary", op: "not", operand: left.expr } };
      }
    }
    if (ops.length === 1 && COMPARE_OPERATORS[ops[0]!]) {
      const right = this.eval(operands[1]!, scope);
      if (left.t === "tensor" || right.t === "tensor") return this.tensorOperator(COMPARE_OPERATORS[ops[0]!]!, [left, right], node);
      if (isUnknown(left)) return left;
      if (isUnknown(right)) return right;
      const result = compareValues(ops[0]!, left, right);
      return result === null ? unknown(`cannot compare ${typeName(left)} and ${typeName(right)} statically`, this.range(node)) : py.bool(result);
    }
    for (let i = 0; i < ops.length; i++) {
      const right = this.eval(operands[i + 1]!, scope);
      if (isUnknown(left)) return left;
      if (isUnknown(right)) return right;
      const result = compareValues(ops[i]!, left, right);
      if (result === null) return unknown(`cannot compare ${typeName(left)} and ${typeName(right)} statically`, this.range(node));
      if (!result) return py.bool(false);
      left = right;
    }
    return py.bool(true);
  }
}

const BINARY_OPERATORS: Record<string, string> = {
  "+": "add", "-": "sub", "*": "mul", "/": "truediv", "//": "floordiv", "%": "mod", "**": "pow", "@": "matmul", "&": "and_", "|": "or_", "^": "xor",
};
const COMPARE_OPERATORS: Record<string, string> = { "<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne" };

/** Index data back as a Python value, so that it binds like any static argument. */
function toPy(v: ConfigValue): PyValue {
  if (v === null) return NONE;
  if (typeof v === "number") return py.int(v);
  if (typeof v === "string") return py.str(v);
  if (typeof v === "boolean") return py.bool(v);
  if (Array.isArray(v)) return py.tuple(v.map(toPy));
  const entries = new Map<string, [PyValue, PyValue]>();
  for (const [k, item] of Object.entries(v)) entries.set(`s:${k}`, [py.str(k), toPy(item)]);
  return { t: "dict", entries };
}

/** A list or dict of layers, tensors or models: changing it may change a model. */
function holdsModelParts(v: PyValue): boolean {
  const part = (x: PyValue) => x.t === "layer" || x.t === "tensor" || x.t === "model";
  if (v.t === "list") return v.items.some(part);
  if (v.t === "dict") return [...v.entries.values()].some(([, x]) => part(x));
  return false;
}

/**
 * Names a statement may rebind (assignment and loop targets) and the objects of its method calls,
 * which it may change in place.
 */
function changedNames(stmt: Node): { rebound: Set<string>; receivers: Set<string> } {
  const rebound = new Set<string>();
  const receivers = new Set<string>();
  const { callees, targets } = effects(stmt);
  for (const target of targets) for (const id of target.type === "identifier" ? [target] : target.descendantsOfType("identifier")) rebound.add(id.text);
  for (const left of stmt.descendantsOfType("for_statement").map((f) => f.childForFieldName("left")!)) for (const id of left.type === "identifier" ? [left] : left.descendantsOfType("identifier")) rebound.add(id.text);
  if (stmt.type === "for_statement") for (const id of [stmt.childForFieldName("left")!, ...stmt.childForFieldName("left")!.descendantsOfType("identifier")]) if (id.type === "identifier") rebound.add(id.text);
  for (const callee of callees) {
    let object = callee.type === "attribute" ? callee.childForFieldName("object") : null;
    while (object && (object.type === "attribute" || object.type === "subscript")) object = object.type === "attribute" ? object.childForFieldName("object") : object.childForFieldName("value");
    if (object?.type === "identifier") receivers.add(object.text);
  }
  return { rebound, receivers };
}

function isLoop(stmt: Node): boolean {
  return stmt.type === "for_statement" || stmt.type === "while_statement";
}

/** `if __name__ == "__main__":` (either quote style, either operand order). */
function isMainGuard(stmt: Node): boolean {
  if (stmt.type !== "if_statement" || stmt.childrenForFieldName("alternative").length) return false;
  const condition = stmt.childForFieldName("condition")!.text.replace(/\s+/g, "").replace(/'/g, '"');
  return condition === '__name__=="__main__"' || condition === '"__main__"==__name__';
}

function compareValues(op: string, a: PyValue, b: PyValue): boolean | null {
  if (op === "in" || op === "not in") {
    let found: boolean | null;
    if (b.t === "str" && a.t === "str") found = b.v.includes(a.v);
    else if (b.t === "dict") found = hashKey(a) !== null && b.entries.has(hashKey(a)!);
    else {
      const items = iterate(b);
      found = items ? items.some((i) => equal(i, a) === true) : null;
    }
    return found === null ? null : op === "in" ? found : !found;
  }
  if (op === "==" || op === "is") return equal(a, b);
  if (op === "!=" || op === "is not") {
    const e = equal(a, b);
    return e === null ? null : !e;
  }
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== null && y !== null) return op === "<" ? x < y : op === "<=" ? x <= y : op === ">" ? x > y : op === ">=" ? x >= y : null;
  if (a.t === "str" && b.t === "str") return op === "<" ? a.v < b.v : op === "<=" ? a.v <= b.v : op === ">" ? a.v > b.v : op === ">=" ? a.v >= b.v : null;
  return null;
}

function equal(a: PyValue, b: PyValue, depth = 0): boolean | null {
  if (a === b && (a.t === "list" || a.t === "tuple")) return true;
  if (depth > MAX_VALUE_DEPTH) throw new ResourceLimit(`values nested more than ${MAX_VALUE_DEPTH} deep are not compared statically (MAX_VALUE_DEPTH)`);
  if ((a.t === "tensor" || a.t === "layer" || a.t === "model") && a.t === b.t) return a.id === b.id;
  const ka = hashKey(a);
  const kb = hashKey(b);
  if (ka !== null && kb !== null) return ka === kb;
  if (a.t === "none" || b.t === "none") return a.t === b.t;
  if (a.t === "list" && b.t === "list") {
    if (a.items.length !== b.items.length) return false;
    return a.items.every((x, i) => equal(x, b.items[i]!, depth + 1) === true);
  }
  return null;
}

function unescape(text: string): string {
  const map: Record<string, string> = { "\\n": "\n", "\\t": "\t", "\\\\": "\\", "\\'": "'", '\\"': '"', "\\r": "\r", "\\0": "\0" };
  return map[text] ?? text;
}

function sliceParts(node: Node): (Node | null)[] {
  const parts: (Node | null)[] = [null, null, null];
  let index = 0;
  for (const child of node.children) {
    if (child.type === ":") index++;
    else if (child.isNamed) parts[index] = child;
  }
  return parts;
}

function applySlice<T>(items: T[], start: number | null, stop: number | null, step: number | null): T[] {
  const n = items.length;
  const s = step ?? 1;
  if (s === 0) throw new RangeError("slice step cannot be zero"); // checked by the caller
  const norm = (i: number | null, dflt: number) => (i === null ? dflt : i < 0 ? Math.max(n + i, s > 0 ? 0 : -1) : Math.min(i, s > 0 ? n : n - 1));
  const out: T[] = [];
  if (s > 0) for (let i = norm(start, 0); i < norm(stop, n); i += s) out.push(items[i]!);
  else for (let i = norm(start, n - 1); i > norm(stop, -1); i += s) out.push(items[i]!);
  return out;
}

/** Python's format mini-language for the common cases (`03d`, `.2f`, `>4`). */
export function formatValue(value: PyValue, spec: string): string | null {
  const base = pyStr(value);
  if (!spec) return base;
  const m = /^(?:(.)?([<>^=]))?([+\- ]?)(0)?(\d+)?(,)?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/.exec(spec);
  if (!m) return null;
  const [, fill = " ", align, , zero, width, , precision, kind] = m;
  if (width && Number(width) > MAX_STRING_LENGTH) checkStringLength(Number(width));
  // JavaScript formats at most 100 digits; Python more, but no model needs them.
  if (precision && Number(precision) > 100) return null;
  const n = numberOf(value);
  let text: string;
  if (kind === "d") text = n === null ? "" : String(Math.trunc(n));
  else if (kind === "f" || kind === "F") text = n === null ? "" : n.toFixed(precision ? Number(precision) : 6);
  else if (kind === "e") text = n === null ? "" : n.toExponential(precision ? Number(precision) : 6);
  else if (kind === "x") text = n === null ? "" : Math.trunc(n).toString(16);
  else if (kind === "%") text = n === null ? "" : `${(n * 100).toFixed(precision ? Number(precision) : 6)}%`;
  else if (kind === "g" || kind === undefined) text = precision && n !== null ? String(Number(n.toPrecision(Number(precision)))) : base ?? "";
  else text = base ?? "";
  if (kind !== "s" && kind !== undefined && n === null) return null;
  const w = width ? Number(width) : 0;
  if (text.length >= w) return text;
  const pad = w - text.length;
  if (zero && !align) return text.startsWith("-") ? `-${"0".repeat(pad)}${text.slice(1)}` : "0".repeat(pad) + text;
  const a = align ?? (n !== null && value.t !== "str" ? ">" : "<");
  if (a === "<") return text + fill.repeat(pad);
  if (a === "^") return fill.repeat(Math.floor(pad / 2)) + text + fill.repeat(Math.ceil(pad / 2));
  return fill.repeat(pad) + text;
}

/** `"{}_{name}".format(...)` */
function formatString(template: string, call: CallArgs): string | null {
  let auto = 0;
  let failed = false;
  const text = template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, field: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    const [ref = "", spec = ""] = (field ?? "").split(":");
    const key = ref.split(/[.[!]/)[0]!;
    const value = key === "" ? call.args[auto++] : /^\d+$/.test(key) ? call.args[Number(key)] : call.kwargs.get(key);
    const out = value ? formatValue(value, spec) : null;
    if (out === null) failed = true;
    return out ?? "";
  });
  return failed ? null : text;
}

export type { Scope };

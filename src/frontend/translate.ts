// The `call` translator: runs a subclass's `call` (and the helper methods it uses) in the static
// evaluator on symbolic tensors, statement by statement, and rebuilds each statement as module IR.
//
// The evaluator does the work: layer calls and ops on tensors become graph nodes exactly as in
// Functional code, so shapes and weights come from the same rules. While a statement runs, every
// expression's value is recorded by syntax node; the statement is then rebuilt from the syntax with
// tensor-producing expressions as `{k: "node"}` placeholders, which lowering replaces with PyTorch code
// once layouts are known. Control flow on static values is decided here (an `if` on a constructor
// flag keeps its taken branch, a `for` over a list of blocks becomes a `loop` that lowering keeps or
// unrolls); an `if` on `training` keeps both branches, joined by `merge` nodes.
import type { SyntaxNode } from "./syntax.js";
import type { OutputStructure, PyExpr, SourceLoc, SourceRange, Stmt, TracedMethod } from "../ir/types.js";
import { EvalError, iterate, unknown } from "./builtins.js";
import { BreakSignal, ContinueSignal, RaiseSignal, ReturnSignal, type Evaluator, type Recorded } from "./evaluate.js";
import type { GraphBuilder } from "./graph.js";
import { Scope } from "./scope.js";
import type { InstanceState, SubclassSupport } from "./subclass.js";
import { NONE, py, truthy, typeName, type CallArgs, type PyValue } from "./values.js";

type Node = SyntaxNode;
type Instance = Extract<PyValue, { t: "model" }>;
type FunctionValue = Extract<PyValue, { t: "function" }>;

/** How a block of statements ended. */
type Ending = "return" | "break" | "continue" | null;

const SELF: PyExpr = { k: "name", name: "self" };
const TRAINING: PyExpr = { k: "attr", obj: SELF, name: "training" };

/** Builtins that mean the same in the generated module, so a call of one is kept as written. */
const PORTABLE_BUILTINS = new Set(["range", "enumerate", "zip", "reversed", "len", "min", "max", "abs", "int", "float", "round", "list", "tuple"]);

const DATA_DEPENDENT =
  "this condition depends on the values in a tensor (data-dependent control flow), which is not translated; " +
  "compute both results and choose with `keras.ops.where` (it becomes `torch.where`)";

/** Parameters of `call` that PyTorch expresses otherwise: `training` is `self.training`. */
const DROPPED_PARAMS = new Set(["training", "mask"]);

interface Context {
  self: Instance;
  state: InstanceState;
  /** Helper methods translated so far, by the unique key call sites refer to. */
  methods: TracedMethod[];
  /** Return values of a method body, in order (several when a run-time `if` returns early). */
  returns: PyValue[];
  /** Values a helper call returned, by identity: their call expression is `self.method(...)`. */
  helperResults: Map<PyValue, { key: string; node: Node }>;
  /** Loop variables in scope and the expression of the current item (for unrolling). */
  loopItems: Map<string, PyExpr>;
  /** The local scope of the method being translated. */
  locals: Scope;
  file: string;
  /** Set when a statement could not be translated: the method raises there. */
  failed: boolean;
}

export class CallTranslator {
  private readonly contexts: Context[] = [];

  constructor(
    private readonly ev: Evaluator,
    private readonly graph: GraphBuilder,
    private readonly subclasses: SubclassSupport,
  ) {
    graph.tensorExpr = (id) => {
      const context = this.contexts[this.contexts.length - 1];
      if (!context) return null;
      for (const name of context.locals.ownNames()) {
        const v = context.locals.own(name);
        if (v?.t === "tensor" && v.id === id) return { k: "name", name };
      }
      return null;
    };
  }

  /**
   * Translate `call` of `self` on `input` (a tensor or a structure of tensors). Fills the instance's
   * `forward` and its inputs/outputs/nodes; false when nothing usable came out (already reported).
   */
  trace(self: Instance, state: InstanceState, callMethod: { cls: Extract<PyValue, { t: "class" }>; fn: FunctionValue }, positional: PyValue[], call: CallArgs): boolean {
    const model = this.graph.program.models.get(self.id)!;
    const params = parameterNames(callMethod.fn.node);
    // Leaves that stand for the arguments: the trace's graph starts at them.
    const leaves: number[] = [];
    const leafOf = (v: PyValue, name: string): PyValue => {
      if (v.t === "tensor") {
        const t = this.graph.tensor(v.id);
        // The batch stays open even when the model was built on a concrete array (`np.zeros((1, 4))`).
        const leaf = this.graph.createLeaf([null, ...t.shape.slice(1)], t.dtype, name);
        leaves.push(leaf.id);
        return { t: "tensor", id: leaf.id };
      }
      if (v.t === "list" || v.t === "tuple") {
        const items = v.items.map((item, i) => leafOf(item, `${name}_${i}`));
        return v.t === "list" ? py.list(items) : py.tuple(items);
      }
      if (v.t === "dict") {
        const entries = new Map<string, [PyValue, PyValue]>();
        for (const [key, [k, item]] of v.entries) entries.set(key, [k, leafOf(item, `${name}_${k.t === "str" ? k.v : key}`)]);
        return { t: "dict", entries };
      }
      return v;
    };
    // `call(self, query, values)` takes several tensors; `call(self, inputs)` may take a list of them.
    const traced = positional.map((arg, i) => leafOf(arg, params[i] ?? `inputs_${i}`));
    if (!leaves.length) {
      this.ev.keras.reportUnknown(positional[0] ?? NONE, `the input of \`${state.cls.name}\``, call.argRanges[0] ?? call.range);
      return false;
    }
    // Keras builds on the first input's shape (a list of shapes for a list input).
    this.subclasses.runBuild(self, state, this.shapeArgument(traced.length === 1 ? traced[0]! : py.list(traced)), call.range);

    const kwargs = new Map<string, PyValue>();
    const argRanges = [call.range];
    const kwargRanges = new Map<string, SourceRange>();
    if (params.includes("training")) {
      const given = call.kwargs.get("training");
      // A constant `training=` from the caller decides the branches, as in Keras; otherwise run time does.
      kwargs.set("training", given && (given.t === "bool" || given.t === "none") ? (given.t === "none" ? runtimeTraining() : given) : runtimeTraining());
      kwargRanges.set("training", call.range);
    }
    if (params.includes("mask")) {
      const mask = call.kwargs.get("mask");
      if (mask && mask.t !== "none") this.graph.report("error", "unsupported-argument", `a \`mask\` passed to \`${state.cls.name}\` is not translated yet`, call.kwargRanges.get("mask") ?? call.range);
      kwargs.set("mask", NONE);
      kwargRanges.set("mask", call.range);
    }
    const result = this.translateMethod(self, state, callMethod.cls, callMethod.fn, { args: traced, kwargs, argRanges: traced.map(() => argRanges[0]!), kwargRanges, range: call.range });
    if (!result) return false;
    const { method, value } = result;
    let outputs = flattenTensors(value);
    if (!outputs && this.failedLast) {
      // The translation stopped at a statement it could not translate (reported there): the class is
      // still written, and its forward raises at that line. Its output is unknown.
      const placeholder = this.graph.createLeaf([null], "float32", "output");
      outputs = { ids: [placeholder.id], structure: { kind: "single" } };
      this.graph.change(model.subclass!, "untranslated", true);
    }
    if (!outputs) {
      this.graph.report("error", "invalid-model", `\`${state.cls.name}.call\` must return tensors, got ${typeName(value)}`, call.range);
      return false;
    }
    method.name = "forward";
    method.inputs = leaves;
    method.outputs = outputs.ids;
    method.outputStructure = outputs.structure;
    // Through the journal: a trace run by speculative code (the `__main__` block) can be rolled back.
    this.graph.change(model, "inputs", leaves);
    this.graph.change(model, "outputs", outputs.ids);
    this.graph.change(model, "outputStructure", outputs.structure);
    this.graph.change(model, "nodes", method.nodes);
    this.graph.change(model.subclass!, "forward", method);
    this.graph.change(model.subclass!, "methods", this.lastMethods);
    return true;
  }

  private lastMethods: TracedMethod[] = [];
  private failedLast = false;

  /** `build(input_shape)` gets the shapes as tuples (a list of them for several inputs). */
  private shapeArgument(value: PyValue): PyValue {
    if (value.t === "tensor") return py.tuple(this.graph.tensor(value.id).shape.map((d) => (d === null ? NONE : py.int(d))));
    if (value.t === "list" || value.t === "tuple") return py.list(value.items.map((v) => this.shapeArgument(v)));
    if (value.t === "dict") {
      const entries = new Map<string, [PyValue, PyValue]>();
      for (const [key, [k, v]] of value.entries) entries.set(key, [k, this.shapeArgument(v)]);
      return { t: "dict", entries };
    }
    return NONE;
  }

  /** Runs a method of `self` with its statements translated; the hook takes over after parameter binding. */
  private translateMethod(self: Instance, state: InstanceState, cls: Extract<PyValue, { t: "class" }>, fn: FunctionValue, call: CallArgs): { method: TracedMethod; value: PyValue } | null {
    const context: Context = {
      self,
      state,
      methods: [],
      returns: [],
      helperResults: new Map(),
      loopItems: new Map(),
      locals: new Scope(null),
      file: fn.source.path,
      failed: false,
    };
    let method: TracedMethod | null = null;
    const previousHook = this.ev.functionHook;
    const previousRecorder = this.ev.recorder;
    this.contexts.push(context);
    this.ev.functionHook = (target, locals) => {
      if (target !== fn) return this.helperHook(target, locals);
      this.ev.functionHook = (inner, innerLocals) => this.helperHook(inner, innerLocals);
      context.locals = locals;
      const translated = this.translateBody("call", fn, context, true);
      method = translated.method;
      return translated.value;
    };
    try {
      const value = this.subclasses.callIn(cls, fn, self, call);
      this.lastMethods = context.methods;
      this.failedLast = context.failed;
      return method ? { method, value } : null;
    } finally {
      this.contexts.pop();
      this.ev.functionHook = previousHook;
      this.ev.recorder = previousRecorder;
    }
  }

  /** A helper method called on `self` while `call` is translated: translated as a method of its own. */
  private helperHook(fn: FunctionValue, locals: Scope): PyValue | null {
    const context = this.contexts[this.contexts.length - 1];
    if (!context) return null;
    const selfValue = locals.own(parameterNames(fn.node, true)[0] ?? "self");
    if (selfValue?.t !== "model" || selfValue.id !== context.self.id) return null;
    // A property is read as a value (its result is inlined), not called as a method.
    if (this.subclasses.isProperty(fn)) return null;
    const inner: Context = { ...context, returns: [], loopItems: new Map(), locals, file: fn.source.path, failed: false };
    const previousRecorder = this.ev.recorder;
    this.contexts.push(inner);
    try {
      // Its graph nodes belong to the trace of `call`, which the layout pass sees whole.
      const { method, value: result } = this.translateBody(fn.name, fn, inner, false);
      const key = `${fn.name}#${context.methods.length + 1}`;
      method.name = key;
      context.methods.push(method);
      // A fresh object, so that the call site (and only it) is recognised as this helper's result.
      const value = cloneValue(result);
      context.helperResults.set(value, { key, node: fn.node });
      return value;
    } finally {
      this.contexts.pop();
      this.ev.recorder = previousRecorder;
    }
  }

  private resultOf(context: Context, fn: FunctionValue): PyValue {
    if (!context.returns.length) return NONE;
    if (context.returns.length === 1) return context.returns[0]!;
    return this.mergeValues(context.returns, this.ev.range(fn.node));
  }

  /** Translate the body of `fn`, whose parameters are bound in `context.locals`. */
  private translateBody(name: string, fn: FunctionValue, context: Context, ownTrace: boolean): { method: TracedMethod; value: PyValue } {
    const previousFile = this.ev.currentFile;
    this.ev.currentFile = fn.source;
    if (ownTrace) this.graph.beginTrace();
    let body: Stmt[] = [];
    let value: PyValue = NONE;
    let nodes: number[] = [];
    try {
      body = this.block(fn.node.childForFieldName("body")!, context).stmts;
      // Several returns meet in a merge node, which belongs to this trace too.
      value = this.resultOf(context, fn);
    } finally {
      this.ev.currentFile = previousFile;
      if (ownTrace) nodes = this.graph.endTrace();
    }
    const params = parameterNames(fn.node).filter((p) => !DROPPED_PARAMS.has(p));
    const defaults = parameterDefaults(fn.node);
    const method: TracedMethod = {
      name,
      params: params.map((p) => {
        const dflt = defaults.get(p);
        const value = dflt ? fn.defaults.get(p) : undefined;
        const literal = value ? this.literal(value) : null;
        return literal ? { name: p, default: literal } : { name: p };
      }),
      body,
      inputs: [],
      outputs: [],
      outputStructure: { kind: "single" },
      nodes,
      range: this.ev.range(fn.node),
    };
    return { method, value };
  }

  // Statements ------------------------------------------------------------------------------

  private block(block: Node, context: Context): { stmts: Stmt[]; ending: Ending } {
    const stmts: Stmt[] = [];
    const children = block.namedChildren;
    for (const [index, stmt] of children.entries()) {
      if (index === 0 && isDocstring(stmt)) continue;
      const { stmts: out, ending } = this.statement(stmt, context);
      stmts.push(...out);
      if (ending) return { stmts, ending };
    }
    return { stmts, ending: null };
  }

  private loc(node: Node): SourceLoc {
    return { file: this.ev.currentFile.path, line: node.startPosition.row + 1 };
  }

  /** Evaluate with every expression's value recorded; `work` runs in the evaluator. */
  private recorded<T>(work: () => T): { result: T; records: Map<number, Recorded> } {
    const previous = this.ev.recorder;
    const records = new Map<number, Recorded>();
    this.ev.recorder = records;
    try {
      return { result: work(), records };
    } finally {
      this.ev.recorder = previous;
    }
  }

  private fail(node: Node, message: string, context: Context, code: "unsupported-construct" | "unknown-value" = "unsupported-construct", at?: SourceRange): { stmts: Stmt[]; ending: Ending } {
    const range = at ?? this.ev.range(node);
    this.graph.report("error", code, message, range);
    context.failed = true;
    return { stmts: [{ s: "raise", message: `${message} (${range.file}:${range.line})`, loc: this.loc(node) }], ending: "return" };
  }

  private statement(stmt: Node, context: Context): { stmts: Stmt[]; ending: Ending } {
    const none = { stmts: [] as Stmt[], ending: null as Ending };
    try {
      switch (stmt.type) {
        case "comment":
          return { stmts: [{ s: "comment", text: stmt.text.replace(/^#\s?/, "") }], ending: null };
        case "pass_statement":
        case "global_statement":
        case "nonlocal_statement":
        case "assert_statement":
          return none;
        case "expression_statement":
          return { stmts: this.simple(stmt, context), ending: null };
        case "return_statement": {
          const expr = stmt.namedChildren[0];
          if (!expr) {
            context.returns.push(NONE);
            return { stmts: [{ s: "return", value: null, loc: this.loc(stmt) }], ending: "return" };
          }
          const { result, records } = this.recorded(() => this.ev.eval(expr, context.locals));
          context.returns.push(result);
          return { stmts: [{ s: "return", value: this.exprOf(expr, records, context), loc: this.loc(stmt) }], ending: "return" };
        }
        case "if_statement":
          return this.ifStatement(stmt, context);
        case "for_statement":
          return this.forStatement(stmt, context);
        case "while_statement":
          return this.whileStatement(stmt, context);
        case "break_statement":
          return { stmts: [], ending: "break" };
        case "continue_statement":
          return { stmts: [], ending: "continue" };
        case "raise_statement":
          return this.fail(stmt, "`call` raises here for the input it was translated on", context);
        case "with_statement":
        case "try_statement": {
          const body = stmt.childForFieldName("body");
          return body ? this.block(body, context) : none;
        }
        case "decorated_definition":
        case "function_definition":
        case "class_definition":
          return this.fail(stmt, "functions and classes defined inside `call` are not translated yet; move them to methods of the class", context);
        default:
          return this.fail(stmt, `\`${stmt.type.replace(/_/g, " ")}\` in \`call\` is not translated yet`, context);
      }
    } catch (signal) {
      if (signal instanceof EvalError) return this.fail(stmt, signal.message, context, "unknown-value", signal.range);
      if (signal instanceof RaiseSignal) return this.fail(stmt, "`call` raises here for the input it was translated on", context);
      if (signal instanceof ReturnSignal || signal instanceof BreakSignal || signal instanceof ContinueSignal) {
        return this.fail(stmt, "control flow inside this expression is not translated", context);
      }
      throw signal;
    }
  }

  /** Assignments and expression statements. */
  private simple(stmt: Node, context: Context): Stmt[] {
    const expr = stmt.namedChildren[0];
    if (!expr) return [];
    const { records } = this.recorded(() => this.ev.exec(stmt, context.locals, "function"));
    const loc = this.loc(stmt);
    // A value that could not be known is reported here, where it was made, not where it is used.
    const rhs = expr.type === "assignment" || expr.type === "augmented_assignment" ? expr.childForFieldName("right") : expr;
    const made = rhs ? records.get(rhs.id)?.value : undefined;
    if (made?.t === "unknown") throw new EvalError(made.reason, made.range);
    if (expr.type === "assignment") {
      const right = expr.childForFieldName("right");
      if (!right) return [];
      const targets: PyExpr[] = [];
      let value: Node = right;
      const left = expr.childForFieldName("left")!;
      // `a, b = value` keeps its spelling (a tuple pattern without parentheses).
      if (left.type === "pattern_list") {
        const items = left.namedChildren.map((c) => this.targetExpr(c, records, context));
        return [{ s: "assign", targets: items, value: this.exprOf(right, records, context), loc }];
      }
      targets.push(this.targetExpr(left, records, context));
      // `a = b = value`
      while (value.type === "assignment") {
        const next = value.childForFieldName("right");
        if (!next) break; // `a = b: T`, a syntax error the evaluator has reported
        targets.push(this.targetExpr(value.childForFieldName("left")!, records, context));
        value = next;
      }
      const rendered = this.exprOf(value, records, context);
      // `a = b = value`: the first target takes the value, the others copy it.
      return targets.map((target, i): Stmt => ({ s: "assign", targets: [target], value: i === 0 ? rendered : targets[0]!, loc }));
    }
    if (expr.type === "augmented_assignment") {
      const left = expr.childForFieldName("left")!;
      const right = expr.childForFieldName("right")!;
      const op = expr.childForFieldName("operator")!.text.slice(0, -1);
      const after = context.locals.lookup(left.text);
      const produced = after?.t === "tensor" ? this.graph.tensor(after.id).producer : null;
      if (produced !== null && produced !== undefined && left.type === "identifier") {
        // `x += y` on tensors is written `x = x + y`: an in-place add could break autograd.
        const node = this.graph.program.nodes.get(produced)!;
        const operands = node.inputs.map((t) => this.tensorExpr([left, right], t, records, context) ?? this.missing(t));
        return [{ s: "assign", targets: [{ k: "name", name: left.text }], value: { k: "node", id: produced, operands }, loc }];
      }
      return [{ s: "augassign", target: this.targetExpr(left, records, context), op: op as "+", value: this.exprOf(right, records, context), loc }];
    }
    if (expr.type === "string") return [];
    const call = expr.type === "call" ? records.get(expr.id) : undefined;
    // A call kept only for its effect on tensors would be lost; calls that record losses or metrics are not model structure.
    if (call && createdNodes(call, this.graph).length === 0) return [];
    return [{ s: "expr", value: this.exprOf(expr, records, context), loc }];
  }

  private ifStatement(stmt: Node, context: Context): { stmts: Stmt[]; ending: Ending } {
    const condition = stmt.childForFieldName("condition")!;
    const { result, records } = this.recorded(() => this.ev.eval(condition, context.locals));
    const clauses = stmt.childrenForFieldName("alternative");
    if (result.t === "runtime") return this.runtimeIf(stmt, condition, records, clauses, context);
    const decided = truthyStatic(result);
    if (result.t === "tensor") return this.fail(condition, DATA_DEPENDENT, context);
    if (decided === null) return this.fail(condition, `cannot decide this condition statically${result.t === "unknown" ? `: ${result.reason}` : ""}`, context, "unknown-value");
    if (decided) return this.block(stmt.childForFieldName("consequence")!, context);
    for (const [i, clause] of clauses.entries()) {
      if (clause.type === "else_clause") return this.block(clause.childForFieldName("body")!, context);
      // `elif`: the rest of the chain as an `if` of its own.
      const cond = clause.childForFieldName("condition")!;
      const r = this.recorded(() => this.ev.eval(cond, context.locals));
      if (r.result.t === "runtime") return this.runtimeIf(clause, cond, r.records, clauses.slice(i + 1), context);
      const d = truthyStatic(r.result);
      if (d === null) return this.fail(cond, "cannot decide this condition statically", context, "unknown-value");
      if (d) return this.block(clause.childForFieldName("consequence")!, context);
    }
    return { stmts: [], ending: null };
  }

  /** Both branches are translated; variables they set differently are joined by merge nodes. */
  private runtimeIf(stmt: Node, condition: Node, records: Map<number, Recorded>, rest: Node[], context: Context): { stmts: Stmt[]; ending: Ending } {
    const conditionExpr = this.exprOf(condition, records, context);
    const before = context.locals;
    const thenScope = before.clone();
    const elseScope = before.clone();
    context.locals = thenScope;
    const then = this.block(stmt.childForFieldName("consequence")!, context);
    context.locals = elseScope;
    let otherwise: { stmts: Stmt[]; ending: Ending } = { stmts: [], ending: null };
    const [next, ...later] = rest;
    if (next?.type === "else_clause") otherwise = this.block(next.childForFieldName("body")!, context);
    else if (next?.type === "elif_clause") {
      const cond = next.childForFieldName("condition")!;
      const r = this.recorded(() => this.ev.eval(cond, context.locals));
      otherwise = r.result.t === "runtime" ? this.runtimeIf(next, cond, r.records, later, context) : this.fail(cond, "an `elif` on a constant after a run-time condition is not translated yet", context);
    }
    context.locals = before;
    const range = this.ev.range(stmt);
    // A branch that returned leaves the other one's bindings for the code after the `if`.
    const live = [then.ending ? null : thenScope, otherwise.ending ? null : elseScope].filter((s): s is Scope => s !== null);
    for (const name of new Set([...thenScope.ownNames(), ...elseScope.ownNames()])) {
      const values = live.map((s) => s.own(name)).filter((v): v is PyValue => v !== undefined);
      if (!values.length) continue;
      before.set(name, values.length === 1 ? values[0]! : this.mergeValues(values, range));
    }
    const ending: Ending = then.ending && otherwise.ending ? "return" : null;
    return { stmts: [{ s: "if", condition: conditionExpr, then: then.stmts, otherwise: otherwise.stmts, loc: this.loc(stmt) }], ending };
  }

  /** The value after branches join: equal values stay, tensors meet in a merge node. */
  private mergeValues(values: PyValue[], range: SourceRange): PyValue {
    const first = values[0]!;
    if (values.every((v) => sameValue(v, first))) return first;
    if (values.every((v) => v.t === "tensor")) return { t: "tensor", id: this.graph.applyMerge(values.map((v) => (v as { id: number }).id), range) };
    if (values.every((v) => (v.t === "tuple" || v.t === "list") && v.items.length === (first as { items: PyValue[] }).items.length)) {
      const items = (first as { items: PyValue[] }).items.map((_, i) => this.mergeValues(values.map((v) => (v as { items: PyValue[] }).items[i]!), range));
      return first.t === "list" ? py.list(items) : py.tuple(items);
    }
    return unknown("a value that differs between the branches of a run-time `if`", range);
  }

  private forStatement(stmt: Node, context: Context): { stmts: Stmt[]; ending: Ending } {
    const left = stmt.childForFieldName("left")!;
    const right = stmt.childForFieldName("right")!;
    const { result, records } = this.recorded(() => this.ev.eval(right, context.locals));
    const items = iterate(result);
    if (!items) return this.fail(right, `cannot iterate over this value statically${result.t === "unknown" ? `: ${result.reason}` : ""}`, context, "unknown-value");
    const iterExpr = this.exprOf(right, records, context);
    const names = left.type === "identifier" ? [left] : left.descendantsOfType("identifier");
    const iterations: Stmt[][] = [];
    let ending: Ending = null;
    for (const [i, item] of items.entries()) {
      this.ev.assign(left, item, context.locals, "function");
      for (const name of names) context.loopItems.set(name.text, this.itemExpr(name.text, left, item, iterExpr, right, i, context));
      const body = this.block(stmt.childForFieldName("body")!, context);
      iterations.push(body.stmts);
      if (body.ending === "break") break;
      if (body.ending === "return") {
        ending = "return";
        break;
      }
    }
    for (const name of names) context.loopItems.delete(name.text);
    if (ending === "return" || iterations.length < items.length) {
      // A loop left early runs as written, unrolled.
      return { stmts: iterations.flat(), ending };
    }
    return { stmts: [{ s: "loop", target: this.patternExpr(left), iter: iterExpr, iterations, loc: this.loc(stmt) }], ending: null };
  }

  /** What the loop variable `name` stands for in iteration `i` when the loop is unrolled. */
  private itemExpr(name: string, left: Node, item: PyValue, iterExpr: PyExpr, right: Node, i: number, context: Context): PyExpr {
    const value = left.type === "identifier" ? item : context.locals.lookup(name) ?? item;
    const literal = this.literal(value, context);
    if (literal) return literal;
    if (left.type === "identifier" && right.type !== "call") return { k: "subscript", obj: iterExpr, index: { k: "lit", value: i } };
    return { k: "name", name };
  }

  private whileStatement(stmt: Node, context: Context): { stmts: Stmt[]; ending: Ending } {
    const condition = stmt.childForFieldName("condition")!;
    const out: Stmt[] = [];
    for (let guard = 0; ; guard++) {
      if (guard > 10_000) return this.fail(stmt, "a `while` loop in `call` ran more than 10000 times statically", context);
      const { result } = this.recorded(() => this.ev.eval(condition, context.locals));
      const decided = truthyStatic(result);
      if (result.t === "tensor") return this.fail(condition, DATA_DEPENDENT, context);
      if (decided === null) return this.fail(condition, "a `while` condition must be static to translate the loop", context, "unknown-value");
      if (!decided) break;
      const body = this.block(stmt.childForFieldName("body")!, context);
      out.push(...body.stmts);
      if (body.ending === "break") break;
      if (body.ending === "return") return { stmts: out, ending: "return" };
    }
    return { stmts: out, ending: null };
  }

  // Expressions -----------------------------------------------------------------------------

  private targetExpr(node: Node, records: Map<number, Recorded>, context: Context): PyExpr {
    switch (node.type) {
      case "identifier":
        return { k: "name", name: node.text };
      case "pattern_list":
      case "tuple_pattern":
      case "tuple":
      case "list_pattern":
      case "list":
        return { k: "tuple", items: node.namedChildren.map((c) => this.targetExpr(c, records, context)) };
      case "parenthesized_expression":
        return this.targetExpr(node.namedChildren[0]!, records, context);
      case "attribute":
      case "subscript":
        return this.exprOf(node, records, context);
      default:
        throw new EvalError(`cannot assign to \`${node.text}\` in a translated method`, this.ev.range(node));
    }
  }

  private patternExpr(node: Node): PyExpr {
    if (node.type === "identifier") return { k: "name", name: node.text };
    return { k: "tuple", items: node.namedChildren.map((c) => this.patternExpr(c)) };
  }

  /** The PyTorch-side expression of an evaluated syntax node (tensor expressions as node placeholders). */
  private exprOf(node: Node, records: Map<number, Recorded>, context: Context): PyExpr {
    if (node.type === "parenthesized_expression") return this.exprOf(node.namedChildren[0]!, records, context);
    const record = records.get(node.id);
    const value = record?.value;
    if (node.type === "identifier") return this.identifierExpr(node, value, context);
    if (value && context.helperResults.has(value) && node.type === "call") return this.helperCallExpr(node, records, context, context.helperResults.get(value)!.key);
    if (value?.t === "runtime" && node.type !== "conditional_expression") return value.expr;
    // A tensor (or tensors) this very expression produced: the node that made it.
    // (A subscript of a list of tensors picks an item: it is structural, `parts[0]`.)
    const picksItem = node.type === "subscript" && records.get(node.childForFieldName("value")!.id)?.value.t !== "tensor";
    if (record && !picksItem && node.type !== "conditional_expression") {
      const produced = this.producedHere(node, record, records);
      if (produced !== null) {
        const graphNode = this.graph.program.nodes.get(produced)!;
        const roots = this.operandRoots(node);
        const operands = graphNode.inputs.map((t) => this.tensorExpr(roots, t, records, context) ?? this.missing(t));
        const fn = node.type === "call" ? node.childForFieldName("function")! : null;
        // The called object's expression (`self.dense1`, `block`); a layer made on the spot
        // (`layers.add([a, b])`) has none, and only a rule that calls its module needs one.
        const callee = fn && (graphNode.op.kind === "layer" || graphNode.op.kind === "model") ? this.tryExprOf(fn, records, context) : undefined;
        return callee ? { k: "node", id: produced, operands, callee } : { k: "node", id: produced, operands };
      }
    }
    return this.structural(node, value, records, context);
  }

  private tryExprOf(node: Node, records: Map<number, Recorded>, context: Context): PyExpr | undefined {
    try {
      return this.exprOf(node, records, context);
    } catch (error) {
      if (error instanceof EvalError) return undefined;
      throw error;
    }
  }

  private identifierExpr(node: Node, value: PyValue | undefined, context: Context): PyExpr {
    const name = node.text;
    if (name === "self") return SELF;
    const loop = context.loopItems.get(name);
    if (loop) return { k: "loopvar", name, item: loop };
    if (value?.t === "runtime") return value.expr;
    if (context.locals.has(name)) return { k: "name", name };
    const literal = value ? this.literal(value, context) : null;
    if (literal) return literal;
    throw new EvalError(`\`${name}\` (${value ? typeName(value) : "undefined"}) cannot be used in the translated code`, this.ev.range(node));
  }

  /** The graph node whose output is this expression's value, when this expression created it. */
  private producedHere(node: Node, record: Recorded, records: Map<number, Recorded>): number | null {
    const producers = outputProducers(record.value, this.graph);
    if (producers === null) return null;
    if (producers < record.start || producers >= record.end) return null;
    // Not when a sub-expression produced it (`(a if c else self.d(x))` delegates to the call).
    for (const child of node.namedChildren) {
      const inner = deepestRecord(child, records);
      if (inner && producers >= inner.start && producers < inner.end && sameValue(inner.value, record.value)) return null;
    }
    return producers;
  }

  /** Where a node's tensor inputs are to be found: the arguments of a call, the operands of an operator. */
  private operandRoots(node: Node): Node[] {
    if (node.type === "call") {
      const args = node.childForFieldName("arguments");
      const fn = node.childForFieldName("function")!;
      // Method calls on tensors (`x.reshape`) take the object as an operand too.
      const object = fn.type === "attribute" ? [fn.childForFieldName("object")!] : [];
      return [...(args ? args.namedChildren.map((a) => (a.type === "keyword_argument" ? a.childForFieldName("value")! : a)) : []), ...object];
    }
    return node.namedChildren;
  }

  /** The expression that holds tensor `id` inside the syntax trees `roots` (searched breadth-first). */
  private tensorExpr(roots: Node[], id: number, records: Map<number, Recorded>, context: Context): PyExpr | null {
    const queue = [...roots];
    while (queue.length) {
      const node = queue.shift()!;
      const value = records.get(node.id)?.value;
      if (value?.t === "tensor" && value.id === id) return this.exprOf(node, records, context);
      const literalContainer = ["list", "tuple", "parenthesized_expression", "expression_list"].includes(node.type);
      if (!literalContainer && value && (value.t === "list" || value.t === "tuple")) {
        const index = value.items.findIndex((v) => v.t === "tensor" && v.id === id);
        if (index >= 0) return { k: "subscript", obj: this.exprOf(node, records, context), index: { k: "lit", value: index } };
      }
      if (!literalContainer && value && value.t === "tensor") continue;
      queue.push(...node.namedChildren);
    }
    return null;
  }

  private missing(tensor: number): PyExpr {
    throw new EvalError(`a tensor used here (${this.graph.tensor(tensor).inputName ?? `#${tensor}`}) cannot be named in the translated code`, this.graph.program.nodes.get(this.graph.tensor(tensor).producer ?? -1)?.range ?? this.graph.program.models.values().next().value!.range);
  }

  private helperCallExpr(node: Node, records: Map<number, Recorded>, context: Context, key: string): PyExpr {
    const args = node.childForFieldName("arguments")!.namedChildren.filter((a) => a.type !== "comment");
    const positional = args.filter((a) => a.type !== "keyword_argument").map((a) => this.exprOf(a, records, context));
    const kwargs = args
      .filter((a) => a.type === "keyword_argument" && !DROPPED_PARAMS.has(a.childForFieldName("name")!.text))
      .map((a) => [a.childForFieldName("name")!.text, this.exprOf(a.childForFieldName("value")!, records, context)] as [string, PyExpr]);
    return { k: "call", fn: { k: "attr", obj: SELF, name: key }, args: positional, kwargs };
  }

  /** Expressions on static values, rebuilt as written where every part can be; otherwise the value. */
  private structural(node: Node, value: PyValue | undefined, records: Map<number, Recorded>, context: Context): PyExpr {
    const sub = (n: Node) => this.exprOf(n, records, context);
    switch (node.type) {
      case "attribute": {
        const object = node.childForFieldName("object")!;
        const attr = node.childForFieldName("attribute")!.text;
        if (object.type === "identifier" && object.text === "self" && context.state.attributes.has(attr)) return { k: "attr", obj: SELF, name: attr };
        const objectValue = records.get(object.id)?.value;
        if (objectValue?.t === "tensor" && value && value.t !== "tensor") return this.literalOrFail(node, value, context);
        break;
      }
      case "subscript": {
        const container = node.childForFieldName("value")!;
        const index = node.childrenForFieldName("subscript");
        const containerValue = records.get(container.id)?.value;
        if (containerValue?.t === "tensor") break;
        if (index.length === 1 && containerValue && ["list", "tuple", "dict"].includes(containerValue.t)) {
          const containerExpr = this.exprOf(container, records, context);
          // `shape[1]` of a tuple written out in full is just the item; a named container keeps its name.
          const named = containerExpr.k === "name" || containerExpr.k === "attr";
          if (value && value.t !== "tensor" && !named && this.literal(value, context)) return this.literalOrFail(node, value, context);
          return { k: "subscript", obj: containerExpr, index: sub(index[0]!) };
        }
        break;
      }
      case "conditional_expression": {
        const [then, condition, otherwise] = node.namedChildren;
        const c = records.get(condition!.id)?.value;
        if (c?.t === "runtime") return { k: "ternary", condition: sub(condition!), then: sub(then!), otherwise: sub(otherwise!) };
        return truthyStatic(c ?? NONE) ? sub(then!) : sub(otherwise!);
      }
      case "tuple":
      case "expression_list":
        return { k: "tuple", items: node.namedChildren.filter((c) => c.type !== "comment").map(sub) };
      case "list":
        return { k: "list", items: node.namedChildren.filter((c) => c.type !== "comment").map(sub) };
      case "binary_operator": {
        const left = sub(node.childForFieldName("left")!);
        const right = sub(node.childForFieldName("right")!);
        if (value && value.t !== "tensor" && isLiteralOnly(left) && isLiteralOnly(right)) return this.literalOrFail(node, value, context);
        return { k: "binop", op: node.childForFieldName("operator")!.text as "+", left, right };
      }
      case "unary_operator":
        return { k: "unary", op: node.childForFieldName("operator")!.text as "-", operand: sub(node.childForFieldName("argument")!) };
      case "not_operator":
        return { k: "unary", op: "not", operand: sub(node.childForFieldName("argument")!) };
      case "slice": {
        // `self.blocks[1:]`: the parts were evaluated on their own.
        const parts: (Node | null)[] = [null, null, null];
        let index = 0;
        for (const child of node.children) {
          if (child.type === ":") index++;
          else if (child.isNamed) parts[index] = child;
        }
        const part = (n: Node | null) => (n ? sub(n) : null);
        return { k: "slice", start: part(parts[0]!), stop: part(parts[1]!), step: part(parts[2]!) };
      }
      case "call": {
        // `range(n)`, `enumerate(self.blocks)`, `zip(a, b)`: Python's own builtins read as written.
        const fn = node.childForFieldName("function")!;
        const args = node.childForFieldName("arguments");
        if (fn.type === "identifier" && PORTABLE_BUILTINS.has(fn.text) && !context.locals.has(fn.text) && args && args.type === "argument_list" && args.namedChildren.every((a) => a.type !== "keyword_argument" && a.type !== "list_splat" && a.type !== "dictionary_splat")) {
          try {
            return { k: "call", fn: { k: "name", name: fn.text }, args: args.namedChildren.filter((a) => a.type !== "comment").map(sub) };
          } catch (error) {
            if (!(error instanceof EvalError)) throw error;
          }
        }
        break;
      }
      default:
        break;
    }
    if (value === undefined) throw new EvalError(`\`${node.text}\` was not evaluated`, this.ev.range(node));
    return this.literalOrFail(node, value, context);
  }

  private literalOrFail(node: Node, value: PyValue, context: Context): PyExpr {
    const literal = this.literal(value, context);
    if (literal) return literal;
    throw new EvalError(`\`${node.text}\` (${typeName(value)}) cannot be expressed in the translated code`, this.ev.range(node));
  }

  /** A static value written as Python; layers as their attribute paths. Null when it has no spelling. */
  private literal(value: PyValue, context?: Context): PyExpr | null {
    switch (value.t) {
      case "none":
        return { k: "lit", value: null };
      case "bool":
      case "int":
      case "str":
        return { k: "lit", value: value.v };
      case "float":
        return { k: "float", value: value.v };
      case "tuple":
      case "list": {
        const items = value.items.map((v) => this.literal(v, context));
        if (items.some((i) => i === null)) return null;
        return { k: value.t, items: items as PyExpr[] };
      }
      case "runtime":
        return value.expr;
      case "layer":
      case "model":
        return context ? this.objectPath(value, context) : null;
      default:
        return null;
    }
  }

  /** `self.blocks[1]`, `self.heads["a"]`: where a sublayer sits among the instance's attributes. */
  private objectPath(target: PyValue, context: Context): PyExpr | null {
    const find = (value: PyValue, expr: PyExpr): PyExpr | null => {
      if ((value.t === "layer" || value.t === "model") && value.t === target.t && value.id === (target as { id: number }).id) return expr;
      if (value.t === "list" || value.t === "tuple") {
        for (const [i, item] of value.items.entries()) {
          const found = find(item, { k: "subscript", obj: expr, index: { k: "lit", value: i } });
          if (found) return found;
        }
      }
      if (value.t === "dict") {
        for (const [k, item] of value.entries.values()) {
          if (k.t !== "str" && k.t !== "int") continue;
          const found = find(item, { k: "subscript", obj: expr, index: { k: "lit", value: k.v } });
          if (found) return found;
        }
      }
      return null;
    };
    if (target.t === "model" && target.id === context.self.id) return SELF;
    for (const [name, { value }] of context.state.attributes) {
      const found = find(value, { k: "attr", obj: SELF, name });
      if (found) return found;
    }
    return null;
  }
}

function runtimeTraining(): PyValue {
  return { t: "runtime", kind: "bool", expr: TRAINING };
}

function parameterNames(fn: Node, includeSelf = false): string[] {
  const names: string[] = [];
  for (const param of fn.childForFieldName("parameters")!.namedChildren) {
    if (param.type === "identifier") names.push(param.text);
    else if (param.type === "typed_parameter") names.push(param.namedChildren[0]!.text);
    else if (param.type === "default_parameter" || param.type === "typed_default_parameter") names.push(param.childForFieldName("name")!.text);
  }
  return includeSelf ? names : names.slice(1);
}

function parameterDefaults(fn: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const param of fn.childForFieldName("parameters")!.namedChildren) {
    if (param.type === "default_parameter" || param.type === "typed_default_parameter") out.set(param.childForFieldName("name")!.text, param.childForFieldName("value")!);
  }
  return out;
}

function isDocstring(stmt: Node): boolean {
  return stmt.type === "expression_statement" && stmt.namedChildren.length === 1 && stmt.namedChildren[0]!.type === "string";
}

/** Python truthiness of a static value; a tensor's is only known at run time. */
function truthyStatic(v: PyValue): boolean | null {
  return v.t === "tensor" ? null : truthy(v);
}

function sameValue(a: PyValue, b: PyValue): boolean {
  if (a === b) return true;
  if ((a.t === "tensor" || a.t === "layer" || a.t === "model") && a.t === b.t) return a.id === (b as { id: number }).id;
  if ((a.t === "int" || a.t === "float" || a.t === "str" || a.t === "bool") && a.t === b.t) return a.v === (b as { v: unknown }).v;
  if (a.t === "none" && b.t === "none") return true;
  if ((a.t === "tuple" || a.t === "list") && a.t === b.t) return a.items.length === (b as { items: PyValue[] }).items.length && a.items.every((x, i) => sameValue(x, (b as { items: PyValue[] }).items[i]!));
  return false;
}

function cloneValue(v: PyValue): PyValue {
  if (v.t === "tensor") return { t: "tensor", id: v.id };
  if (v.t === "tuple" || v.t === "list") return { t: v.t, items: [...v.items] };
  if (v.t === "dict") return { t: "dict", entries: new Map(v.entries) };
  return { ...v };
}

/** The producer of a tensor value, or of every tensor of a list when one node made them all. */
function outputProducers(value: PyValue, graph: GraphBuilder): number | null {
  if (value.t === "tensor") return graph.tensor(value.id).producer;
  if ((value.t === "list" || value.t === "tuple") && value.items.length && value.items.every((v) => v.t === "tensor")) {
    const producers = new Set(value.items.map((v) => graph.tensor((v as { id: number }).id).producer));
    if (producers.size !== 1) return null;
    const producer = [...producers][0]!;
    if (producer === null) return null;
    const node = graph.program.nodes.get(producer)!;
    return value.items.every((v, i) => node.outputs[i] === (v as { id: number }).id) && node.outputs.length === value.items.length ? producer : null;
  }
  return null;
}

function deepestRecord(node: Node, records: Map<number, Recorded>): Recorded | undefined {
  return records.get(node.id) ?? (node.type === "parenthesized_expression" && node.namedChildren[0] ? deepestRecord(node.namedChildren[0], records) : undefined);
}

function createdNodes(record: Recorded, graph: GraphBuilder): number[] {
  const out: number[] = [];
  for (let id = record.start; id < record.end; id++) if (graph.program.nodes.has(id)) out.push(id);
  return out;
}

function isLiteralOnly(expr: PyExpr): boolean {
  if (expr.k === "lit" || expr.k === "float") return true;
  if (expr.k === "tuple" || expr.k === "list") return expr.items.every(isLiteralOnly);
  return false;
}

/** A returned value's tensors, flattened, and the structure `forward` returns them in. */
function flattenTensors(value: PyValue): { ids: number[]; structure: OutputStructure } | null {
  if (value.t === "tensor") return { ids: [value.id], structure: { kind: "single" } };
  if ((value.t === "tuple" || value.t === "list") && value.items.length && value.items.every((v) => v.t === "tensor")) {
    return { ids: value.items.map((v) => (v as { id: number }).id), structure: { kind: "list" } };
  }
  if (value.t === "dict" && [...value.entries.values()].every(([k, v]) => k.t === "str" && v.t === "tensor")) {
    const entries = [...value.entries.values()];
    return { ids: entries.map(([, v]) => (v as { id: number }).id), structure: { kind: "dict", keys: entries.map(([k]) => (k as { v: string }).v) } };
  }
  return null;
}

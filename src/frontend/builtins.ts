// The Python builtins (and `math`) that model-building code uses, evaluated on constants only.
import type { SourceRange } from "../ir/types.js";
import { NONE, checkLength, hashKey, py, pyStr, truthy, type CallArgs, type PyValue } from "./values.js";

export class EvalError extends Error {
  constructor(
    message: string,
    readonly range: SourceRange,
  ) {
    super(message);
  }
}

export function unknown(reason: string, range: SourceRange): PyValue {
  return { t: "unknown", reason, range };
}

/** The items of an iterable constant, or null. */
export function iterate(v: PyValue): PyValue[] | null {
  switch (v.t) {
    case "tuple":
    case "list":
      return v.items;
    case "str":
      return [...v.v].map(py.str);
    case "dict":
      return [...v.entries.values()].map(([k]) => k);
    default:
      return null;
  }
}

export function numberOf(v: PyValue): number | null {
  if (v.t === "int" || v.t === "float") return v.v;
  if (v.t === "bool") return v.v ? 1 : 0;
  return null;
}

const isFloat = (v: PyValue) => v.t === "float";

/** The first unknown inside a list, tuple or dict (depth-first), which says why the container is not known. */
export function innerUnknown(v: PyValue, depth = 0): PyValue | null {
  if (v.t === "unknown") return v;
  if (depth > 100) return null;
  const items = v.t === "list" || v.t === "tuple" ? v.items : v.t === "dict" ? [...v.entries.values()].flat() : [];
  for (const item of items) {
    const found = innerUnknown(item, depth + 1);
    if (found) return found;
  }
  return null;
}

function firstUnknown(call: CallArgs): PyValue | null {
  return [...call.args, ...call.kwargs.values()].find((a) => a.t === "unknown") ?? null;
}

type Builtin = (call: CallArgs) => PyValue;

function numeric(name: string, fn: (...xs: number[]) => number, returnsInt: boolean | "same"): Builtin {
  return (call) => {
    const bad = firstUnknown(call);
    if (bad) return bad;
    const xs = call.args.map(numberOf);
    if (xs.some((x) => x === null)) throw new EvalError(`${name}() needs numbers`, call.range);
    const result = fn(...(xs as number[]));
    const float = returnsInt === "same" ? call.args.some(isFloat) : !returnsInt;
    return py.num(result, float && !(returnsInt === true));
  };
}

/** Builtins that are functions of their arguments alone; builtins-calling.ts has the ones that call back. */
const NOT_EVALUATED = "aiter anext ascii bin breakpoint bytearray bytes callable chr compile complex delattr dir divmod eval exec filter format frozenset globals hash help hex id input issubclass iter locals map memoryview next oct open ord pow repr slice vars __import__ exit quit".split(" ");

/** The builtins every evaluator starts from: built once, the values frozen (evaluators share them). */
let sharedBuiltins: Map<string, PyValue> | undefined;

/**
 * The builtin of this name that is a plain function of its arguments, or undefined. An evaluator looks
 * up its own first (`super`, those that call back into it: builtins-calling.ts).
 */
export function plainBuiltin(name: string): PyValue | undefined {
  sharedBuiltins ??= new Map([...builtinTable()].map(([name, value]) => [name, Object.freeze(value)]));
  return sharedBuiltins.get(name);
}

function builtinTable(): Map<string, PyValue> {
  const table: Record<string, Builtin> = {
    range: (call) => {
      const bad = firstUnknown(call);
      if (bad) return bad;
      const xs = call.args.map(numberOf);
      if (xs.some((x) => x === null || !Number.isInteger(x))) throw new EvalError("range() needs integers", call.range);
      const [start, stop, step] = xs.length === 1 ? [0, xs[0]!, 1] : [xs[0]!, xs[1]!, xs[2] ?? 1];
      if (step === 0) throw new EvalError("range() step must not be zero", call.range);
      // The length first: `range(10**12)` is refused before anything is built.
      const length = Math.max(0, Math.ceil((stop! - start!) / step!));
      checkLength(length, "range()", call.range);
      const items: PyValue[] = [];
      for (let k = 0; k < length; k++) items.push(py.int(start! + k * step!));
      return py.list(items);
    },
    len: (call) => {
      const v = call.args[0]!;
      if (v.t === "unknown") return v;
      const items = iterate(v);
      if (!items) throw new EvalError(`len() of ${v.t}`, call.range);
      return py.int(items.length);
    },
    int: (call) => {
      const v = call.args[0] ?? py.int(0);
      if (v.t === "unknown") return v;
      if (v.t === "str" && /^\s*-?\d+\s*$/.test(v.v)) return py.int(parseInt(v.v, 10));
      const x = numberOf(v);
      if (x === null) throw new EvalError("int() needs a number", call.range);
      return py.int(Math.trunc(x));
    },
    float: (call) => {
      const v = call.args[0] ?? py.float(0);
      if (v.t === "unknown") return v;
      if (v.t === "str" && !isNaN(Number(v.v))) return py.float(Number(v.v));
      const x = numberOf(v);
      if (x === null) throw new EvalError("float() needs a number", call.range);
      return py.float(x);
    },
    bool: (call) => {
      const v = call.args[0] ?? py.bool(false);
      const t = truthy(v);
      return t === null ? v : py.bool(t);
    },
    str: (call) => {
      const v = call.args[0] ?? py.str("");
      if (v.t === "unknown") return v;
      const s = pyStr(v);
      if (s === null) return innerUnknown(v) ?? unknown(`str() of ${v.t} is not evaluated statically`, call.range);
      return py.str(s);
    },
    // `chr(i + 97)` names blocks `1a`, `1b`, ... (Keras' EfficientNet).
    chr: (call) => {
      const x = call.args[0] ? numberOf(call.args[0]) : null;
      if (x === null || !Number.isInteger(x) || x < 0 || x > 0x10ffff) return firstUnknown(call) ?? unknown("chr() needs a code point", call.range);
      return py.str(String.fromCodePoint(x));
    },
    ord: (call) => {
      const v = call.args[0];
      if (v?.t !== "str" || [...v.v].length !== 1) return firstUnknown(call) ?? unknown("ord() needs a one-character string", call.range);
      return py.int(v.v.codePointAt(0)!);
    },
    abs: numeric("abs", Math.abs, "same"),
    round: (call) => {
      const x = call.args[0] && numberOf(call.args[0]);
      if (x === null || x === undefined) return firstUnknown(call) ?? unknown("round() of a non-number", call.range);
      const digits = call.args[1] ? numberOf(call.args[1]) : null;
      if (digits === null) {
        // Python rounds half to even.
        const r = Math.round(x);
        return py.int(Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r);
      }
      return py.float(Number(x.toFixed(digits)));
    },
    sum: (call) => {
      const items = call.args[0] ? iterate(call.args[0]) : null;
      if (!items) return firstUnknown(call) ?? unknown("sum() of a non-constant", call.range);
      let total = call.args[1] ? numberOf(call.args[1]) ?? 0 : 0;
      let float = false;
      for (const item of items) {
        const x = numberOf(item);
        if (x === null) return item.t === "unknown" ? item : unknown("sum() of non-numbers", call.range);
        float ||= item.t === "float";
        total += x;
      }
      return py.num(total, float);
    },
    tuple: (call) => {
      if (!call.args[0]) return py.tuple([]);
      const items = iterate(call.args[0]);
      return items ? py.tuple([...items]) : call.args[0].t === "unknown" ? call.args[0] : unknown("tuple() of a non-constant", call.range);
    },
    list: (call) => {
      if (!call.args[0]) return py.list([]);
      const items = iterate(call.args[0]);
      return items ? py.list([...items]) : call.args[0].t === "unknown" ? call.args[0] : unknown("list() of a non-constant", call.range);
    },
    dict: (call) => {
      const entries = new Map<string, [PyValue, PyValue]>();
      if (call.args[0]?.t === "dict") for (const [k, v] of call.args[0].entries) entries.set(k, v);
      for (const [k, v] of call.kwargs) entries.set(hashKey(py.str(k))!, [py.str(k), v]);
      return { t: "dict", entries };
    },
    enumerate: (call) => {
      const items = call.args[0] ? iterate(call.args[0]) : null;
      if (!items) return firstUnknown(call) ?? unknown("enumerate() of a non-constant", call.range);
      const start = call.args[1] ? numberOf(call.args[1]) ?? 0 : numberOf(call.kwargs.get("start") ?? py.int(0)) ?? 0;
      return py.list(items.map((item, i) => py.tuple([py.int(i + start), item])));
    },
    zip: (call) => {
      const lists = call.args.map(iterate);
      if (lists.some((l) => l === null)) return firstUnknown(call) ?? unknown("zip() of a non-constant", call.range);
      // `zip()` and `zip(*[])` are empty, as in Python.
      let n = lists.length ? Infinity : 0;
      for (const l of lists as PyValue[][]) n = Math.min(n, l.length);
      return py.list(Array.from({ length: n }, (_, i) => py.tuple((lists as PyValue[][]).map((l) => l[i]!))));
    },
    reversed: (call) => {
      const items = call.args[0] ? iterate(call.args[0]) : null;
      return items ? py.list([...items].reverse()) : firstUnknown(call) ?? unknown("reversed() of a non-constant", call.range);
    },
    any: (call) => {
      const items = call.args[0] ? iterate(call.args[0]) : null;
      return items ? py.bool(items.some((i) => truthy(i) === true)) : firstUnknown(call) ?? unknown("any() of a non-constant", call.range);
    },
    all: (call) => {
      const items = call.args[0] ? iterate(call.args[0]) : null;
      return items ? py.bool(items.every((i) => truthy(i) === true)) : firstUnknown(call) ?? unknown("all() of a non-constant", call.range);
    },
    print: () => NONE,
  };
  const builtins = new Map<string, PyValue>();
  // The other Python builtins read files, the console or the interpreter's state (`open`, `next`,
  // `input`), or are not modelled: a call is unknown, and an error only if a model needs it.
  for (const name of NOT_EVALUATED) {
    builtins.set(name, { t: "builtin", name, call: (call) => unknown(`\`${name}()\` is a Python builtin that keras2torch does not evaluate statically`, call.range) });
  }
  for (const [name, call] of Object.entries(table)) builtins.set(name, { t: "builtin", name, call });
  builtins.set("None", NONE);
  builtins.set("True", py.bool(true));
  builtins.set("False", py.bool(false));
  builtins.set("__name__", py.str("__main__"));
  return builtins;
}

/** `math.*` functions used for sizes. */
export function mathFunction(name: string): PyValue | null {
  const table: Record<string, Builtin> = {
    ceil: numeric("math.ceil", Math.ceil, true),
    floor: numeric("math.floor", Math.floor, true),
    sqrt: numeric("math.sqrt", Math.sqrt, false),
    log2: numeric("math.log2", Math.log2, false),
    log: numeric("math.log", Math.log, false),
    pow: numeric("math.pow", Math.pow, false),
    prod: (call) => {
      const items = call.args[0] ? iterate(call.args[0]) : null;
      if (!items) return firstUnknown(call) ?? unknown("prod() of a non-constant", call.range);
      const xs = items.map(numberOf);
      if (xs.some((x) => x === null)) return unknown("prod() of unknown sizes", call.range);
      return py.num((xs as number[]).reduce((a, b) => a * b, 1), items.some(isFloat));
    },
  };
  const fn = table[name];
  return fn ? { t: "builtin", name: `math.${name}`, call: fn } : null;
}

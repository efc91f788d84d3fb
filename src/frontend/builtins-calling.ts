// Builtins that call back into the evaluator: `sorted(key=…)`, `min`/`max(key=…)`, `getattr`, `isinstance`
// on the file's classes, `functools.partial`, and Python's sets. builtins.ts holds the ones that are
// plain functions of their arguments.
import { EvalError, iterate, numberOf, plainBuiltin, unknown } from "./builtins.js";
import type { Evaluator } from "./evaluate.js";
import { classAttribute } from "./objects.js";
import type { SourceRange } from "../ir/types.js";
import { hashKey, isUnknown, NONE, py, pyStr, truthy, type CallArgs, type PyValue } from "./values.js";

const plainLen = (plainBuiltin("len") as Extract<PyValue, { t: "builtin" }>).call;

const one = (call: CallArgs, arg: PyValue): CallArgs => ({ args: [arg], kwargs: new Map(), argRanges: [call.range], kwargRanges: new Map(), range: call.range });

/** A Python set: a list of unique items in insertion order. */
export function pySet(items: PyValue[], range: SourceRange): PyValue {
  const seen = new Set<string>();
  const unique: PyValue[] = [];
  for (const item of items) {
    if (isUnknown(item)) return item;
    const key = hashKey(item);
    if (key === null) throw new EvalError(`a set of ${item.t} values is not evaluated statically`, range);
    if (!seen.has(key)) (seen.add(key), unique.push(item));
  }
  return { t: "list", items: unique, set: true };
}

/** Orders as Python's `<` does on numbers and on strings. */
function compare(a: PyValue, b: PyValue): number | null {
  const x = numberOf(a);
  const y = numberOf(b);
  if (x !== null && y !== null) return x - y;
  if (a.t === "str" && b.t === "str") return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if ((a.t === "tuple" || a.t === "list") && (b.t === "tuple" || b.t === "list")) {
    for (let i = 0; i < Math.min(a.items.length, b.items.length); i++) {
      const c = compare(a.items[i]!, b.items[i]!);
      if (c === null || c !== 0) return c;
    }
    return a.items.length - b.items.length;
  }
  return null;
}

export function callingBuiltins(ev: Evaluator): Record<string, (call: CallArgs) => PyValue> {
  // `len(x_train)` of an array the script made or loaded: its first axis, as NumPy gives.
  const lenOf = (call: CallArgs): PyValue => {
    const v = call.args[0];
    if (v?.t !== "tensor") return plainLen(call);
    const rows = ev.graph.tensor(v.id).shape[0];
    if (rows === undefined) throw new EvalError("len() of a 0-d array", call.range);
    return rows === null ? unknown("len() of an array whose first axis is not static", call.range) : py.int(rows);
  };
  const keyed = (call: CallArgs, items: PyValue[]): PyValue[] => {
    const key = call.kwargs.get("key");
    return !key || key.t === "none" ? items : items.map((item) => ev.callValue(key, one(call, item)));
  };
  const extreme = (name: "min" | "max") => (call: CallArgs): PyValue => {
    const items = call.args.length === 1 ? iterate(call.args[0]!) : call.args;
    if (!items) return isUnknown(call.args[0]!) ? call.args[0]! : unknown(`${name}() of ${call.args[0]!.t}`, call.range);
    if (!items.length) {
      const fallback = call.kwargs.get("default");
      if (fallback) return fallback;
      throw new EvalError(`${name}() arg is an empty sequence`, call.range);
    }
    const keys = keyed(call, items);
    const bad = keys.find(isUnknown);
    if (bad) return bad;
    let best = 0;
    for (let i = 1; i < items.length; i++) {
      const c = compare(keys[i]!, keys[best]!);
      if (c === null) throw new EvalError(`${name}() cannot compare these values statically`, call.range);
      if (name === "min" ? c < 0 : c > 0) best = i;
    }
    return items[best]!;
  };
  return {
    len: lenOf,
    min: extreme("min"),
    max: extreme("max"),
    sorted: (call) => {
      const items = call.args[0] ? iterate(call.args[0]) : null;
      if (!items) return call.args[0] && isUnknown(call.args[0]) ? call.args[0] : unknown("sorted() of a value not known statically", call.range);
      const keys = keyed(call, items);
      const bad = keys.find(isUnknown);
      if (bad) return bad;
      const order = items.map((_, i) => i);
      let failed = false;
      // Stable, as Python's sort is.
      order.sort((i, j) => {
        const c = compare(keys[i]!, keys[j]!);
        if (c === null) failed = true;
        return c ?? 0;
      });
      if (failed) throw new EvalError("sorted() cannot compare these values statically", call.range);
      if (truthy(call.kwargs.get("reverse") ?? py.bool(false))) order.reverse();
      return py.list(order.map((i) => items[i]!));
    },
    set: (call) => {
      if (!call.args[0]) return pySet([], call.range);
      const items = iterate(call.args[0]);
      return items ? pySet(items, call.range) : isUnknown(call.args[0]) ? call.args[0] : unknown("set() of a value not known statically", call.range);
    },
    frozenset: (call) => {
      const items = call.args[0] ? iterate(call.args[0]) : [];
      return items ? pySet(items, call.range) : call.args[0]!;
    },
    getattr: (call) => {
      const [object, name, fallback] = call.args;
      if (!object || name?.t !== "str") return unknown("getattr() with a name not known statically", call.range);
      const value = attributeOf(ev, object, name.v, call);
      return isUnknown(value) && fallback ? fallback : value;
    },
    hasattr: (call) => {
      const [object, name] = call.args;
      if (!object || name?.t !== "str") return unknown("hasattr() with a name not known statically", call.range);
      if (object.t === "object") return py.bool(object.attrs.has(name.v) || classAttribute(object.cls, name.v) !== undefined);
      if (object.t === "class") return py.bool(classAttribute(object, name.v) !== undefined);
      if (object.t === "module") return py.bool(object.scope.own(name.v) !== undefined);
      return unknown(`hasattr() on ${object.t} is not evaluated statically`, call.range);
    },
    setattr: (call) => {
      const [object, name, value] = call.args;
      if (object?.t === "object" && name?.t === "str" && value) object.attrs.set(name.v, value);
      else if (object?.t === "class" && name?.t === "str" && value) object.namespace.set(name.v, value);
      else throw new EvalError("setattr() is evaluated only on objects of the file's own classes", call.range);
      return NONE;
    },
    isinstance: (call) => {
      const [value, types] = call.args;
      if (!value || !types) throw new EvalError("isinstance() takes two arguments", call.range);
      const options = types.t === "tuple" ? types.items : [types];
      let answer: boolean | null = false;
      for (const type of options) {
        const one = instanceOf(value, type);
        if (one === true) return py.bool(true);
        if (one === null) answer = null;
      }
      return answer === null ? unknown("isinstance() cannot be decided statically", call.range) : py.bool(answer);
    },
  };
}

const BUILTIN_TYPES: Record<string, PyValue["t"][]> = {
  int: ["int", "bool"],
  float: ["float"],
  str: ["str"],
  tuple: ["tuple"],
  list: ["list"],
  dict: ["dict"],
  bool: ["bool"],
  set: ["list"],
};

/** `six`'s Python 2/3 type names, as Python 3 defines them (`isinstance(block, six.string_types)`). */
const SIX_TYPES: Record<string, string> = { "six.string_types": "str", "six.text_type": "str", "six.integer_types": "int", "six.class_types": "type" };

function instanceOf(value: PyValue, type: PyValue): boolean | null {
  if (isUnknown(value) || value.t === "runtime") return null;
  const builtin = type.t === "builtin" ? type.name : type.t === "qname" ? SIX_TYPES[type.path] : undefined;
  if (builtin !== undefined) {
    const allowed = BUILTIN_TYPES[builtin];
    if (!allowed) return null;
    if (builtin === "set" || builtin === "list") return value.t === "list" && !!value.set === (builtin === "set");
    return allowed.includes(value.t);
  }
  // A symbolic tensor is a KerasTensor, never a NumPy array (Keras' preprocess_input tests this).
  if (type.t === "qname" && type.path === "numpy.ndarray") return value.t === "tensor" ? false : null;
  if (type.t === "class") {
    if (value.t !== "object") return value.t === "model" || value.t === "layer" ? null : false;
    const derives = (cls: Extract<PyValue, { t: "class" }>): boolean => cls === type || cls.bases.some((b) => b.t === "class" && derives(b));
    return derives(value.cls);
  }
  return null;
}

function attributeOf(ev: Evaluator, object: PyValue, name: string, call: CallArgs): PyValue {
  if (object.t === "object") return ev.objects.attribute(object, name, call.range);
  if (object.t === "class") return classAttribute(object, name)?.value ?? unknown(`\`${object.name}.${name}\` is not defined`, call.range);
  if (object.t === "module") return object.scope.own(name) ?? unknown(`\`${name}\` is not defined in ${object.file}`, call.range);
  if (object.t === "dict") return unknown(`getattr() on a dict`, call.range);
  return unknown(`getattr(${pyStr(object) ?? object.t}, ${JSON.stringify(name)}) is not evaluated statically`, call.range);
}

/** `functools.partial(fn, *args, **kwargs)`: a callable with those arguments first. */
export function partial(ev: Evaluator, call: CallArgs): PyValue {
  const [fn, ...bound] = call.args;
  if (!fn) throw new EvalError("partial() needs a function", call.range);
  return {
    t: "builtin",
    name: "functools.partial",
    call: (later) =>
      ev.callValue(fn, {
        args: [...bound, ...later.args],
        kwargs: new Map([...call.kwargs, ...later.kwargs]),
        argRanges: [...call.argRanges.slice(1), ...later.argRanges],
        kwargRanges: new Map([...call.kwargRanges, ...later.kwargRanges]),
        range: later.range,
      }),
  };
}

// Values of the static Python evaluator. Nothing here runs user code: every value is data.
import type { SyntaxNode } from "./syntax.js";
import type { PyExpr, SourceRange } from "../ir/types.js";
import type { SourceFile } from "./parse.js";
import type { Scope } from "./scope.js";

export type PyValue =
  | { t: "none" }
  | { t: "bool"; v: boolean }
  | { t: "int"; v: number }
  | { t: "float"; v: number }
  | { t: "str"; v: string }
  | { t: "tuple"; items: PyValue[] }
  /** A list; `set` marks a Python set (kept unique, in insertion order). */
  | { t: "list"; items: PyValue[]; set?: true }
  | { t: "dict"; entries: Map<string, [PyValue, PyValue]> }
  /** A user function; parameter defaults are evaluated once, where it is defined, as Python does. */
  | { t: "function"; name: string; node: SyntaxNode; closure: Scope; source: SourceFile; defaults: Map<string, PyValue> }
  | { t: "builtin"; name: string; call: BuiltinCall }
  /** A dotted name reached through imports: a module or a symbol in it (LibCST's qualified names). */
  | { t: "qname"; path: string }
  /** A file of the input set imported as a module. */
  | { t: "module"; file: string; scope: Scope }
  | { t: "layer"; id: number }
  /** A Functional model's InputLayer (`model.layers[0]`): only its tensor and name are read. */
  | { t: "input-layer"; tensor: number }
  | { t: "tensor"; id: number }
  | { t: "model"; id: number }
  | { t: "bound"; self: PyValue; name: string }
  /** A class of the input set. `keras` names its Keras base when it subclasses `keras.Model` or `keras.layers.Layer`. */
  | { t: "class"; name: string; node: SyntaxNode; namespace: Scope; bases: PyValue[]; keras: "Model" | "Layer" | null; source: SourceFile }
  /** An instance of a class of the input set that is not a Keras layer or model (a config, a callback). */
  | { t: "object"; cls: Extract<PyValue, { t: "class" }>; attrs: Map<string, PyValue> }
  /** `super()` inside a method of `cls`, bound to `self`. */
  | { t: "super"; self: PyValue; cls: Extract<PyValue, { t: "class" }> }
  /**
   * A value known only when the generated `forward` runs (`training`, a batch size): `expr` computes it
   * there. It never reaches a layer's configuration.
   */
  | { t: "runtime"; kind: "bool" | "int"; expr: PyExpr }
  /**
   * A value that cannot be known statically, with why and where it became unknown. `name` is set when it
   * is an undefined name; `variable` is the last variable it was bound to (what `--set` can give);
   * `reported` when an error already said why, where it became unknown (it is not reported again).
   */
  | { t: "unknown"; reason: string; range: SourceRange; name?: string; variable?: string; reported?: true };

export interface CallArgs {
  args: PyValue[];
  kwargs: Map<string, PyValue>;
  /** Ranges of each argument, positional then keyword, for diagnostics. */
  argRanges: SourceRange[];
  kwargRanges: Map<string, SourceRange>;
  range: SourceRange;
}

export type BuiltinCall = (call: CallArgs) => PyValue;

// -------------------------------------------------------------------------------------------
// Resource limits. Untrusted input must not hang, exhaust memory or overflow the stack: every bound
// the frontend enforces is here, and each one hit is a `resource-limit` diagnostic at the code that hit
// it (docs/diagnostics.md). Python's own limits are used where it has one.

/** Characters of one input file (or `--entry`) before it is parsed at all. */
export const MAX_SOURCE_LENGTH = 10_000_000;
/** Open brackets at once, as CPython's tokenizer (`too many nested parentheses`, MAXLEVEL). */
export const MAX_BRACKET_DEPTH = 200;
/** Indentation levels, as CPython's tokenizer (`too many levels of indentation`, MAXINDENT). */
export const MAX_INDENT_DEPTH = 100;
/** Depth of the syntax tree; a left-nested operator chain (`a + b + ... + z`) counts as one level. */
export const MAX_SYNTAX_DEPTH = 1_000;
/** Items of one list or tuple the evaluator builds (a comprehension is bounded by the evaluation budget). */
export const MAX_SEQUENCE_LENGTH = 100_000;
/** Characters of one string the evaluator builds (repetition, `%`, formatting, `str()`, joins). */
export const MAX_STRING_LENGTH = 1_000_000;
/** Integers are exact up to 2**53 (JavaScript numbers); a larger integer result is refused, not rounded. */
export const MAX_INT_BITS = 53;
/** Containers inside containers, for `str()`, `==` and the like on nested values. */
export const MAX_VALUE_DEPTH = 1_000;
/** Layers and layer calls (graph nodes) one file may create. */
export const MAX_GRAPH_SIZE = 20_000;

/**
 * A resource limit was hit: evaluation of the file stops and the limit is reported at `range`.
 * Thrown where no range is at hand (value helpers), the evaluator fills in the expression being evaluated.
 */
export class ResourceLimit extends Error {
  constructor(
    message: string,
    public range?: SourceRange,
  ) {
    super(message);
  }
}

/** Refuses a sequence of `length` items before it is built. */
export function checkLength(length: number, what = "sequence", range?: SourceRange): void {
  if (!(length <= MAX_SEQUENCE_LENGTH)) throw new ResourceLimit(`${what} of ${describe(length)} items exceeds the limit of ${MAX_SEQUENCE_LENGTH} items (MAX_SEQUENCE_LENGTH)`, range);
}

/** Refuses a string of `length` characters before it is built. */
export function checkStringLength(length: number, range?: SourceRange): void {
  if (!(length <= MAX_STRING_LENGTH)) throw new ResourceLimit(`a string of ${describe(length)} characters exceeds the limit of ${MAX_STRING_LENGTH} characters (MAX_STRING_LENGTH)`, range);
}

/** An integer result, refused when it cannot be held exactly. */
export function checkedInt(v: number, range?: SourceRange): PyValue {
  if (!Number.isSafeInteger(v)) throw new ResourceLimit(`an integer of more than ${MAX_INT_BITS} bits (${describe(v)}) is not evaluated statically (MAX_INT_BITS)`, range);
  return { t: "int", v };
}

function describe(n: number): string {
  if (!Number.isFinite(n)) return "unbounded";
  return Math.abs(n) < 1e15 ? String(n) : `about ${n.toExponential(2)}`;
}

export const NONE: PyValue = { t: "none" };
export const py = {
  int: (v: number): PyValue => ({ t: "int", v }),
  float: (v: number): PyValue => ({ t: "float", v }),
  str: (v: string): PyValue => ({ t: "str", v }),
  bool: (v: boolean): PyValue => ({ t: "bool", v }),
  tuple: (items: PyValue[]): PyValue => ({ t: "tuple", items }),
  list: (items: PyValue[]): PyValue => ({ t: "list", items }),
  num: (v: number, float: boolean): PyValue => (float ? { t: "float", v } : { t: "int", v }),
};

export const isUnknown = (v: PyValue): v is Extract<PyValue, { t: "unknown" }> => v.t === "unknown";

/** A key for dicts; only hashable constants are supported. */
export function hashKey(v: PyValue): string | null {
  switch (v.t) {
    case "none":
      return "N";
    case "bool":
      return `i:${v.v ? 1 : 0}`;
    case "int":
      return `i:${v.v}`;
    case "float":
      return Number.isInteger(v.v) ? `i:${v.v}` : `f:${v.v}`;
    case "str":
      return `s:${v.v}`;
    case "tuple": {
      const parts = v.items.map(hashKey);
      return parts.some((p) => p === null) ? null : `t:(${parts.join(",")})`;
    }
    // A module-level function or class of Keras or TensorFlow hashes by identity: one per qualified name.
    case "qname":
      return `q:${v.path}`;
    default:
      return null;
  }
}

export function truthy(v: PyValue): boolean | null {
  switch (v.t) {
    case "none":
      return false;
    case "bool":
      return v.v;
    case "int":
    case "float":
      return v.v !== 0;
    case "str":
      return v.v.length > 0;
    case "tuple":
    case "list":
      return v.items.length > 0;
    case "dict":
      return v.entries.size > 0;
    case "unknown":
    case "runtime":
      return null;
    default:
      return true;
  }
}

export function typeName(v: PyValue): string {
  switch (v.t) {
    case "none":
      return "None";
    case "qname":
      return v.path;
    case "bound":
      return `method ${v.name}`;
    case "object":
      return `${v.cls.name} object`;
    case "class":
      return `class ${v.name}`;
    case "input-layer":
      return "InputLayer";
    default:
      return v.t;
  }
}

/** Python's repr/str for constants, used by f-strings and `str()`. */
export function pyStr(v: PyValue): string | null {
  return strOf(v, false, new Set(), 0);
}

export function pyRepr(v: PyValue): string | null {
  return strOf(v, true, new Set(), 0);
}

/** `active` holds the containers being printed: a list that contains itself prints as `[...]`, as in Python. */
function strOf(v: PyValue, repr: boolean, active: Set<PyValue>, depth: number): string | null {
  switch (v.t) {
    case "none":
      return "None";
    case "bool":
      return v.v ? "True" : "False";
    case "int":
      return String(v.v);
    case "float":
      return Number.isInteger(v.v) ? `${v.v}.0` : String(v.v);
    case "str":
      return repr ? `'${v.v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'` : v.v;
    case "tuple":
    case "list": {
      const [open, close] = v.t === "list" ? ["[", "]"] : ["(", ")"];
      if (active.has(v)) return `${open}...${close}`;
      if (depth >= MAX_VALUE_DEPTH) throw new ResourceLimit(`a value nested more than ${MAX_VALUE_DEPTH} deep is not printed statically (MAX_VALUE_DEPTH)`);
      active.add(v);
      const parts: string[] = [];
      let length = 0;
      try {
        for (const item of v.items) {
          const part = strOf(item, true, active, depth + 1);
          if (part === null) return null;
          length += part.length + 2;
          checkStringLength(length);
          parts.push(part);
        }
      } finally {
        active.delete(v);
      }
      return `${open}${parts.join(", ")}${v.t === "tuple" && parts.length === 1 ? "," : ""}${close}`;
    }
    default:
      return null;
  }
}

// Values of the static Python evaluator. Nothing here runs user code: every value is data.
import type Parser from "tree-sitter";
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
  | { t: "list"; items: PyValue[] }
  | { t: "dict"; entries: Map<string, [PyValue, PyValue]> }
  /** A user function; parameter defaults are evaluated once, where it is defined, as Python does. */
  | { t: "function"; name: string; node: Parser.SyntaxNode; closure: Scope; source: SourceFile; defaults: Map<string, PyValue> }
  | { t: "builtin"; name: string; call: BuiltinCall }
  /** A dotted name reached through imports: a module or a symbol in it (LibCST's qualified names). */
  | { t: "qname"; path: string }
  /** A file of the input set imported as a module. */
  | { t: "module"; file: string; scope: Scope }
  | { t: "layer"; id: number }
  | { t: "tensor"; id: number }
  | { t: "model"; id: number }
  | { t: "bound"; self: PyValue; name: string }
  /** A class of the input set. `keras` names its Keras base when it subclasses `keras.Model` or `keras.layers.Layer`. */
  | { t: "class"; name: string; node: Parser.SyntaxNode; namespace: Scope; bases: PyValue[]; keras: "Model" | "Layer" | null; source: SourceFile }
  /** `super()` inside a method of `cls`, bound to `self`. */
  | { t: "super"; self: PyValue; cls: Extract<PyValue, { t: "class" }> }
  /**
   * A value known only when the generated `forward` runs (`training`, a batch size): `expr` computes it
   * there. It never reaches a layer's configuration.
   */
  | { t: "runtime"; kind: "bool" | "int"; expr: PyExpr }
  /** A value that cannot be known statically; `name` is set when it is an undefined name. */
  | { t: "unknown"; reason: string; range: SourceRange; name?: string };

export interface CallArgs {
  args: PyValue[];
  kwargs: Map<string, PyValue>;
  /** Ranges of each argument, positional then keyword, for diagnostics. */
  argRanges: SourceRange[];
  kwargRanges: Map<string, SourceRange>;
  range: SourceRange;
}

export type BuiltinCall = (call: CallArgs) => PyValue;

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
    default:
      return v.t;
  }
}

/** Python's repr/str for constants, used by f-strings and `str()`. */
export function pyStr(v: PyValue): string | null {
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
      return v.v;
    case "tuple": {
      const parts = v.items.map(pyRepr);
      if (parts.some((p) => p === null)) return null;
      return `(${parts.join(", ")}${parts.length === 1 ? "," : ""})`;
    }
    case "list": {
      const parts = v.items.map(pyRepr);
      return parts.some((p) => p === null) ? null : `[${parts.join(", ")}]`;
    }
    default:
      return null;
  }
}

export function pyRepr(v: PyValue): string | null {
  return v.t === "str" ? `'${v.v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'` : pyStr(v);
}

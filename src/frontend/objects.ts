// Instances of the file's own classes that are not Keras layers or models: config objects and
// dataclasses whose fields size a model, and the callbacks, data generators and schedules a training
// script passes to `fit`. They are plain data to the evaluator; methods run as functions do.
import { EvalError, unknown } from "./builtins.js";
import type { Evaluator } from "./evaluate.js";
import type { SyntaxNode } from "./syntax.js";
import type { CallArgs, PyValue } from "./values.js";
import type { SourceRange } from "../ir/types.js";

type ClassValue = Extract<PyValue, { t: "class" }>;
type ObjectValue = Extract<PyValue, { t: "object" }>;
type FunctionValue = Extract<PyValue, { t: "function" }>;

const noArguments = (range: SourceRange): CallArgs => ({ args: [], kwargs: new Map(), argRanges: [], kwargRanges: new Map(), range });

export class PlainObjects {
  constructor(private readonly ev: Evaluator) {}

  instantiate(cls: ClassValue, call: CallArgs): PyValue {
    const self: ObjectValue = { t: "object", cls, attrs: new Map() };
    const fields = dataclassFields(cls);
    const init = this.ev.subclasses.method(cls, "__init__");
    if (fields && !init) this.initDataclass(self, fields, call);
    else if (init) this.ev.subclasses.callIn(init.cls, init.fn, self, call);
    const postInit = this.ev.subclasses.method(cls, "__post_init__");
    if (fields && postInit) this.ev.subclasses.callIn(postInit.cls, postInit.fn, self, noArguments(call.range));
    return self;
  }

  /** A dataclass's generated `__init__`: its fields in order, each from the call or its default. */
  private initDataclass(self: ObjectValue, fields: DataclassField[], call: CallArgs): void {
    const positional = [...call.args];
    const kwargs = new Map(call.kwargs);
    for (const field of fields) {
      if (positional.length) self.attrs.set(field.name, positional.shift()!);
      else if (kwargs.has(field.name)) {
        self.attrs.set(field.name, kwargs.get(field.name)!);
        kwargs.delete(field.name);
      } else if (field.owner.namespace.own(field.name) !== undefined) self.attrs.set(field.name, field.owner.namespace.own(field.name)!);
      else throw new EvalError(`${self.cls.name}() is missing the field \`${field.name}\``, call.range);
    }
    if (positional.length) throw new EvalError(`${self.cls.name}() got too many positional arguments`, call.range);
    if (kwargs.size) throw new EvalError(`${self.cls.name}() got an unexpected keyword argument \`${[...kwargs.keys()][0]}\``, call.range);
  }

  attribute(self: ObjectValue, name: string, range: SourceRange): PyValue {
    const own = self.attrs.get(name);
    if (own !== undefined) return own;
    const found = classAttribute(self.cls, name);
    if (found === undefined) {
      if (name === "__class__") return self.cls;
      return unknown(`\`${self.cls.name}\` objects have no attribute \`${name}\` set statically`, range);
    }
    if (found.value.t !== "function") return found.value;
    const kind = methodKind(found.value);
    if (kind === "property") return this.ev.subclasses.callIn(found.owner, found.value, self, noArguments(range));
    if (kind === "static") return found.value;
    return { t: "bound", self: kind === "class" ? self.cls : self, name };
  }

  /** `obj.method(...)` or `Cls.classmethod(...)`. */
  callMethod(self: ObjectValue | ClassValue, name: string, call: CallArgs): PyValue {
    const cls = self.t === "object" ? self.cls : self;
    const found = classAttribute(cls, name);
    if (found?.value.t !== "function") return unknown(`\`${cls.name}.${name}\` is not a method the evaluator can follow`, call.range);
    return this.ev.subclasses.callIn(found.owner, found.value, self, call);
  }
}

/** An attribute of a class or its bases in the input set, with the class that defines it. */
export function classAttribute(cls: ClassValue, name: string): { owner: ClassValue; value: PyValue } | undefined {
  const own = cls.namespace.own(name);
  if (own !== undefined) return { owner: cls, value: own };
  for (const base of cls.bases) {
    if (base.t !== "class") continue;
    const found = classAttribute(base, name);
    if (found) return found;
  }
  return undefined;
}

function decorators(node: SyntaxNode): string[] {
  const parent = node.parent;
  if (parent?.type !== "decorated_definition") return [];
  return parent.namedChildren.filter((d) => d.type === "decorator").map((d) => d.text.slice(1).trim().replace(/\(.*$/s, ""));
}

function methodKind(fn: FunctionValue): "property" | "static" | "class" | "method" {
  const names = decorators(fn.node);
  if (names.some((d) => /^(property|functools\.cached_property|cached_property)$/.test(d))) return "property";
  if (names.includes("staticmethod")) return "static";
  if (names.includes("classmethod")) return "class";
  return "method";
}

interface DataclassField {
  name: string;
  owner: ClassValue;
}

/** The fields of a `@dataclass` (bases' first), or null when the class is not one. */
function dataclassFields(cls: ClassValue): DataclassField[] | null {
  if (!decorators(cls.node).some((d) => d === "dataclass" || d === "dataclasses.dataclass")) return null;
  const fields: DataclassField[] = [];
  for (const base of [...cls.bases].reverse()) {
    if (base.t !== "class") continue;
    for (const field of dataclassFields(base) ?? []) if (!fields.some((f) => f.name === field.name)) fields.push(field);
  }
  for (const stmt of cls.node.childForFieldName("body")!.namedChildren) {
    const assignment = stmt.type === "expression_statement" ? stmt.namedChildren[0] : undefined;
    if (assignment?.type !== "assignment" || !assignment.childForFieldName("type")) continue;
    const target = assignment.childForFieldName("left")!;
    if (target.type !== "identifier" || /^(typing\.)?ClassVar\b/.test(assignment.childForFieldName("type")!.text)) continue;
    const at = fields.findIndex((f) => f.name === target.text);
    if (at >= 0) fields.splice(at, 1);
    fields.push({ name: target.text, owner: cls });
  }
  return fields;
}


// What in a file would build a model if it were called with arguments: builder functions, Model
// subclasses, builder objects and classes of static builder methods. A file that builds no model names
// them in its `no-model` info, with the `--entry` that compiles the first. Syntax only: nothing is run.
import type { SyntaxNode } from "./syntax.js";

/** A definition that builds a model when called (a builder, or a class); why its defaults did not. */
export interface ModelMaker {
  node: SyntaxNode;
  failure: string | null;
  /** A class: a Model subclass, a builder object whose `__call__` returns the model, or one that holds models. */
  kind?: "subclass" | "callable" | "holder";
  /** A class of static builder methods (`ResnetBuilder.build_resnet_18`): the first that makes a model. */
  method?: SyntaxNode;
}

/**
 * Module-level classes that subclass Keras' `Model` (`keras.Model`, `tf.keras.Model`, `Model`), and
 * plain classes whose methods call `Model` or `Sequential` (builder objects, a GAN holding its models).
 */
export function modelClasses(root: SyntaxNode): ModelMaker[] {
  const found: ModelMaker[] = [];
  for (const child of root.namedChildren) {
    const def = child.type === "decorated_definition" ? child.childForFieldName("definition") : child;
    if (def?.type !== "class_definition") continue;
    const bases = def.childForFieldName("superclasses")?.namedChildren ?? [];
    const methods = (def.childForFieldName("body")?.namedChildren ?? []).map((m) => (m.type === "decorated_definition" ? m.childForFieldName("definition")! : m)).filter((m) => m.type === "function_definition");
    const names = methods.map((m) => m.childForFieldName("name")?.text);
    if (bases.some((b) => /(^|\.)Model$/.test(b.text))) found.push({ node: def, failure: null, kind: "subclass" });
    else if ([...calledNames(def)].some((n) => n === "Model" || n === "Sequential")) {
      const statics = methods.filter((m) => /^@(staticmethod|classmethod)\b/m.test(m.parent?.type === "decorated_definition" ? m.parent.text : ""));
      const method = names.includes("__init__") ? undefined : statics.find((m) => [...calledNames(m)].some((n) => n === "Model" || n === "Sequential"));
      found.push({ node: def, failure: null, kind: names.includes("__call__") ? "callable" : "holder", ...(method ? { method } : {}) });
    }
  }
  return found;
}

/** `build(units, rate=0.5)` → its name, its parameters as written, and those with no default. */
function signature(def: SyntaxNode): { name: string; shown: string; required: string[] } {
  const name = def.childForFieldName("name")?.text ?? "?";
  let params = def.childForFieldName("parameters");
  if (def.type === "class_definition") {
    const init = def.childForFieldName("body")?.namedChildren.find((s) => s.type === "function_definition" && s.childForFieldName("name")?.text === "__init__");
    params = init?.childForFieldName("parameters") ?? null;
  }
  const all = (params?.namedChildren ?? []).filter((p) => p.type !== "comment");
  const shownParams = all.map((p) => p.text.replace(/\s+/g, " ")).filter((t, i) => !(def.type === "class_definition" && i === 0 && t === "self"));
  const required = all.filter((p) => p.type === "identifier" || p.type === "typed_parameter").map((p) => (p.type === "typed_parameter" ? p.namedChildren[0]!.text : p.text)).filter((p) => p !== "self");
  const full = `${name}(${shownParams.join(", ")})`;
  // A long list of defaults is left out: the required parameters are what the user must give.
  return { name, shown: full.length <= 80 ? full : `${name}(${[...required, "..."].join(", ")})`, required };
}

/** Names a definition's body calls (`Model(...)`, `build_block(...)`, `layers.Dense(...)` → `Dense`). */
function calledNames(def: SyntaxNode): Set<string> {
  return new Set(def.descendantsOfType("call").map((c) => /(\w+)$/.exec(c.childForFieldName("function")?.text ?? "")?.[1] ?? ""));
}

/**
 * What the `no-model` info adds: the definitions that would build a model, and how to compile one. Only
 * those that make a model themselves (call `Model` or `Sequential`, or instantiate a Model subclass of
 * the file), or call one that does: not the helpers that add layers to a tensor (`conv_block(x, 64)`).
 */
export function noModelHint(candidates: ModelMaker[]): string | null {
  const classes = candidates.filter((m) => m.node.type === "class_definition");
  const makerNames = new Set(["Model", "Sequential", ...classes.map((m) => signature(m.node).name)]);
  const calls = new Map(candidates.map((m) => [m, calledNames(m.node)]));
  let makers = classes;
  for (let grown = true; grown; ) {
    grown = false;
    for (const m of candidates) {
      if (makers.includes(m) || ![...calls.get(m)!].some((n) => makerNames.has(n))) continue;
      makers = [...makers, m];
      makerNames.add(signature(m.node).name);
      grown = true;
    }
  }
  // Public definitions first, then in source order.
  const isPrivate = (m: ModelMaker) => Number(signature(m.node).name.startsWith("_"));
  makers = [...makers].sort((a, b) => isPrivate(a) - isPrivate(b) || a.node.startIndex - b.node.startIndex);
  if (!makers.length) return null;
  const shown = makers.slice(0, 3).map((m) => {
    const sig = signature(m.node);
    const what = m.node.type === "class_definition" ? `class \`${sig.shown}\`` : `\`${sig.shown}\``;
    return m.failure ? `${what} (its defaults build none: ${m.failure})` : what;
  });
  const more = makers.length > 3 ? ` and ${makers.length - 3} more` : "";
  const { kind, method } = makers[0]!;
  const first = signature(method ?? makers[0]!.node);
  const callee = method ? `${signature(makers[0]!.node).name}.${first.name}` : first.name;
  const example = `${callee}(${first.required.map((p) => `${p}=...`).join(", ")})${kind === "callable" ? "()" : ""}`;
  const subclass = kind === "subclass" ? " (and --input-shape, if nothing builds it)" : "";
  return `it defines what would build one: ${shown.join(", ")}${more}; compile one with --entry "${example}"${subclass}`;
}

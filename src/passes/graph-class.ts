// The module IR of a graph-built model (Sequential, Functional): submodules in `__init__`, the
// lowered statements in `forward`. Pure: the lowering's plan in, a ClassIR out.
import type { ClassIR, ForwardStatement, ModuleCtor, PyExpr, Stmt, TorchSubmodule, TorchValue } from "../ir/types.js";

const self = (attr: string): PyExpr => ({ k: "attr", obj: { k: "name", name: "self" }, name: attr });
const name = (n: string): PyExpr => ({ k: "name", name: n });

export function ctorExpr(ctor: ModuleCtor | { nestedClass: string }): PyExpr {
  if ("nestedClass" in ctor) return { k: "call", fn: name(ctor.nestedClass), args: [] };
  return { k: "call", fn: name(ctor.ctor), args: ctor.args, kwargs: ctor.kwargs };
}

/** `self.attr.param.requires_grad_(False)`: a stand-in for a Keras tensor that does not exist. */
export function freezeStmts(attr: string, frozen: string[]): Stmt[] {
  // A number in the path indexes an nn.ModuleList: `self.rnn[0].bias_hh_l0`.
  const path = (param: string): PyExpr =>
    param.split(".").reduce<PyExpr>((obj, part) => (/^\d+$/.test(part) ? { k: "subscript", obj, index: { k: "lit", value: Number(part) } } : { k: "attr", obj, name: part }), self(attr));
  return frozen.map((param) => ({
    s: "expr",
    value: { k: "call", fn: { k: "attr", obj: path(param), name: "requires_grad_" }, args: [{ k: "lit", value: false }] },
    note: "Keras has no such tensor: it stays a constant",
  }));
}

export function graphClass(plan: {
  className: string;
  submodules: TorchSubmodule[];
  inputs: TorchValue[];
  statements: ForwardStatement[];
  returns: PyExpr;
}): ClassIR {
  const init: Stmt[] = [{ s: "expr", value: { k: "call", fn: { k: "attr", obj: { k: "call", fn: name("super"), args: [] }, name: "__init__" }, args: [] } }];
  for (const sub of plan.submodules) init.push({ s: "assign", targets: [self(sub.attr)], value: ctorExpr(sub.ctor), loc: { file: sub.file, line: sub.line } });
  for (const sub of plan.submodules) init.push(...freezeStmts(sub.attr, sub.frozen));
  // Frozen in Keras (`base.trainable = False`): its parameters do not train here either.
  for (const sub of plan.submodules) {
    if (sub.untrainable) init.push({ s: "expr", value: { k: "call", fn: { k: "attr", obj: self(sub.attr), name: "requires_grad_" }, args: [{ k: "lit", value: false }] }, note: "trainable = False in Keras" });
  }
  const forward: Stmt[] = plan.statements.map((st): Stmt =>
    st.kind === "raise"
      ? { s: "raise", message: st.message, loc: { file: st.file, line: st.line } }
      : { s: "assign", targets: st.pattern ?? st.targets.map(name), value: st.value, loc: { file: st.file, line: st.line } },
  );
  // A forward that raises has nothing to return.
  if (!plan.statements.some((st) => st.kind === "raise")) forward.push({ s: "return", value: plan.returns });
  return {
    name: plan.className,
    bases: ["nn.Module"],
    docstring: "",
    methods: [
      { name: "__init__", params: [], body: init, decorators: [] },
      { name: "forward", params: plan.inputs.map((i) => ({ name: i.variable })), body: forward, decorators: [] },
    ],
  };
}

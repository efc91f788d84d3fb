// Python scopes: a function's locals chained to its defining scope, up to the module's globals.
import type { PyValue } from "./values.js";

export class Scope {
  private readonly vars = new Map<string, PyValue>();
  /** Modules outside the input set imported with `from M import *` (module scopes only). */
  readonly wildcardModules: string[] = [];
  constructor(readonly parent: Scope | null) {}

  /** The module scope this scope belongs to. */
  module(): Scope {
    return this.parent ? this.parent.module() : this;
  }

  lookup(name: string): PyValue | undefined {
    return this.vars.get(name) ?? this.parent?.lookup(name);
  }

  set(name: string, value: PyValue): void {
    this.vars.set(name, value);
  }

  /** Names this (function) scope declared `global` or `nonlocal`, to the scope that holds them. */
  private redirects?: Map<string, Scope>;

  redirect(name: string, to: Scope): void {
    (this.redirects ??= new Map()).set(name, to);
  }

  /** Where an assignment to `name` in this scope binds it. */
  holderOf(name: string): Scope {
    return this.redirects?.get(name) ?? this;
  }

  /** This scope's own binding, without looking outward (attributes of a module or class). */
  own(name: string): PyValue | undefined {
    return this.vars.get(name);
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** A copy of this scope's own bindings with the same parent: one branch of a run-time `if`. */
  clone(): Scope {
    const copy = new Scope(this.parent);
    for (const [k, v] of this.vars) copy.vars.set(k, v);
    return copy;
  }

  ownNames(): string[] {
    return [...this.vars.keys()];
  }

  entries(): [string, PyValue][] {
    return [...this.vars.entries()];
  }
}

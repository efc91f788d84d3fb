// Compiling one input file of a CLI run: shared by the main thread and the worker threads.
import { readFileSync } from "node:fs";
import { compile, type CompileResult } from "../compile.js";
import type { ModuleResolver } from "../frontend/evaluate.js";
import { SourceFile } from "../frontend/parse.js";
import type { IoLayout } from "../passes/layout.js";

export interface InputFile {
  /** Path on disk. */
  real: string;
  /** Output-relative path with `/`, e.g. `a/b.py`. */
  label: string;
}

export interface FileOptions {
  entry?: string;
  ioLayout: IoLayout;
  inputShapes?: (number | null)[][];
}

/** What compiling one file gave: its text (for code frames) and the result, or why there is none. */
export type FileOutcome =
  | { kind: "compiled"; text: string; result: CompileResult }
  | { kind: "unreadable"; message: string }
  | { kind: "failed"; text: string; message: string };

export function compileFile(file: InputFile, resolver: ModuleResolver, options: FileOptions): FileOutcome {
  let text: string;
  try {
    text = readFileSync(file.real, "utf8");
  } catch (error) {
    return { kind: "unreadable", message: (error as Error).message };
  }
  try {
    return { kind: "compiled", text, result: compile(text, { path: file.label, entry: options.entry, resolver, ioLayout: options.ioLayout, inputShapes: options.inputShapes }) };
  } catch (error) {
    // A bug of ours on one file must not stop the others, nor show a stack trace.
    return { kind: "failed", text, message: (error as Error).message };
  }
}

/** Resolves imports among the files of the input set, by their output-relative labels. */
export function makeResolver(files: InputFile[]): ModuleResolver & { textOf(label: string): string | null; realOf(label: string): string | null } {
  const byLabel = new Map(files.map((f) => [f.label, f]));
  const parsed = new Map<string, SourceFile>();
  const load = (label: string) => {
    const file = byLabel.get(label);
    if (!file) return null;
    let source = parsed.get(label);
    if (!source) {
      try {
        source = new SourceFile(label, readFileSync(file.real, "utf8"));
      } catch {
        return null;
      }
      parsed.set(label, source);
    }
    return { path: label, source };
  };
  return {
    resolve(fromFile, module, level) {
      const fromDir = fromFile.includes("/") ? fromFile.slice(0, fromFile.lastIndexOf("/")) : "";
      const parts = module ? module.split(".") : [];
      const bases: string[] = [];
      if (level > 0) {
        let base = fromDir;
        for (let i = 1; i < level; i++) base = base.includes("/") ? base.slice(0, base.lastIndexOf("/")) : "";
        bases.push(base);
      } else bases.push(fromDir, "");
      for (const base of bases) {
        const stem = [base, ...parts].filter(Boolean).join("/");
        const found = load(`${stem}.py`) ?? load(`${stem}/__init__.py`);
        if (found) return found;
      }
      return null;
    },
    textOf: (label) => load(label)?.source.text ?? null,
    realOf: (label) => byLabel.get(label)?.real ?? null,
  };
}


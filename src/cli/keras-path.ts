// Finding the Keras source tree that `keras.applications.*` is compiled from: `--keras-path DIR`, else
// the Keras of a Python environment. Locating it runs that Python only to ask where the package is
// (`importlib.util.find_spec`, which does not import Keras); the input is never run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { KERAS_PATH_HINT, isKerasPackage, type KerasSourceOption } from "../frontend/keras-package.js";
import { findPython } from "./python.js";

const FIND_SPEC = [
  "import importlib.util as u",
  "s = u.find_spec('keras')",
  "print(s.submodule_search_locations[0] if s is not None and s.submodule_search_locations else '')",
].join("\n");

export interface LocateOptions {
  /** `--keras-path`: the `keras` package folder, or a site-packages folder holding it. */
  kerasPath?: string;
  /** `--python`; else KERAS2TORCH_PYTHON, an active or project venv, keras2torch's own venv, python3. */
  python?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** An explicit `--keras-path` that is not a Keras source tree: the message says what is missing. */
export class KerasPathError extends Error {}

/** The `keras` package folder given by `dir` (itself or its `keras` child), or null. */
export function kerasPackageIn(dir: string): string | null {
  for (const candidate of [dir, join(dir, "keras")]) if (isKerasPackage(candidate)) return resolve(candidate);
  return null;
}

export function locateKeras(options: LocateOptions = {}): KerasSourceOption {
  const cwd = options.cwd ?? process.cwd();
  if (options.kerasPath !== undefined) {
    const dir = resolve(cwd, options.kerasPath);
    const root = kerasPackageIn(dir);
    if (root) return { root };
    throw new KerasPathError(
      existsSync(dir)
        ? `--keras-path ${options.kerasPath}: not a Keras 3 source tree (no keras/src/applications/ there); give the \`keras\` package folder, e.g. .venv/lib/python3.12/site-packages/keras`
        : `--keras-path ${options.kerasPath}: no such folder`,
    );
  }
  const python = findPython(options.python, join(cwd, "__keras2torch__.py"), options.env ?? process.env);
  const run = spawnSync(python, ["-c", FIND_SPEC], { encoding: "utf8", timeout: 30_000, cwd, env: { ...(options.env ?? process.env), PYTHONDONTWRITEBYTECODE: "1" } });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return { problem: code === "ENOENT" ? `no Keras was found: the Python \`${python}\` does not exist` : `no Keras was found: \`${python}\` could not be run (${run.error.message})` };
  }
  if (run.status !== 0) return { problem: `no Keras was found: \`${python}\` failed (${(run.stderr || "").trim().split("\n").pop() ?? `exit ${run.status}`})` };
  const found = run.stdout.trim();
  if (!found) return { problem: `no Keras was found: Keras is not installed in \`${python}\`` };
  const root = kerasPackageIn(found);
  if (!root) return { problem: `the Keras in \`${python}\` (${found}) is not Keras 3 (it has no src/applications/)` };
  return { root };
}

export { KERAS_PATH_HINT };

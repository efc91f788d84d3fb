// Where a Keras source tree is, apart from reading it (keras-source.ts): the CLI's main process finds the
// tree for its workers and must not load the parser.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

/** A Keras package directory (the one holding `src/applications/`), or why there is none. */
export type KerasSourceOption = { root: string } | { problem: string };

/** Whether `dir` is a Keras package with an applications source package. */
export function isKerasPackage(dir: string): boolean {
  try {
    return statSync(join(dir, "src", "applications")).isDirectory() && existsSync(join(dir, "applications", "__init__.py"));
  } catch {
    return false;
  }
}

export const KERAS_PATH_HINT = "point keras2torch at a Keras source tree with --keras-path DIR (the `keras` package folder, e.g. .venv/lib/python3.12/site-packages/keras), or at a Python that has Keras installed with --python PY or KERAS2TORCH_PYTHON";

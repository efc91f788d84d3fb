// Which Python keras2torch asks (verify, and where the Keras source tree is): apart from verify.ts, which
// loads the compiler, so that the main process of a conversion does not.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** --python, $KERAS2TORCH_PYTHON, an active venv, a .venv next to the model or above it, keras2torch's own .venv, python3. */
export function findPython(explicit: string | undefined, modelFile: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return explicit;
  if (env.KERAS2TORCH_PYTHON) return env.KERAS2TORCH_PYTHON;
  const inVenv = (dir: string) => [join(dir, "bin", "python"), join(dir, "Scripts", "python.exe")].find((p) => existsSync(p));
  if (env.VIRTUAL_ENV) {
    const p = inVenv(env.VIRTUAL_ENV);
    if (p) return p;
  }
  for (let dir = dirname(modelFile); ; dir = dirname(dir)) {
    const p = inVenv(join(dir, ".venv"));
    if (p) return p;
    if (dirname(dir) === dir) break;
  }
  return inVenv(join(PACKAGE_ROOT, ".venv")) ?? (process.platform === "win32" ? "python" : "python3");
}

// Project defaults: `keras2torch.config.json`, or a `"keras2torch"` key in `package.json`, in the current
// folder (or the file `--config` names). Paths in it are relative to the file's folder; command-line
// flags override it.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./convert.js";

export interface ProjectConfig {
  /** Files, folders and globs to convert when the command line gives none. */
  inputs?: string[];
  out?: string;
  entry?: string;
  /** Per input file (its path as the manifest writes it): the entry of that file. */
  entries?: Record<string, string>;
  /** `--input-shape`s: `"28,28,1"` or `[28, 28, 1]` (no batch axis; `null` for a size known at run time). */
  inputShapes?: (string | (number | null)[])[];
  ioLayout?: "channels-first" | "keras";
  /** `--keras-path`: the Keras source tree applications are compiled from. */
  kerasPath?: string;
  /** `--python`: the Python whose Keras that is. */
  python?: string;
  /** `--set`: values by name, JSON for the Python literal (`{"num_classes": 10, "act": "relu"}`). */
  set?: Record<string, unknown>;
  /** `--weights`: a Keras-saved file whose shapes give the sizes the source computes from data. */
  weights?: string;
  /** `--keras-version`: `2`, `3` or a release such as `"2.2"`. */
  kerasVersion?: string | number;
  jobs?: number;
  /** `--report` files. */
  reports?: string[];
  format?: "text" | "github";
  quiet?: boolean;
  /** `--standalone-weights`. */
  standaloneWeights?: boolean;
  /** false: `--no-gitattributes`. */
  gitattributes?: boolean;
}

export interface LoadedConfig {
  config: ProjectConfig;
  /** Where it was read from, for messages. */
  path: string;
}

const KEYS: Record<keyof ProjectConfig, (v: unknown) => boolean> = {
  inputs: (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
  out: (v) => typeof v === "string",
  entry: (v) => typeof v === "string",
  entries: (v) => typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string"),
  inputShapes: (v) => Array.isArray(v) && v.every((s) => typeof s === "string" || (Array.isArray(s) && s.every((d) => d === null || typeof d === "number"))),
  ioLayout: (v) => v === "channels-first" || v === "keras",
  kerasPath: (v) => typeof v === "string",
  python: (v) => typeof v === "string",
  set: (v) => typeof v === "object" && v !== null && !Array.isArray(v),
  weights: (v) => typeof v === "string",
  kerasVersion: (v) => typeof v === "string" || typeof v === "number",
  jobs: (v) => Number.isInteger(v) && (v as number) >= 1,
  reports: (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
  format: (v) => v === "text" || v === "github",
  quiet: (v) => typeof v === "boolean",
  standaloneWeights: (v) => typeof v === "boolean",
  gitattributes: (v) => typeof v === "boolean",
};

/** The project's config, or null when there is none; a malformed one is a usage error. */
export function loadConfig(cwd: string, explicit?: string): LoadedConfig | null {
  let path: string;
  let raw: unknown;
  if (explicit !== undefined) {
    path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new UsageError(`--config ${explicit} does not exist`);
    raw = parse(path);
    if (path.endsWith("package.json")) raw = (raw as Record<string, unknown>)?.keras2torch ?? {};
  } else if (existsSync(resolve(cwd, "keras2torch.config.json"))) {
    path = resolve(cwd, "keras2torch.config.json");
    raw = parse(path);
  } else if (existsSync(resolve(cwd, "package.json"))) {
    path = resolve(cwd, "package.json");
    const pkg = parse(path) as Record<string, unknown> | null;
    if (!pkg || typeof pkg !== "object" || !("keras2torch" in pkg)) return null;
    raw = pkg.keras2torch;
    path += ' ("keras2torch")';
  } else return null;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new UsageError(`${path}: the keras2torch config must be a JSON object`);
  const config: ProjectConfig = {};
  for (const [key, value] of Object.entries(raw)) {
    const check = KEYS[key as keyof ProjectConfig];
    if (!check) throw new UsageError(`${path}: unknown key \`${key}\` (known: ${Object.keys(KEYS).join(", ")})`);
    if (!check(value)) throw new UsageError(`${path}: \`${key}\` has the wrong type`);
    (config as Record<string, unknown>)[key] = value;
  }
  // Paths are relative to the config file.
  const base = dirname(path.replace(/ \("keras2torch"\)$/, ""));
  if (config.inputs) config.inputs = config.inputs.map((p) => resolve(base, p));
  if (config.out) config.out = resolve(base, config.out);
  if (config.kerasPath) config.kerasPath = resolve(base, config.kerasPath);
  if (config.reports) config.reports = config.reports.map((p) => resolve(base, p));
  return { config, path };
}

function parse(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
}

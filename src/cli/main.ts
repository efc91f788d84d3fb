// `keras2torch` command line: a thin layer over `compile()` that walks inputs, writes files
// atomically, prints diagnostics and writes the manifest (CONTRACT.md).
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { formatJson } from "../emit/format.js";
import type { Diagnostic } from "../ir/types.js";
import type { Manifest, ManifestDiagnostic, ManifestFile } from "../manifest.js";
import type { IoLayout } from "../passes/layout.js";
import { makeResolver, type InputFile } from "./compile-file.js";
import { formatDiagnostic } from "./diagnostics.js";
import { compileAll, defaultJobs } from "./pool.js";

export const VERSION = "0.1.0";

const HELP = `keras2torch ${VERSION} — compile Keras model source files into PyTorch modules and weight scripts.

Usage:
  keras2torch convert INPUT... -o OUT [options]

INPUT is a .py file or a folder (walked recursively; hidden folders, __pycache__, node_modules
and virtualenvs are skipped). a/b.py under a folder argument is written to OUT/a/b.py, with its
weights script OUT/a/b_weights.py; a file argument is written to OUT/<name>.py. OUT/keras2torch.json
describes every file, model and diagnostic.

Options:
  -o, --out DIR        output folder (required)
  --entry EXPR         the model to compile: a module-level name (\`model\`) or a builder call
                       (\`build_model(num_classes=10)\`); it becomes the primary model
  --input-shape SHAPE  the input shape of a model the file never builds (a subclassed model with no
                       \`build\` call, a Sequential without an Input): the shape without the batch axis,
                       as \`keras.Input(shape=...)\` takes it, e.g. \`28,28,1\` (\`None\` for a size
                       known at run time); repeat it for each input of a model with several
  --io-layout LAYOUT   channels-first (default): image inputs and outputs are NCHW, as PyTorch code
                       expects; keras: every class takes and returns Keras' axis order (NHWC) and
                       permutes inside instead
  -j, --jobs N         worker threads for large runs (default: by file count and cores)
  -q, --quiet          print errors only
  --no-color           plain diagnostics
  -h, --help           show this help
  -v, --version        print the version

The input is never executed: keras2torch reads it statically.

Exit codes: 0 translated without errors; 1 at least one error diagnostic (everything else was
written); 2 usage error or nothing could be read.

Then: python OUT/a/b_weights.py model.keras b.safetensors   # .keras, .weights.h5 or legacy .h5
`;

class UsageError extends Error {}

/** `28,28,1`, `(None, 64)`-style without the batch axis: `None` (or `?`) is a size known at run time. */
function parseInputShape(text: string): (number | null)[] {
  const body = text.trim().replace(/^[([]|[)\]]$/g, "");
  const dims = body.split(",").map((d) => d.trim()).filter((d) => d !== "");
  const shape = dims.map((d) => (d === "None" || d === "?" ? null : /^\d+$/.test(d) && Number(d) > 0 ? Number(d) : undefined));
  if (!shape.length || shape.some((d) => d === undefined)) {
    throw new UsageError(`--input-shape \`${text}\` must be sizes separated by commas, without the batch axis (e.g. 28,28,1; None for a size known at run time)`);
  }
  return [null, ...(shape as (number | null)[])];
}


export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`keras2torch: ${error.message}\nRun \`keras2torch --help\` for usage.\n`);
      return 2;
    }
    // Never a stack trace for the user; say what happened and how to report it.
    process.stderr.write(`keras2torch: internal error: ${(error as Error).message}\nPlease report this with the input that caused it.\n`);
    return 2;
  }
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string", short: "o" },
        entry: { type: "string" },
        "io-layout": { type: "string" },
        "input-shape": { type: "string", multiple: true },
        jobs: { type: "string", short: "j" },
        quiet: { type: "boolean", short: "q" },
        "no-color": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [command, ...inputs] = positionals;
  if (!command) {
    process.stdout.write(HELP);
    return 2;
  }
  if (command !== "convert") throw new UsageError(`unknown command \`${command}\` (the command is \`convert\`)`);
  if (!inputs.length) throw new UsageError("no INPUT given");
  if (!values.out) throw new UsageError("the output folder is required: -o OUT");
  const color = !values["no-color"] && process.stderr.isTTY === true && !process.env.NO_COLOR;
  const ioLayout = values["io-layout"] ?? "channels-first";
  if (ioLayout !== "channels-first" && ioLayout !== "keras") throw new UsageError("--io-layout must be `channels-first` or `keras`");
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError("--jobs must be a positive integer");
  const inputShapes = (values["input-shape"] ?? []).map(parseInputShape);
  return convert(inputs, resolve(values.out), { entry: values.entry, quiet: values.quiet ?? false, color, ioLayout, jobs, inputShapes });
}

interface ConvertOptions {
  entry?: string;
  /** Worker threads; by default chosen from the number of files. */
  jobs?: number;
  ioLayout: IoLayout;
  /** `--input-shape`, batch axis included (as `null`). */
  inputShapes?: (number | null)[][];
  quiet: boolean;
  color: boolean;
}

async function convert(inputs: string[], out: string, options: ConvertOptions): Promise<number> {
  const files: InputFile[] = [];
  const unsupported: InputFile[] = [];
  for (const input of inputs) {
    const real = resolve(input);
    if (!existsSync(real)) throw new UsageError(`input \`${input}\` does not exist`);
    if (statSync(real).isDirectory()) {
      for (const path of walk(real, out)) {
        const item = { real: path, label: relative(real, path).split(sep).join("/") };
        (path.endsWith(".py") ? files : unsupported).push(item);
      }
    } else {
      const item = { real, label: relative(dirname(real), real).split(sep).join("/") };
      (/\.py$/.test(real) ? files : unsupported).push(item);
    }
  }
  if (!files.length && !unsupported.length) throw new UsageError("no .py files found in the inputs");

  // An output that would overwrite an input is refused before anything is written.
  const inputPaths = new Set(files.map((f) => f.real));
  for (const file of files) {
    for (const target of [file.label, weightsLabel(file.label)]) {
      if (inputPaths.has(join(out, target))) throw new UsageError(`-o ${relative(process.cwd(), out) || "."} would overwrite the input ${relative(process.cwd(), join(out, target))}`);
    }
  }

  const entries: ManifestFile[] = [];
  const printed: string[] = [];
  let errors = 0;
  let readable = 0;
  const report = (diagnostic: Diagnostic, real: string, text: string | null) => {
    if (diagnostic.severity === "error") errors++;
    if (options.quiet && diagnostic.severity !== "error") return;
    printed.push(formatDiagnostic(diagnostic, relative(process.cwd(), real) || real, text, options.color));
  };

  // Output collisions: two inputs to one output, or `b_weights.py` next to `b.py`.
  const owners = new Map<string, InputFile>();
  const collided = new Set<InputFile>();
  for (const file of files) {
    for (const target of [file.label, weightsLabel(file.label)]) {
      const owner = owners.get(target);
      if (owner && owner !== file) {
        collided.add(file);
        collided.add(owner);
      } else owners.set(target, file);
    }
  }

  const resolver = makeResolver(files);
  const todo = files.map((_, i) => i).filter((i) => !collided.has(files[i]!));
  const outcomes = await compileAll(files, todo, { entry: options.entry, ioLayout: options.ioLayout, inputShapes: options.inputShapes }, options.jobs ?? defaultJobs(todo.length));
  let entryFound = false;
  for (const [i, file] of files.entries()) {
    const entry: ManifestFile = { input: file.label, diagnostics: [], models: [] };
    entries.push(entry);
    const add = (d: Diagnostic, text: string | null) => {
      entry.diagnostics.push(manifestDiagnostic(d, file.label));
      report(d, file.real, text);
    };
    if (collided.has(file)) {
      readable++;
      add(
        {
          severity: "error",
          code: "output-collision",
          message: `its output would collide with another input's (${file.label} → ${file.label}, ${weightsLabel(file.label)}); rename one of them`,
          range: at(file.label),
        },
        null,
      );
      continue;
    }
    const outcome = outcomes.get(i)!;
    if (outcome.kind === "unreadable") {
      add({ severity: "error", code: "unreadable-input", message: `cannot read the file: ${outcome.message}`, range: at(file.label) }, null);
      continue;
    }
    readable++;
    if (outcome.kind === "failed") {
      add({ severity: "error", code: "internal-error", message: `keras2torch failed on this file (${outcome.message}); please report it`, range: at(file.label) }, outcome.text);
      continue;
    }
    const { text, result } = outcome;
    entryFound ||= result.entryFound;
    for (const d of result.diagnostics) {
      const ownText = d.range.file === file.label ? text : resolver.textOf(d.range.file);
      entry.diagnostics.push(manifestDiagnostic(d, file.label));
      report(d, d.range.file === file.label ? file.real : resolver.realOf(d.range.file) ?? d.range.file, ownText);
    }
    if (result.files.length) {
      for (const f of result.files) writeAtomic(join(out, f.path), f.text);
      entry.module = result.files[0]!.path;
      entry.weights_script = result.files[1]!.path;
      entry.models = result.models;
    }
  }
  for (const file of unsupported) {
    const d: Diagnostic = {
      severity: "error",
      code: "unsupported-input",
      message: /\.(keras|h5|hdf5)$/i.test(file.real)
        ? "compiling a saved model's stored architecture is not supported yet; pass the .py source that builds it"
        : "not a Python source file",
      range: at(file.label),
    };
    entries.push({ input: file.label, diagnostics: [manifestDiagnostic(d, file.label)], models: [] });
    report(d, file.real, null);
  }
  if (options.entry && !entryFound && files.length) {
    const d: Diagnostic = {
      severity: "error",
      code: "entry-not-found",
      message: `--entry \`${options.entry}\` did not produce a Keras model in any input file`,
      range: at(files[0]!.label),
    };
    entries.find((e) => e.input === files[0]!.label)?.diagnostics.push(manifestDiagnostic(d, files[0]!.label));
    report(d, files[0]!.real, null);
  }
  if (!readable) {
    process.stderr.write(printed.join("\n") + "\n");
    return 2;
  }

  const manifest: Manifest = { version: 1, files: entries.sort((a, b) => (a.input < b.input ? -1 : a.input > b.input ? 1 : 0)) };
  writeAtomic(join(out, "keras2torch.json"), await formatJson(manifest));
  if (printed.length) process.stderr.write(printed.join("\n") + "\n");
  if (!options.quiet) {
    const models = entries.reduce((n, e) => n + e.models.length, 0);
    process.stderr.write(`keras2torch: ${files.length} file(s), ${models} model(s), ${errors} error(s) → ${relative(process.cwd(), out) || "."}\n`);
  }
  return errors ? 1 : 0;
}

const weightsLabel = (label: string) => label.replace(/\.py$/, "") + "_weights.py";
const at = (file: string) => ({ file, line: 1, column: 1, endLine: 1, endColumn: 1 });

function manifestDiagnostic(d: Diagnostic, file: string): ManifestDiagnostic {
  return {
    severity: d.severity,
    code: d.code,
    message: d.message,
    file: d.range.file.startsWith("<") ? file : d.range.file,
    line: d.range.line,
    column: d.range.column,
    end_line: d.range.endLine,
    end_column: d.range.endColumn,
  };
}

const SKIPPED_DIRS = new Set(["__pycache__", "node_modules", "site-packages"]);

/** Files under a folder, sorted, skipping hidden folders, caches, virtualenvs and the output folder. */
function walk(root: string, outDir: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    const items = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const item of items) {
      const path = join(dir, item.name);
      if (item.isDirectory()) {
        if (item.name.startsWith(".") || SKIPPED_DIRS.has(item.name) || existsSync(join(path, "pyvenv.cfg")) || path === outDir) continue;
        visit(path);
      } else if (item.isFile() && (item.name.endsWith(".py") || /\.(keras|h5|hdf5)$/i.test(item.name))) {
        out.push(path);
      }
    }
  };
  visit(root);
  return out;
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

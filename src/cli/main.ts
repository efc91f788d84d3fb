// `keras2torch` command line: a thin layer over `compile()` that walks inputs, writes files
// atomically, prints diagnostics and writes the manifest (CONTRACT.md).
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { formatJson } from "../emit/format.js";
import type { Diagnostic, DiagnosticCode } from "../ir/types.js";
import type { Manifest, ManifestDiagnostic, ManifestFile } from "../manifest.js";
import type { IoLayout } from "../passes/layout.js";
import type { FileOutcome, InputFile } from "./compile-file.js";
import { formatDiagnostic, printablePath, type Frame } from "./diagnostics.js";
import { MAX_INPUT_BYTES } from "./limits.js";
import { compileAll, defaultJobs } from "./pool.js";
import { fileKind, tooLargeMessage } from "./read-input.js";

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
  -j, --jobs N         worker processes (default: by file count and cores, at most 8)
  -q, --quiet          print errors only
  --no-color           plain diagnostics
  -h, --help           show this help
  -v, --version        print the version

The input is never executed: keras2torch reads it statically. Each file is compiled in isolation,
under the same limits on every thread (inputs up to 5 MB, 20 s and 512 MB of heap per file;
KERAS2TORCH_FILE_TIMEOUT_MS and KERAS2TORCH_FILE_MEMORY_MB change them): a file that exceeds one
gets a resource-limit error and the other files are written as if it were not there.

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
  /** Worker processes; by default chosen from the number of files. */
  jobs?: number;
  ioLayout: IoLayout;
  /** `--input-shape`, batch axis included (as `null`). */
  inputShapes?: (number | null)[][];
  quiet: boolean;
  color: boolean;
}

/** An input that is refused without being read: a special file, a symbolic link leaving its folder, ... */
interface Refused extends InputFile {
  code: DiagnosticCode;
  message: string;
}

/** What the inputs hold: Python sources, other files (saved models), and refused entries. */
interface Inputs {
  files: InputFile[];
  unsupported: InputFile[];
  refused: Refused[];
  /** Real paths of the input folders and of every input file, to refuse an `-o` that would overwrite one. */
  reals: Set<string>;
  roots: Set<string>;
}

const CONTROL = /[\x00-\x1f\x7f]/;
const SAVED = /\.(keras|h5|hdf5)$/i;

function classify(inputs: Inputs, real: string, label: string, stats: Stats): void {
  const item = { real, label };
  if (CONTROL.test(label)) {
    inputs.refused.push({ ...item, code: "unsupported-input", message: "the file name contains a newline or another control character; rename the file" });
  } else if (!stats.isFile()) {
    inputs.refused.push({ ...item, code: "unreadable-input", message: `it is ${fileKind(stats)}, not a regular file; it is not read` });
  } else if (stats.size > MAX_INPUT_BYTES && label.endsWith(".py")) {
    inputs.refused.push({ ...item, code: "resource-limit", message: tooLargeMessage(stats.size) });
  } else (label.endsWith(".py") ? inputs.files : inputs.unsupported).push(item);
  try {
    inputs.reals.add(realpathSync(real));
  } catch {
    // Refused already (a loop or a dangling link is never read).
  }
}

function gatherInputs(args: string[], out: string): Inputs {
  const inputs: Inputs = { files: [], unsupported: [], refused: [], reals: new Set(), roots: new Set() };
  for (const input of args) {
    const path = resolve(input);
    try {
      lstatSync(path);
    } catch {
      throw new UsageError(`input \`${input}\` does not exist`);
    }
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch (error) {
      const loop = (error as NodeJS.ErrnoException).code === "ELOOP";
      inputs.refused.push({ real: path, label: basename(path), code: "unreadable-input", message: loop ? "it is a symbolic link loop; it is not read" : `it is a symbolic link to \`${readlinkSafe(path)}\`, which does not exist` });
      continue;
    }
    if (stats.isDirectory()) {
      const root = realpathSync(path);
      inputs.roots.add(root);
      walk(inputs, path, root, out);
    } else classify(inputs, path, basename(path), stats);
  }
  return inputs;
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "?";
  }
}

/** `path` with the symbolic links of its existing part resolved (the rest need not exist yet). */
function realish(path: string): string {
  const rest: string[] = [];
  let at = path;
  for (;;) {
    try {
      return join(realpathSync(at), ...rest.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw new UsageError(`cannot resolve \`${path}\`: ${(error as Error).message}`);
      // A dangling link at `at`: follow what it names, relative to its folder.
      let target: string | undefined;
      try {
        if (lstatSync(at).isSymbolicLink()) target = resolve(dirname(at), readlinkSync(at));
      } catch {
        target = undefined;
      }
      if (target !== undefined && rest.length < 64) {
        at = target;
        continue;
      }
      const parent = dirname(at);
      if (parent === at) return join(at, ...rest.reverse());
      rest.push(basename(at));
      at = parent;
    }
  }
}

const isInside = (dir: string, path: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** Refuses an `-o` that is a file, is an input folder or file, or would write over an input or outside itself. */
function checkOutput(out: string, inputs: Inputs): string {
  const shown = relative(process.cwd(), out) || ".";
  let stats: Stats | undefined;
  try {
    stats = statSync(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw new UsageError(`-o ${shown} is a symbolic link loop`);
  }
  if (stats && !stats.isDirectory()) {
    const input = inputs.reals.has(realish(out));
    throw new UsageError(`-o ${shown} ${input ? "is an input file; it would overwrite the input" : "is an existing file, not a folder"}: choose a folder for the output`);
  }
  const realOut = realish(out);
  for (let up = dirname(realOut); ; up = dirname(up)) {
    if (existsSync(up)) {
      if (!statSync(up).isDirectory()) throw new UsageError(`-o ${shown}: ${relative(process.cwd(), up)} is an existing file, not a folder`);
      break;
    }
    if (dirname(up) === up) break;
  }
  if (inputs.roots.has(realOut)) throw new UsageError(`-o ${shown} is an input folder: it would overwrite the inputs; choose another folder`);
  if (inputs.reals.has(realOut)) throw new UsageError(`-o ${shown} is an input file; it would overwrite the input`);
  const targets = [...inputs.files.flatMap((f) => [f.label, weightsLabel(f.label)]), MANIFEST, RUNTIME];
  for (const target of targets) {
    const path = join(realOut, target);
    const real = realish(path);
    if (inputs.reals.has(real)) throw new UsageError(`-o ${shown} would overwrite the input ${relative(process.cwd(), real)}`);
    if (!isInside(realOut, realish(dirname(path)))) {
      throw new UsageError(`-o ${shown}: ${relative(process.cwd(), dirname(path))} is a symbolic link leading out of the output folder; nothing is written through it`);
    }
  }
  return realOut;
}

const MANIFEST = "keras2torch.json";
const RUNTIME = "keras2torch_runtime.py";

async function convert(args: string[], out: string, options: ConvertOptions): Promise<number> {
  // Where the output goes, resolved, so that the walk can skip it (the folder may not exist yet).
  const inputs = gatherInputs(args, realish(out));
  const { files, unsupported, refused } = inputs;
  if (!files.length && !unsupported.length && !refused.length) throw new UsageError("no .py files found in the inputs");
  // An output that would overwrite an input is refused before anything is written.
  const realOut = checkOutput(out, inputs);

  const entries: ManifestFile[] = [];
  const printed: string[] = [];
  let errors = 0;
  let readable = 0;
  const report = (diagnostic: Diagnostic, real: string, frame: Frame | null) => {
    if (diagnostic.severity === "error") errors++;
    if (options.quiet && diagnostic.severity !== "error") return;
    printed.push(formatDiagnostic(diagnostic, relative(process.cwd(), real) || real, frame, options.color));
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

  const realOf = new Map(files.map((f) => [f.label, f.real]));
  const todo = files.map((_, i) => i).filter((i) => !collided.has(files[i]!));
  // Outcomes arrive in any order; their files are written at once (so the run keeps little in memory)
  // and the rest is merged in input order below, so the output is the same for any --jobs.
  const outcomes: FileOutcome[] = [];
  const written: string[][] = [];
  await compileAll(files, todo, { entry: options.entry, ioLayout: options.ioLayout, inputShapes: options.inputShapes }, options.jobs ?? defaultJobs(todo.length), (i, outcome) => {
    if (outcome.kind === "compiled") {
      written[i] = outcome.result.files.map((f) => f.path);
      try {
        for (const f of outcome.result.files) writeInside(realOut, f.path, f.text);
      } catch (error) {
        outcomes[i] = { kind: "unwritable", message: `cannot write its output: ${(error as Error).message}` };
        return;
      }
      outcome.result.files = [];
    }
    outcomes[i] = outcome;
  });
  let entryFound = false;
  for (const [i, file] of files.entries()) {
    const entry: ManifestFile = { input: file.label, diagnostics: [], models: [] };
    entries.push(entry);
    const add = (d: Diagnostic, frame: Frame | null) => {
      entry.diagnostics.push(manifestDiagnostic(d, file.label));
      report(d, file.real, frame);
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
    const outcome = outcomes[i]!;
    if (outcome.kind === "unreadable") {
      add({ severity: "error", code: "unreadable-input", message: outcome.message, range: at(file.label) }, null);
      continue;
    }
    if (outcome.kind === "unwritable") {
      readable++;
      add({ severity: "error", code: "internal-error", message: outcome.message, range: at(file.label) }, null);
      continue;
    }
    if (outcome.kind === "limit") {
      if (outcome.read) readable++;
      add({ severity: "error", code: "resource-limit", message: outcome.message, range: at(file.label) }, null);
      continue;
    }
    readable++;
    if (outcome.kind === "failed") {
      add({ severity: "error", code: "internal-error", message: `keras2torch failed on this file (${outcome.message}); please report it`, range: at(file.label) }, outcome.frame);
      continue;
    }
    const { result, frames } = outcome;
    entryFound ||= result.entryFound;
    for (const [k, d] of result.diagnostics.entries()) {
      entry.diagnostics.push(manifestDiagnostic(d, file.label));
      report(d, d.range.file === file.label ? file.real : realOf.get(d.range.file) ?? d.range.file, frames[k] ?? null);
    }
    const paths = written[i] ?? [];
    if (paths.length) {
      entry.module = paths[0]!;
      entry.weights_script = paths[1]!;
      entry.models = result.models;
    }
  }
  for (const file of unsupported) {
    const d: Diagnostic = {
      severity: "error",
      code: "unsupported-input",
      message: SAVED.test(file.real)
        ? "compiling a saved model's stored architecture is not supported yet; pass the .py source that builds it"
        : "not a Python source file",
      range: at(file.label),
    };
    entries.push({ input: file.label, diagnostics: [manifestDiagnostic(d, file.label)], models: [] });
    report(d, file.real, null);
  }
  for (const file of refused) {
    const d: Diagnostic = { severity: "error", code: file.code, message: file.message, range: at(file.label) };
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
  writeInside(realOut, MANIFEST, await formatJson(manifest));
  if (printed.length) process.stderr.write(printed.join("\n") + "\n");
  if (!options.quiet) {
    const models = entries.reduce((n, e) => n + e.models.length, 0);
    process.stderr.write(`keras2torch: ${files.length} file(s), ${models} model(s), ${errors} error(s) → ${printablePath(relative(process.cwd(), out) || ".")}\n`);
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

/**
 * The files under the input folder `root` (a real path), sorted, skipping hidden folders, caches,
 * virtualenvs and the output folder. A symbolic link is followed only when it stays inside `root` and
 * does not lead back to a folder being walked; otherwise it gets a refused entry, like a FIFO or a device.
 */
function walk(inputs: Inputs, given: string, root: string, outDir: string): void {
  const refuse = (path: string, code: DiagnosticCode, message: string) => inputs.refused.push({ real: path, label: labelOf(path), code, message });
  // Paths are walked as given (so they print as the user named them); links are judged by real paths.
  const labelOf = (path: string) => relative(given, path).split(sep).join("/");
  const wanted = (name: string) => name.endsWith(".py") || SAVED.test(name);
  const visit = (dir: string, ancestors: Set<string>) => {
    let items;
    try {
      items = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    } catch (error) {
      refuse(dir, "unreadable-input", `cannot read the folder: ${(error as Error).message}`);
      return;
    }
    for (const item of items) {
      const path = join(dir, item.name);
      if (item.name.startsWith(".") && (item.isDirectory() || item.isSymbolicLink())) continue;
      let stats: Stats;
      if (item.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(path);
          stats = statSync(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === "ELOOP") refuse(path, "unreadable-input", "it is a symbolic link loop; it is not followed");
          else if (wanted(item.name)) refuse(path, "unreadable-input", `it is a symbolic link to \`${readlinkSafe(path)}\`, which does not exist`);
          continue;
        }
        if (!stats.isDirectory() && !wanted(item.name)) continue;
        if (!isInside(root, real)) {
          refuse(path, "unreadable-input", `it is a symbolic link to \`${real}\`, outside the input folder; it is not followed`);
          continue;
        }
        if (stats.isDirectory() && ancestors.has(real)) {
          refuse(path, "unreadable-input", `it is a symbolic link loop (it leads back to \`${relative(root, real).split(sep).join("/") || "."}\`); it is not followed`);
          continue;
        }
      } else if (item.isDirectory()) {
        stats = lstatSync(path);
      } else if (wanted(item.name)) {
        try {
          stats = lstatSync(path);
        } catch {
          continue;
        }
      } else continue;
      if (stats.isDirectory()) {
        const real = realpathSync(path);
        if (SKIPPED_DIRS.has(item.name) || existsSync(join(path, "pyvenv.cfg")) || real === outDir || path === outDir) continue;
        visit(path, new Set([...ancestors, real]));
      } else if (wanted(item.name)) classify(inputs, path, labelOf(path), stats);
    }
  };
  visit(given, new Set([root]));
}

/** Writes `OUT/label` atomically, never through a symbolic link: a temporary file, then a rename. */
function writeInside(realOut: string, label: string, text: string): void {
  const path = join(realOut, label);
  mkdirSync(dirname(path), { recursive: true });
  if (!isInside(realOut, realpathSync(dirname(path)))) throw new Error(`${dirname(path)} leads out of the output folder`);
  const temp = `${path}.${process.pid}.tmp`;
  for (let attempt = 0; ; attempt++) {
    try {
      // `wx`: never opens an existing file (nor a symbolic link planted at the temporary name).
      writeFileSync(temp, text, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw error;
      unlinkSync(temp);
    }
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

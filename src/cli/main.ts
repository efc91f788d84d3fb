// `keras2torch` command line: parses the options (over the project's config file), runs the conversion
// (convert.ts) and prints diagnostics, the `--check` verdict, reports and the summary (CONTRACT.md).
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "./config.js";
import { convertFiles, UsageError, writeFileAtomic, type ConvertResult } from "./convert.js";
import { formatDiagnostic, printablePath } from "./diagnostics.js";
import { parseInputShape, parseSets } from "./options.js";
import { githubAnnotation, githubStaleAnnotation, renderReport, reportFormat, type ReportFormat } from "./reports.js";
import type { WeightShapes } from "../size-parameters.js";
import { VERSION } from "../version.js";

export { VERSION };

const HELP = `keras2torch ${VERSION} — compile Keras model source files into PyTorch modules and weight scripts.

Usage:
  keras2torch convert INPUT... -o OUT [options]
  keras2torch verify MODEL.py --weights TRAINED [options]   (keras2torch verify --help)
  keras2torch weights KERAS_FILE --source SRC -o OUT.safetensors [options]
                       convert weights with no Python (keras2torch weights --help)

INPUT is a .py file, a folder (walked recursively; hidden folders, __pycache__, node_modules and
virtualenvs are skipped) or a quoted glob ('models/**/*.py', walked from its folder part). a/b.py
under a folder (or a glob's folder) is written to OUT/a/b.py, with its weights script
OUT/a/b_weights.py; a file argument is written to OUT/<name>.py. OUT/keras2torch.json describes
every file, model and diagnostic. A file with no model gets an info diagnostic and no module. The
weights scripts share one runtime, OUT/keras2torch_runtime.py, which each loads by path; and
OUT/.gitattributes marks everything written as linguist-generated.

Options:
  -o, --out DIR        output folder (required, here or in the config file); never an input folder
  --entry EXPR         the model to compile: a module-level name (\`model\`) or a builder call
                       (\`build_model(num_classes=10)\`); it becomes the primary model. An object
                       that holds models (\`GAN(latent_dim=100)\`) gives each of them
  --input-shape SHAPE  the input shape of a model the file never builds (a subclassed model with no
                       \`build\` call, a Sequential without an Input): the shape without the batch axis,
                       as \`keras.Input(shape=...)\` takes it, e.g. \`28,28,1\` (\`None\` for a size
                       known at run time); repeat it for each input of a model with several
  --set NAME=VALUE     give a value the file computes from data at run time (\`num_classes =
                       len(class_names)\`): every binding of NAME in the file takes VALUE, a Python
                       literal (\`--set num_classes=10\`, \`--set 'input_shape=(28, 28, 1)'\`); repeatable
  --keras-path DIR     the Keras source tree \`keras.applications.*\` (MobileNetV2, ResNet50, ...) is
                       compiled from, statically as the input is: the \`keras\` package folder (e.g.
                       .venv/lib/python3.12/site-packages/keras); default: the Keras of --python
  --python PY          the Python whose Keras that is (default: $KERAS2TORCH_PYTHON, an active or
                       project .venv, the .venv next to keras2torch, then python3); it is asked only
                       where Keras is installed, and only when an input uses keras.applications
  --weights FILE       a Keras-saved file of this model (.keras, .weights.h5 or legacy .h5): its
                       stored shapes give the sizes the source computes from data (the
                       Embedding's table gives \`vocab_size\`), one info diagnostic per size; only
                       shapes are read
  --keras-version V    the Keras the source's model was trained with: 3 (default) or 2 (or a release
                       such as 2.2); where Keras 3 changed a definition (hard_sigmoid, Keras <= 2.2's
                       recurrent defaults) the module follows that Keras. Saved files follow the
                       keras_version they store
  --io-layout LAYOUT   channels-first (default): image inputs and outputs are NCHW, as PyTorch code
                       expects; keras: every class takes and returns Keras' axis order (NHWC) and
                       permutes inside instead
  --standalone-weights each weights script carries the runtime itself (about 1,100 lines) instead of
                       loading OUT/keras2torch_runtime.py: for a script that must travel alone
  --no-gitattributes   do not write OUT/.gitattributes (a .gitattributes in OUT that keras2torch did
                       not write is never touched)
  --check              write nothing: compare what would be written with the files in OUT; exit 1
                       listing each stale file with a short diff (changed, missing, or an earlier
                       output no input produces any more)
  --report FILE        also write a report, its format from the extension: .json (machine-readable),
                       .md (a pull-request comment: each file's status, models, diagnostics) or .html
                       (a review page: Keras source and generated PyTorch side by side, each generated
                       line linked to its source line, diagnostics inline, weight mappings); repeatable
  --format FORMAT      text (default): diagnostics with code frames on stderr; github: GitHub Actions
                       annotations (::error file=…,line=…,col=…::message) on stdout
  --config FILE        read project defaults from FILE (default: ./keras2torch.config.json, or the
                       "keras2torch" key of ./package.json); flags override it
  --no-config          ignore any config file
  --progress           draw the progress bar even when stderr is not a terminal
  --no-progress        never draw it (default: drawn on a terminal, not when CI is set)
  -j, --jobs N         worker processes (default: by file count and cores, at most 8)
  -q, --quiet          print errors only (no summary)
  --no-color           plain diagnostics
  -h, --help           show this help
  -v, --version        print the version

Config file keys (JSON; paths relative to the file): inputs, out, entry, entries (input path →
entry for that file), inputShapes, set (name → JSON value), weights, kerasVersion, kerasPath, python,
ioLayout, standaloneWeights, gitattributes (false for --no-gitattributes), jobs, reports, format, quiet.

The input is never executed: keras2torch reads it statically. Each file is compiled in isolation,
under the same limits on every thread (inputs up to 5 MB, 20 s and 512 MB of heap per file;
KERAS2TORCH_FILE_TIMEOUT_MS and KERAS2TORCH_FILE_MEMORY_MB change them): a file that exceeds one
gets a resource-limit error and the other files are written as if it were not there. Output is
the same bytes on every run and for any --jobs; each file is written to a temporary name and
renamed, and nothing is written outside OUT (besides the --report files).

Exit codes: 0 translated without errors (with --check: and OUT is up to date); 1 at least one
error diagnostic (everything else was written), or with --check at least one stale file; 2 usage
error or nothing could be read.

Then: python OUT/a/b_weights.py model.keras b.safetensors   # .keras, .weights.h5 or legacy .h5
Or:   keras2torch weights model.keras --source a/b.py -o b.safetensors   # the same tensors, no Python
And:  keras2torch verify a/b.py --weights model.keras   # real Keras vs the generated PyTorch
`;


/** The config file's `set`: JSON values written as the Python literals they are. */
function pythonLiterals(values: Record<string, unknown>): Record<string, string> {
  const literal = (v: unknown): string => {
    if (v === null) return "None";
    if (typeof v === "boolean") return v ? "True" : "False";
    if (typeof v === "number" || typeof v === "string") return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(literal).join(", ")}]`;
    if (typeof v === "object") return `{${Object.entries(v as object).map(([k, x]) => `${JSON.stringify(k)}: ${literal(x)}`).join(", ")}}`;
    throw new UsageError(`the config's \`set\` holds a value JSON cannot give`);
  };
  const sets: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (!/^[A-Za-z_]\w*$/.test(name)) throw new UsageError(`the config's \`set\` key \`${name}\` is not a Python name`);
    sets[name] = literal(value);
  }
  return sets;
}

export async function main(argv: string[]): Promise<number> {
  try {
    // `verify` has options of its own.
    if (argv[0] === "verify") return await (await import("./verify.js")).verifyMain(argv.slice(1));
    if (argv[0] === "weights") return await (await import("./weights.js")).weightsMain(argv.slice(1));
    return await run(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`keras2torch: ${error.message}\nRun \`keras2torch ${argv[0] === "verify" ? "verify " : ""}--help\` for usage.\n`);
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
        set: { type: "string", multiple: true },
        "keras-path": { type: "string" },
        python: { type: "string" },
        weights: { type: "string" },
        "keras-version": { type: "string" },
        jobs: { type: "string", short: "j" },
        check: { type: "boolean" },
        "standalone-weights": { type: "boolean" },
        "no-gitattributes": { type: "boolean" },
        report: { type: "string", multiple: true },
        format: { type: "string" },
        config: { type: "string" },
        "no-config": { type: "boolean" },
        progress: { type: "boolean" },
        "no-progress": { type: "boolean" },
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
  const [command, ...args] = positionals;
  if (!command) {
    process.stdout.write(HELP);
    return 2;
  }
  if (command !== "convert") throw new UsageError(`unknown command \`${command}\` (the commands are \`convert\` and \`verify\`)`);
  // Flags override the project's config file.
  const config = values["no-config"] ? {} : loadConfig(process.cwd(), values.config)?.config ?? {};
  const inputs = args.length ? args : config.inputs ?? [];
  if (!inputs.length) throw new UsageError("no INPUT given");
  const out = values.out ?? config.out;
  if (!out) throw new UsageError("the output folder is required: -o OUT");
  const color = !values["no-color"] && process.stderr.isTTY === true && !process.env.NO_COLOR;
  const ioLayout = values["io-layout"] ?? config.ioLayout ?? "channels-first";
  if (ioLayout !== "channels-first" && ioLayout !== "keras") throw new UsageError("--io-layout must be `channels-first` or `keras`");
  const jobs = values.jobs === undefined ? config.jobs : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) throw new UsageError("--jobs must be a positive integer");
  const inputShapes = (values["input-shape"] ?? (config.inputShapes ?? []).map((s) => (typeof s === "string" ? s : s.map((d) => (d === null ? "None" : String(d))).join(",")))).map(parseInputShape);
  const set = { ...pythonLiterals(config.set ?? {}), ...parseSets(values.set ?? []) };
  const weightsFile = values.weights ?? config.weights;
  let weightShapes: WeightShapes | undefined;
  if (weightsFile !== undefined) {
    // Loaded when needed, as the compiler is: the main process of a conversion stays light.
    const read = await (await import("./weight-shapes.js")).readWeightShapes(resolve(weightsFile), weightsFile);
    if (!read.ok) throw new UsageError(`--weights ${read.message}`);
    weightShapes = read.shapes;
  }
  const kerasVersion = values["keras-version"] ?? (config.kerasVersion === undefined ? undefined : String(config.kerasVersion));
  if (kerasVersion !== undefined && !(await import("../passes/keras-version.js")).parseKerasVersion(kerasVersion)) throw new UsageError(`--keras-version must be 2, 3 or a Keras release such as 2.2 (got \`${kerasVersion}\`)`);
  const format = values.format ?? config.format ?? "text";
  if (format !== "text" && format !== "github") throw new UsageError("--format must be `text` or `github`");
  const reports = (values.report ?? config.reports ?? []).map((path) => {
    const kind = reportFormat(path);
    if (!kind) throw new UsageError(`--report ${path}: the format comes from the extension, one of .json, .md or .html`);
    return { path: resolve(path), kind };
  });
  const quiet = values.quiet ?? config.quiet ?? false;
  // A bar only for a person watching: a terminal, not CI, not annotations.
  const progress = values["no-progress"] ? false : values.progress ?? (process.stderr.isTTY === true && !process.env.CI && !quiet && format === "text");
  const bar = progress ? progressBar() : null;
  const result = await convertFiles(inputs, {
    out,
    entry: values.entry ?? config.entry,
    entries: config.entries,
    ioLayout,
    jobs,
    inputShapes,
    set,
    kerasPath: values["keras-path"] ?? config.kerasPath,
    python: values.python ?? config.python,
    weightShapes,
    kerasVersion,
    check: values.check ?? false,
    standaloneWeights: values["standalone-weights"] ?? config.standaloneWeights ?? false,
    gitattributes: values["no-gitattributes"] ? false : config.gitattributes ?? true,
    review: reports.some((r) => r.kind === "html"),
    onProgress: bar?.update,
  });
  bar?.clear();
  return finish(result, { quiet, color, format, reports, check: values.check ?? false });
}

interface FinishOptions {
  quiet: boolean;
  color: boolean;
  format: "text" | "github";
  reports: { path: string; kind: ReportFormat }[];
  check: boolean;
}

function finish(result: ConvertResult, options: FinishOptions): number {
  const lines: string[] = [];
  for (const r of result.diagnostics) {
    if (options.quiet && r.diagnostic.severity !== "error") continue;
    if (options.format === "github") process.stdout.write(githubAnnotation(r) + "\n");
    else lines.push(formatDiagnostic(r.diagnostic, r.path, r.frame, options.color));
  }
  if (lines.length) process.stderr.write(lines.join("\n") + "\n");
  if (result.exitCode === 2) return 2;
  if (!options.quiet) for (const note of result.notes) process.stderr.write(`keras2torch: note: ${note}\n`);
  const shownOut = printablePath(relative(process.cwd(), result.out) || ".");
  if (options.check) {
    for (const s of result.stale) {
      if (options.format === "github") process.stdout.write(githubStaleAnnotation(relative(process.cwd(), join(result.out, s.path)), s.reason) + "\n");
      process.stderr.write(`keras2torch: stale: ${printablePath(s.path)} (${s.reason})\n${s.reason === "changed" ? s.diff : "  " + s.diff}\n`);
    }
    process.stderr.write(
      result.stale.length
        ? `keras2torch --check: ${result.stale.length} stale file${result.stale.length === 1 ? "" : "s"} in ${shownOut}; run keras2torch convert without --check and commit the result\n`
        : `keras2torch --check: ${shownOut} is up to date\n`,
    );
  }
  for (const report of options.reports) {
    try {
      writeFileAtomic(report.path, renderReport(report.kind, result));
    } catch (error) {
      process.stderr.write(`keras2torch: cannot write the report ${relative(process.cwd(), report.path)}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  if (!options.quiet) process.stderr.write(summaryTable(result, shownOut, options.check));
  return result.exitCode;
}

/** The end-of-run table: files by status, models, diagnostics by severity, time. */
export function summaryTable(result: ConvertResult, out: string, check: boolean): string {
  const by = (status: string) => result.files.filter((f) => f.status === status).length;
  const c = result.counts;
  const rows: [string, string][] = [
    ["files", `${c.files} (${by("translated")} translated, ${by("no-model")} without a model, ${by("failed")} failed)`],
    ["models", String(c.models)],
    ["errors", String(c.error)],
    ["warnings", String(c.warning)],
    ["info", String(c.info)],
    ...(check ? [["stale", String(result.stale.length)] as [string, string]] : []),
    ["time", `${(result.elapsedMs / 1000).toFixed(2)} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return `keras2torch: ${check ? "checked" : "wrote"} ${out}\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n")}\n`;
}

/** A one-line bar on stderr, redrawn at most every 50 ms. */
function progressBar() {
  let last = 0;
  const columns = () => Math.max(40, Math.min(process.stderr.columns ?? 80, 120));
  return {
    update: (done: number, total: number, input: string) => {
      const now = Date.now();
      if (done < total && now - last < 50) return;
      last = now;
      const width = 24;
      const filled = Math.round((done / Math.max(total, 1)) * width);
      const head = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} `;
      const name = printablePath(input);
      const room = columns() - head.length - 1;
      process.stderr.write(`\r\x1b[2K${head}${name.length > room ? "…" + name.slice(name.length - room + 1) : name}`);
    },
    clear: () => process.stderr.write("\r\x1b[2K"),
  };
}

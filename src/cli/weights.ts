// `keras2torch weights KERAS_FILE --source SRC -o OUT.safetensors`: the model's mapping comes from
// compiling SRC (a .py file, or a saved .keras/.h5 whose stored architecture is compiled), exactly as
// `convert` compiles it for the generated weights script; src/weights/convert.ts then reads KERAS_FILE
// and writes the state_dict with no Python. Exit codes are the weights script's: 0 written, 1 the file
// does not fit the model (missing / unexpected / mis-shaped tensors, an ambiguous match), 2 usage, an
// unreadable, damaged or unrecognised file, or a source that gives no model.
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { compile, compileSaved, type CompileResult } from "../compile.js";
import { readSavedModel } from "../frontend/saved-file.js";
import { ConversionError, convertWeights, EXIT_USAGE, formatReport } from "../weights/convert.js";
import { preloadH5 } from "../weights/hdf5.js";
import { formatDiagnostic } from "./diagnostics.js";
import { SAVED_MODEL, savedModuleLabel } from "./read-input.js";
import { parseInputShape, parseSets } from "./options.js";

export const WEIGHTS_HELP = `Usage: keras2torch weights KERAS_FILE --source SRC -o OUT.safetensors [options]

Converts the weights in KERAS_FILE (a Keras 3 .keras zip or .weights.h5, or a legacy Keras 1/2 .h5,
recognised by content) into a PyTorch state_dict for the model that SRC builds, written as
.safetensors. No Python runs: the mapping is the one the generated weights script holds, and the
tensors are the same, bit for bit.

Options:
  --source SRC         the model: a .py file (compiled as \`convert\` compiles it) or a saved .keras/.h5
                       holding its architecture; default: KERAS_FILE itself, when it is a full model
  -o, --out FILE       the output, ending in .safetensors (written to a temporary file, then renamed)
  --model CLASS        the generated class to convert, when SRC gives several (default: the primary)
  --entry EXPR         as for convert: the model to compile (a name or a builder call)
  --input-shape SHAPE  as for convert (repeatable)
  --set NAME=VALUE     as for convert (repeatable)
  --io-layout LAYOUT   as for convert: channels-first (default) or keras
  --verbose            print the mapping table and the strategy that matched each layer
  -h, --help           show this help

Exit codes: 0 written; 1 KERAS_FILE does not fit the model (every missing, unexpected and mis-shaped
tensor is listed) and nothing was written; 2 usage error, an unreadable, damaged or unrecognised
KERAS_FILE, or a SRC that builds no model; nothing written.
`;

const PROG = "keras2torch weights";

export async function weightsMain(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        source: { type: "string" },
        out: { type: "string", short: "o" },
        model: { type: "string" },
        entry: { type: "string" },
        "input-shape": { type: "string", multiple: true },
        set: { type: "string", multiple: true },
        "io-layout": { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return usage((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(WEIGHTS_HELP);
    return 0;
  }
  if (positionals.length !== 1) return usage(positionals.length ? `one KERAS_FILE, not ${positionals.length}` : "no KERAS_FILE given");
  const kerasFile = positionals[0]!;
  if (!values.out) return usage("the output is required: -o OUT.safetensors");
  const ioLayout = values["io-layout"] ?? "channels-first";
  if (ioLayout !== "channels-first" && ioLayout !== "keras") return usage("--io-layout must be `channels-first` or `keras`");
  let inputShapes, set;
  try {
    inputShapes = (values["input-shape"] ?? []).map(parseInputShape);
    set = parseSets(values.set ?? []);
  } catch (error) {
    return usage((error as Error).message);
  }
  const source = values.source ?? kerasFile;
  // h5wasm compiles its WASM off the main thread while the source is compiled on it.
  preloadH5();

  try {
    const result = await compileSource(source, { entry: values.entry, inputShapes, set, ioLayout }, values.source === undefined);
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    // Errors are shown; the conversion still checks every tensor, so a layer left out fails there.
    if (errors.length) process.stderr.write(errors.map((d) => formatDiagnostic(d, d.range.file, null, false)).join("\n") + "\n");
    const mapping = result.weights;
    if (!mapping || !Object.keys(mapping.models).length) {
      throw new ConversionError(`${source}: builds no model that keras2torch could translate; nothing to convert the weights for`, [], EXIT_USAGE);
    }
    const name = values.model ?? mapping.primary;
    const spec = mapping.models[name];
    if (!spec) throw new ConversionError(`unknown model \`${name}\`; ${source} gives: ${Object.keys(mapping.models).join(", ")}`, [], EXIT_USAGE);
    const report = await convertWeights({
      name,
      mapping: spec,
      kerasFile,
      output: values.out,
      onWarning: (w) => process.stderr.write(`${PROG}: warning: ${w}\n`),
      onReport: values.verbose ? (r) => process.stdout.write(formatReport(r) + "\n") : undefined,
    });
    process.stdout.write(`wrote ${report.rows.length} tensors of ${report.model} to ${values.out}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConversionError) {
      process.stderr.write(`${PROG}: error: ${error.toString()}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

function usage(message: string): number {
  process.stderr.write(`${PROG}: ${message}\nRun \`keras2torch weights --help\` for usage.\n`);
  return EXIT_USAGE;
}

interface SourceOptions {
  entry?: string;
  inputShapes: (number | null)[][];
  set: Record<string, string>;
  ioLayout: "channels-first" | "keras";
}

/** Compiles SRC as `convert` compiles a lone input file: a .py source, or a saved model's architecture. */
export async function compileSource(source: string, o: SourceOptions, implicit = false): Promise<CompileResult> {
  let isFile = false;
  try {
    isFile = statSync(source).isFile();
  } catch {
    // reported below
  }
  if (!isFile) throw new ConversionError(`${source}: no such file (--source)`, [], EXIT_USAGE);
  const label = basename(source);
  if (SAVED_MODEL.test(source)) {
    const read = await readSavedModel(source);
    // Without --source the weights file itself was taken for the model: say how to give the source.
    if (!read.ok) throw new ConversionError(`${source}: ${implicit ? `${read.message.split(". ")[0]}; give the model's source (.py, or a saved full model) with --source` : read.message}`, [], EXIT_USAGE);
    return compileSaved(read.saved, { path: label, modulePath: savedModuleLabel(label), ioLayout: o.ioLayout, mappingOnly: true });
  }
  let text: string;
  try {
    text = readFileSync(source, "utf8");
  } catch (error) {
    throw new ConversionError(`${source}: cannot read: ${(error as Error).message}`, [], EXIT_USAGE);
  }
  return compile(text, { path: label, entry: o.entry, inputShapes: o.inputShapes, set: o.set, ioLayout: o.ioLayout, mappingOnly: true });
}

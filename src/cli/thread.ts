// The worker thread that compiles files, one per message, inside a child process (worker.ts). It runs
// with the resource limits of limits.ts, the same for every file of every run.
import { parentPort } from "node:worker_threads";
import { compile } from "../compile.js";
import { compileFile, compileSavedFile, makeResolver, type FileOptions, type InputFile } from "./compile-file.js";

const WARM_UP = `import keras
from keras import layers

inputs = keras.Input(shape=(8, 8, 1))
x = layers.Conv2D(2, 3)(inputs)
model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x)))
`;

/** The run's files and options, from the `init` message; files arrive only after it. */
let run: { files: InputFile[]; options: FileOptions; resolver: ReturnType<typeof makeResolver> } | undefined;
// For tests of the crash path only: the file with this label aborts the whole process, as V8 does on
// some out-of-memory paths (test/isolation.test.ts).
const abortOn = process.env.KERAS2TORCH_TEST_ABORT_ON;
// Files are compiled one at a time, in the order they arrive: the pool sends the next one ahead
// (pool.ts) and charges a deadline or a crash to the oldest file it has not heard back about.
let previous: Promise<void> = Promise.resolve();
parentPort!.on("message", (message: number | { files: InputFile[]; options: FileOptions }) => {
  if (typeof message === "number") previous = previous.then(() => compileOne(message));
  else {
    run = { ...message, resolver: makeResolver(message.files) };
    // Warmed up already (below, before any message is taken).
    parentPort!.postMessage("ready");
  }
});

async function compileOne(index: number): Promise<void> {
  const { files, options, resolver } = run!;
  const file = files[index]!;
  if (abortOn !== undefined && file.label === abortOn) process.abort();
  // A saved model file is read asynchronously (zip entries, HDF5 through h5wasm); a source file is not.
  const outcome =
    file.module !== undefined
      ? await compileSavedFile(file, options).catch((error: unknown) => ({ kind: "failed" as const, message: String((error as Error)?.message ?? error).slice(0, 500), frame: null }))
      : compileFile(file, resolver, options);
  parentPort!.postMessage([index, outcome]);
}
// Warm up before taking files: the parser and the compiler's code load on first use, and that time must
// not count against the first file's deadline. ruff loads when a file first has a line for it to break
// (a fraction of a second, far inside the deadline); a run whose files have none never loads it.
try {
  compile(WARM_UP, { path: "warm_up.py" });
} catch {
  // A broken compiler shows on the real files.
}

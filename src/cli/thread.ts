// The worker thread that compiles files, one per message, inside a child process (worker.ts). It runs
// with the resource limits of limits.ts, the same for every file of every run.
import { parentPort, workerData } from "node:worker_threads";
import { compile } from "../compile.js";
import { compileFile, compileSavedFile, makeResolver, type FileOptions, type InputFile } from "./compile-file.js";

const WARM_UP = `import keras
from keras import layers

inputs = keras.Input(shape=(8, 8, 1))
x = layers.Conv2D(2, 3)(inputs)
model = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(x)))
`;

const { files, options } = workerData as { files: InputFile[]; options: FileOptions };
const resolver = makeResolver(files);
// For tests of the crash path only: the file with this label aborts the whole process, as V8 does on
// some out-of-memory paths (test/isolation.test.ts).
const abortOn = process.env.KERAS2TORCH_TEST_ABORT_ON;
parentPort!.on("message", (index: number) => {
  if (abortOn !== undefined && files[index]!.label === abortOn) process.abort();
  const file = files[index]!;
  // A saved model file is read asynchronously (zip entries, HDF5 through h5wasm); a source file is not.
  if (file.module !== undefined) void compileSavedFile(file, options)
      .catch((error: unknown) => ({ kind: "failed" as const, message: String((error as Error)?.message ?? error).slice(0, 500), frame: null }))
      .then((outcome) => parentPort!.postMessage([index, outcome]));
  else parentPort!.postMessage([index, compileFile(file, resolver, options)]);
});
// Warm up before taking files: the parser and the formatter load on first use, and that time must not
// count against the first file's deadline.
try {
  compile(WARM_UP, { path: "warm_up.py" });
} catch {
  // A broken compiler shows on the real files.
}
parentPort!.postMessage("ready");

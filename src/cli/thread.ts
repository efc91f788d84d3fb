// The worker thread that compiles files, one per message, inside a child process (worker.ts). It runs
// with the resource limits of limits.ts, the same for every file of every run.
import { parentPort, workerData } from "node:worker_threads";
import { compileFile, makeResolver, type FileOptions, type InputFile } from "./compile-file.js";

const { files, options } = workerData as { files: InputFile[]; options: FileOptions };
const resolver = makeResolver(files);
// For tests of the crash path only: the file with this label aborts the whole process, as V8 does on
// some out-of-memory paths (test/isolation.test.ts).
const abortOn = process.env.KERAS2TORCH_TEST_ABORT_ON;
parentPort!.on("message", (index: number) => {
  if (abortOn !== undefined && files[index]!.label === abortOn) process.abort();
  parentPort!.postMessage([index, compileFile(files[index]!, resolver, options)]);
});
parentPort!.postMessage("ready");

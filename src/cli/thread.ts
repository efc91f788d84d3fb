// The worker thread that compiles files, one per message, inside a child process (worker.ts). It runs
// with the resource limits of limits.ts, the same for every file of every run.
import { parentPort, workerData } from "node:worker_threads";
import { compileFile, makeResolver, type FileOptions, type InputFile } from "./compile-file.js";

const { files, options } = workerData as { files: InputFile[]; options: FileOptions };
const resolver = makeResolver(files);
parentPort!.on("message", (index: number) => {
  parentPort!.postMessage([index, compileFile(files[index]!, resolver, options)]);
});
parentPort!.postMessage("ready");

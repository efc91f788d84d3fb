// A child process of a run (pool.ts). It hosts one worker thread with the resource limits of limits.ts
// and relays files to it. Anything that kills the thread or this whole process (V8 aborts on some
// out-of-memory paths even inside a worker thread) only costs the file being compiled: the parent
// reports it and starts a replacement process.
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { FileOptions, InputFile } from "./compile-file.js";
import { FILE_HEAP_MB, FILE_STACK_MB, FILE_YOUNG_HEAP_MB } from "./limits.js";

export type ToChild = { type: "init"; files: InputFile[]; options: FileOptions } | { type: "task"; index: number };
export type FromChild = { type: "ready" } | { type: "done"; index: number; outcome: unknown } | { type: "crash"; reason: "memory" | "other"; message: string };

// ruff's formatter is a 10 MB WebAssembly module. By default V8 re-optimises its hot functions with
// TurboFan in background threads, which costs a worker process about 0.8 s of CPU at start-up and slows
// the first formats several-fold while it runs; baseline (Liftoff) code alone formats a file in about a
// millisecond. Set before the thread loads the module (the flag is process-wide; unknown flags are ignored).
setFlagsFromString("--liftoff-only");

const send = (message: FromChild, then?: () => void) => process.send!(message, undefined, undefined, then ? () => then() : undefined);
let thread: Worker | undefined;

process.on("message", (message: ToChild) => {
  if (message.type === "init") {
    thread = new Worker(new URL("./thread.js", import.meta.url), {
      workerData: { files: message.files, options: message.options },
      resourceLimits: { maxOldGenerationSizeMb: FILE_HEAP_MB, maxYoungGenerationSizeMb: FILE_YOUNG_HEAP_MB, stackSizeMb: FILE_STACK_MB },
    });
    thread.on("message", (m: "ready" | [number, unknown]) => send(m === "ready" ? { type: "ready" } : { type: "done", index: m[0], outcome: m[1] }));
    thread.on("error", (error: Error & { code?: string }) => {
      send({ type: "crash", reason: error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "memory" : "other", message: error.message }, () => process.exit(1));
    });
    thread.on("exit", () => setTimeout(() => process.exit(1), 100));
  } else thread?.postMessage(message.index);
});
// The parent went away (finished, or was killed): so does this process.
process.on("disconnect", () => process.exit(0));

// A child process of a run (pool.ts). It hosts one worker thread with the resource limits of limits.ts
// and relays files to it. Anything that kills the thread or this whole process (V8 aborts on some
// out-of-memory paths even inside a worker thread) only costs the file being compiled: the parent
// reports it and starts a replacement process.
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { FileOptions, InputFile } from "./compile-file.js";
import { FILE_HEAP_MB, FILE_STACK_MB, FILE_YOUNG_HEAP_MB } from "./limits.js";
import { BASELINE_JIT } from "./pool.js";
import { BASELINE_V8_FLAG, WORKER_V8_FLAGS } from "./v8-flags.js";

export type ToChild = { type: "init"; files: InputFile[]; options: FileOptions } | { type: "task"; index: number };
export type FromChild = { type: "ready" } | { type: "done"; index: number; outcome: unknown } | { type: "crash"; reason: "memory" | "other"; message: string };

for (const flag of WORKER_V8_FLAGS) setFlagsFromString(flag);
if (process.argv.includes(BASELINE_JIT)) setFlagsFromString(BASELINE_V8_FLAG);

const send = (message: FromChild, then?: () => void) => process.send!(message, undefined, undefined, then ? () => then() : undefined);

// The thread starts at once and warms up while the parent is still gathering its inputs (pool.ts
// starts processes ahead of the files); it takes the run's files and options with `init`.
const thread = new Worker(new URL("./thread.js", import.meta.url), {
  resourceLimits: { maxOldGenerationSizeMb: FILE_HEAP_MB, maxYoungGenerationSizeMb: FILE_YOUNG_HEAP_MB, stackSizeMb: FILE_STACK_MB },
});
thread.on("message", (m: "ready" | [number, unknown]) => send(m === "ready" ? { type: "ready" } : { type: "done", index: m[0], outcome: m[1] }));
thread.on("error", (error: Error & { code?: string }) => {
  send({ type: "crash", reason: error.code === "ERR_WORKER_OUT_OF_MEMORY" ? "memory" : "other", message: error.message }, () => process.exit(1));
});
thread.on("exit", () => setTimeout(() => process.exit(1), 100));

process.on("message", (message: ToChild) => thread.postMessage(message.type === "init" ? { files: message.files, options: message.options } : message.index));
// The parent went away (finished, or was killed): so does this process.
process.on("disconnect", () => process.exit(0));

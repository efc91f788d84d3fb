// A child process of a run (pool.ts). It hosts one worker thread with the resource limits of limits.ts
// and relays files to it. Anything that kills the thread or this whole process (V8 aborts on some
// out-of-memory paths even inside a worker thread) only costs the file being compiled: the parent
// reports it and starts a replacement process.
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import type { FileOptions, InputFile } from "./compile-file.js";
import { FILE_HEAP_MB, FILE_STACK_MB, FILE_YOUNG_HEAP_MB } from "./limits.js";
import { BASELINE_JIT } from "./pool.js";

export type ToChild = { type: "init"; files: InputFile[]; options: FileOptions } | { type: "task"; index: number };
export type FromChild = { type: "ready" } | { type: "done"; index: number; outcome: unknown } | { type: "crash"; reason: "memory" | "other"; message: string };

// ruff's formatter is a 10 MB WebAssembly module. By default V8 re-optimises its hot functions with
// TurboFan in background threads, which costs a worker process about 0.8 s of CPU at start-up and slows
// the first formats several-fold while it runs; baseline (Liftoff) code alone formats a file in about a
// millisecond. The compiler's JavaScript is alike when the workers take every core: optimising it (V8
// tiers above Sparkplug) cost a worker of 150 files about 0.6 s more CPU in background compiler threads
// than it saved, and those threads then compete with the other workers (bench/README.md). Set before the
// thread starts (the flags are process-wide).
setFlagsFromString("--liftoff-only");
// V8 learns from the syntax tree's nodes, which are all alive while their file compiles, to allocate
// them straight in the old generation; they then die there, and each scavenge pays for their pointers
// into the young one. Without that pretenuring the compiler spends less than half the time in GC
// (bench/README.md).
setFlagsFromString("--no-allocation-site-pretenuring");
if (process.argv.includes(BASELINE_JIT)) setFlagsFromString("--max-opt=1");

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

// Compiles the files of a run in child processes, each hosting one worker thread with the resource
// limits of limits.ts (worker.ts, thread.ts): always, even with `--jobs 1`, so every file is compiled
// under the same limits and the output does not depend on the number of jobs. Each file is one task
// with a wall-clock deadline; a process that misses it, runs out of memory or crashes is replaced, and
// only its file fails (a `limit` outcome). Outcomes are reported by input index, so the caller can merge
// them in input order.
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import type { FileOptions, FileOutcome, InputFile } from "./compile-file.js";
import { FILE_HEAP_MB, FILE_TIMEOUT_MS } from "./limits.js";
import type { FromChild, ToChild } from "./worker.js";

/** Below this many files per process, one more process costs more than it saves. */
const FILES_PER_WORKER = 24;
/**
 * Files sent to a process ahead of its results: with two, its thread starts the next file while this
 * process writes the last one's outputs, instead of waiting a round trip for it.
 */
const IN_FLIGHT = 2;
/** Most processes by default. */
export const MAX_DEFAULT_JOBS = 8;
/** A process that dies this many times in a row before it is ready means the worker cannot start at all. */
const MAX_START_FAILURES = 3;

export function defaultJobs(fileCount: number): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_DEFAULT_JOBS, Math.floor(fileCount / FILES_PER_WORKER)));
}

export function compileAll(
  files: InputFile[],
  todo: number[],
  options: FileOptions,
  jobs: number,
  onOutcome: (index: number, outcome: FileOutcome) => void,
): Promise<void> {
  if (!todo.length) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const queue = [...todo];
    let pending = todo.length;
    let startFailures = 0;
    let failed = false;
    const children = new Set<ChildProcess>();

    const finish = (index: number, outcome: FileOutcome) => {
      onOutcome(index, outcome);
      if (--pending === 0) {
        // Processes still starting have nothing left to do.
        for (const child of children) child.kill("SIGKILL");
        resolve();
      }
    };

    const start = () => {
      const child = takeSpare() ?? spawnWorker(baselineJit(jobs));
      children.add(child);
      // The files sent to this process, in the order its thread compiles them; the first is the one
      // being compiled, and the only one its deadline and a crash are charged to.
      const sent: number[] = [];
      let timer: NodeJS.Timeout | undefined;
      let timedOut = false;
      let ready = false;
      let crash: FromChild & { type: "crash" } = { type: "crash", reason: "other", message: "" };
      const startDeadline = () => {
        timedOut = false;
        timer = setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, FILE_TIMEOUT_MS);
      };
      const fill = () => {
        while (sent.length < IN_FLIGHT && queue.length) {
          const index = queue.shift()!;
          sent.push(index);
          if (sent.length === 1) startDeadline();
          child.send({ type: "task", index } satisfies ToChild);
        }
        if (!sent.length) {
          children.delete(child);
          child.disconnect();
        }
      };
      child.on("message", (message: FromChild) => {
        if (message.type === "ready") {
          ready = true;
          startFailures = 0;
          fill();
        } else if (message.type === "done") {
          clearTimeout(timer);
          const index = sent.shift()!;
          if (sent.length) startDeadline();
          // The next file goes out before this one's outputs are written, so the thread is never idle.
          fill();
          finish(index, message.outcome as FileOutcome);
        } else crash = message;
      });
      child.on("error", () => child.kill("SIGKILL"));
      child.on("exit", (code, signal) => {
        children.delete(child);
        clearTimeout(timer);
        if (failed) return;
        const index = sent.shift();
        // Files sent behind the one that failed were not started: another process takes them.
        queue.unshift(...sent.splice(0));
        if (index !== undefined) finish(index, { kind: "limit", read: true, message: crashMessage(timedOut, crash, code, signal) });
        else if (!ready && ++startFailures >= MAX_START_FAILURES) {
          failed = true;
          reject(new Error(`the compiler worker process could not start (exit ${signal ?? code})`));
          return;
        }
        if (queue.length) start();
      });
      child.send({ type: "init", files, options } satisfies ToChild);
    };
    for (let n = 0; n < Math.min(jobs, todo.length); n++) start();
    releaseSpares();
  });
}

/**
 * Processes started ahead of the files (`prestartWorkers`), warming up while the main process gathers
 * and checks its inputs. Unreferenced until taken, so an unused one never keeps the main process alive.
 */
const spares: { child: ChildProcess; exited: boolean }[] = [];

/** The worker argument that keeps the compiler's JavaScript at V8's baseline tier. */
export const BASELINE_JIT = "--baseline-jit";

/**
 * Whether the workers' JavaScript stays at V8's baseline tier (worker.ts): when they take every core,
 * V8's background optimising compiler has no core of its own, and it cost more CPU than it saved
 * (bench/README.md). With a core to spare it makes a long run faster.
 */
function baselineJit(jobs: number): boolean {
  return jobs >= availableParallelism();
}

function spawnWorker(baseline: boolean): ChildProcess {
  return fork(new URL("./worker.js", import.meta.url), baseline ? [BASELINE_JIT] : [], { execArgv: childExecArgv(), stdio: ["ignore", "ignore", "ignore", "ipc"], serialization: "advanced" });
}

/**
 * Starts the worker processes of a run with `jobs` workers now, for its compileAll to take; without
 * `jobs` (the default depends on the number of files), the one that every run needs, as for all cores.
 */
export function prestartWorkers(jobs: number | undefined): void {
  for (let n = 0; n < (jobs ?? 1); n++) {
    const spare = { child: spawnWorker(jobs === undefined || baselineJit(jobs)), exited: false };
    spare.child.once("exit", () => (spare.exited = true));
    spare.child.unref();
    spare.child.channel?.unref();
    spares.push(spare);
  }
}

function takeSpare(): ChildProcess | undefined {
  for (let spare = spares.shift(); spare; spare = spares.shift()) {
    if (spare.exited) continue;
    spare.child.ref();
    spare.child.channel?.ref();
    return spare.child;
  }
  return undefined;
}

/** Stops the started processes that no compileAll took (fewer files than processes, or a usage error). */
export function releaseSpares(): void {
  for (const spare of spares.splice(0)) spare.child.kill("SIGKILL");
}

/**
 * The parent's Node flags, less those that run a script of their own: a library caller started as
 * `node -e ...` or `node -p ...` would otherwise have every worker run that script instead of worker.js.
 */
function childExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-e" || a === "--eval" || a === "-p" || a === "--print") i++;
    else if (!/^(--eval|--print|--input-type)=/.test(a) && a !== "-pe" && a !== "-i" && a !== "--interactive") out.push(a);
  }
  return out;
}

function crashMessage(timedOut: boolean, crash: FromChild & { type: "crash" }, code: number | null, signal: NodeJS.Signals | null): string {
  if (timedOut) return `compiling this file took longer than ${FILE_TIMEOUT_MS / 1000} s; it was stopped`;
  if (crash.reason === "memory" || signal === "SIGABRT" || signal === "SIGTRAP") {
    return `the compiler ran out of memory on this file (the limit is ${FILE_HEAP_MB} MB per file)`;
  }
  return `the compiler stopped on this file (${crash.message || (signal ? `signal ${signal}` : `exit ${code}`)})`;
}

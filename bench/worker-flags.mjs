// The per-file figures twice: in this process, with V8's defaults (what a host of the library API gets),
// and in a child with the V8 flags of the CLI's worker processes (src/cli/v8-flags.ts), which compile
// every file of a `convert` run. The child runs the same script with BENCH_AS_WORKER=1.
import { spawnSync } from "node:child_process";
import { WORKER_V8_FLAGS } from "../dist/cli/v8-flags.js";

/** Whether this process is the child that measures under the workers' flags. */
export const asWorker = process.env.BENCH_AS_WORKER === "1";

/** How the figures of this process were taken, for their heading. */
export const flagsNote = asWorker ? `with the CLI workers' V8 flags (${WORKER_V8_FLAGS.join(" ")})` : "with V8's defaults (a library host)";

/** Runs `script` again under the workers' flags (unless this is that run), its output inline. */
export function rerunWithWorkerFlags(script, env = {}) {
  if (asWorker) return;
  const r = spawnSync(process.execPath, [...WORKER_V8_FLAGS, script], { stdio: "inherit", env: { ...process.env, ...env, BENCH_AS_WORKER: "1" } });
  if (r.status !== 0) process.exitCode = r.status ?? 1;
}

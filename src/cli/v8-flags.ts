// The V8 flags of the CLI's worker processes (worker.ts sets them before its thread starts; they are
// process-wide). In one place, so that the benchmarks can measure the per-file cost under them too.

/**
 * - `--liftoff-only`: ruff's formatter is a 10 MB WebAssembly module. By default V8 re-optimises its hot
 *   functions with TurboFan in background threads, which costs a worker process about 0.8 s of CPU at
 *   start-up and slows the first formats several-fold while it runs; baseline (Liftoff) code alone
 *   formats a file in about a millisecond.
 * - `--no-allocation-site-pretenuring`: V8 learns from objects that are all alive while their file
 *   compiles to allocate them straight in the old generation; they then die there, and each scavenge
 *   pays for their pointers into the young one. Without it the compiler spends less than half the time
 *   in GC (bench/README.md).
 */
export const WORKER_V8_FLAGS: readonly string[] = ["--liftoff-only", "--no-allocation-site-pretenuring"];

/**
 * With two or more workers on as many cores: no optimising tier above Sparkplug. Optimising the
 * compiler's JavaScript cost a worker of 150 files about 0.6 s more CPU in background compiler threads
 * than it saved, and those threads compete with the other workers (bench/README.md).
 */
export const BASELINE_V8_FLAG = "--max-opt=1";

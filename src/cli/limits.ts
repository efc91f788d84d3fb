// The resource limits of a CLI run (docs/diagnostics.md, `resource-limit`). Every file is compiled in a
// worker thread of a child process with these limits, whatever `--jobs` is, so a file gets the same
// result on every thread; a file that exceeds one fails alone with a `resource-limit` error.

/** Reads a positive number from the environment (for tests and unusual machines), else the default. */
function fromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Wall-clock time one file may take to compile; `KERAS2TORCH_FILE_TIMEOUT_MS` overrides it. */
export const FILE_TIMEOUT_MS = fromEnv("KERAS2TORCH_FILE_TIMEOUT_MS", 20_000);
/** V8 old-generation heap of the thread compiling a file; `KERAS2TORCH_FILE_MEMORY_MB` overrides it. */
export const FILE_HEAP_MB = fromEnv("KERAS2TORCH_FILE_MEMORY_MB", 512);
/** V8 young-generation heap of that thread. */
export const FILE_YOUNG_HEAP_MB = 32;
/** Stack of that thread (a real thread stack of this size, so the depth is the same on every machine). */
export const FILE_STACK_MB = 16;
/** Input files above this size are refused without being compiled. */
export const MAX_INPUT_BYTES = 5 * 1024 * 1024;
/** Diagnostics listed per file; the rest are summed up in one final `resource-limit` diagnostic. */
export const MAX_DIAGNOSTICS_PER_FILE = 100;
/** Longest diagnostic message, in code points; longer ones are cut with `…`. */
export const MAX_MESSAGE_CHARS = 1_000;
/** Widest code-frame line, in code points; longer source lines are shown around the column. */
export const MAX_FRAME_CHARS = 160;
/** Size of one child process beyond its thread's heap (Node, the parser, the formatter), for the bound. */
export const CHILD_OVERHEAD_MB = 200;

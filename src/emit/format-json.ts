// JSON the tool writes (the manifest): two-space indentation, with any array or object that fits in 100
// columns on one line, so shapes and permutations read as `[null, 3, 64, 64]`. json-stringify-pretty-compact
// lays out a 300-file manifest in about 10 ms; prettier took 200-500 ms, all of it after the last file.
import stringify from "json-stringify-pretty-compact";

export function formatJson(value: unknown): string {
  return stringify(value, { maxLength: 100, indent: 2 }) + "\n";
}

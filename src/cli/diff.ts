// The short diff `--check` prints for a stale file: the lines that differ between what is in -o and what
// would be written, between their common first and last lines, with a little context, cut to a few lines.
// It is for a CI log, to say what changed; `keras2torch convert` without `--check` rewrites the file.

const CONTEXT = 2;
const MAX_LINES = 12;

export function shortDiff(old: string, next: string, label: string): string {
  const a = old === "" ? [] : old.split("\n");
  const b = next.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - CONTEXT);
  const after = Math.min(a.length, endA + CONTEXT) - endA;
  const lines = [`--- a/${label}`, `+++ b/${label}`, `@@ -${from + 1},${endA - from + after} +${from + 1},${endB - from + after} @@`];
  const body: string[] = [];
  for (let i = from; i < start; i++) body.push(` ${a[i]}`);
  for (let i = start; i < endA; i++) body.push(`-${a[i]}`);
  for (let i = start; i < endB; i++) body.push(`+${b[i]}`);
  for (let i = endA; i < Math.min(a.length, endA + CONTEXT); i++) body.push(` ${a[i]}`);
  const cut = body.length - MAX_LINES;
  return [...lines, ...body.slice(0, MAX_LINES), ...(cut > 0 ? [`… ${cut} more line${cut === 1 ? "" : "s"}`] : [])].join("\n");
}

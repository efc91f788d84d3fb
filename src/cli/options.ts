// Option values shared by `convert` and `weights`.
import { UsageError } from "./convert.js";

/** `28,28,1`, `(None, 64)`-style without the batch axis: `None` (or `?`) is a size known at run time. */
export function parseInputShape(text: string): (number | null)[] {
  const body = text.trim().replace(/^[([]|[)\]]$/g, "");
  const dims = body.split(",").map((d) => d.trim()).filter((d) => d !== "");
  const shape = dims.map((d) => (d === "None" || d === "?" ? null : /^\d+$/.test(d) && Number(d) > 0 ? Number(d) : undefined));
  if (!shape.length || shape.some((d) => d === undefined)) {
    throw new UsageError(`--input-shape \`${text}\` must be sizes separated by commas, without the batch axis (e.g. 28,28,1; None for a size known at run time)`);
  }
  return [null, ...(shape as (number | null)[])];
}


/** `--set NAME=VALUE`s: NAME a Python identifier, VALUE a Python literal (checked when the file is compiled). */
export function parseSets(items: string[]): Record<string, string> {
  const sets: Record<string, string> = {};
  for (const item of items) {
    const match = /^\s*([A-Za-z_]\w*)\s*=(.*)$/s.exec(item);
    if (!match || !match[2]!.trim()) throw new UsageError(`--set \`${item}\` must be NAME=VALUE, VALUE a Python literal (e.g. --set num_classes=10, --set 'input_shape=(28, 28, 1)')`);
    sets[match[1]!] = match[2]!.trim();
  }
  return sets;
}

// The generated helpers: functions and classes (templates/helpers/<name>.py) that a generated module
// defines itself when its code calls them. The catalog is that directory. A rule declares the helper it
// needs by calling it by name in its lowering (`call("masked_recurrence", ...)`); what a helper calls in
// turn (torch, F, other helpers) is read from its source, so no list is kept by hand.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Helper {
  name: string;
  /** The Python source, as the module prints it. */
  source: string;
  /** The dotted torch / F names and the other helpers it calls. */
  calls: string[];
}

const helpersDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "templates", "helpers");

let catalog: ReadonlyMap<string, Helper> | null = null;

/** Every helper by name, in file-name order (so that the modules print them in a stable order). */
export function helperCatalog(): ReadonlyMap<string, Helper> {
  if (catalog) return catalog;
  const files = readdirSync(helpersDir).filter((f) => f.endsWith(".py")).sort();
  const sources = new Map(files.map((f) => [f.slice(0, -3), readFileSync(join(helpersDir, f), "utf8").trimEnd()]));
  const names = [...sources.keys()];
  catalog = new Map(
    names.map((name) => {
      const source = sources.get(name)!;
      const dotted = [...source.matchAll(/\b(?:torch|F)\.[A-Za-z_]\w*/g)].map((m) => m[0]);
      const others = names.filter((other) => other !== name && new RegExp(`\\b${other}\\(`).test(source));
      return [name, { name, source, calls: [...new Set([...dotted, ...others])] }];
    }),
  );
  return catalog;
}

/** The helpers' names: generated variables must not shadow them. */
export const helperNames = (): string[] => [...helperCatalog().keys()];

import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { linesToBreak } from "../dist/emit/format.js";
const tally = new Map();
for (const d of readdirSync("/tmp/bo", { withFileTypes: true })) {
  if (!d.isDirectory() || d.name.startsWith(".")) continue;
  for (const f of readdirSync(join("/tmp/bo", d.name)).filter((f) => f.endsWith("_weights.py"))) {
    const text = readFileSync(join("/tmp/bo", d.name, f), "utf8");
    const r = linesToBreak(text);
    const k = r === null ? "null" : r.length ? "long" : "none";
    tally.set(k, (tally.get(k) ?? 0) + 1);
    if (k === "null" && !tally.has("ex")) { tally.set("ex", f); 
      // find first failing line
      const lines = text.split("\n"); for (let i = 1; i <= lines.length; i++) if (linesToBreak(lines.slice(0, i).join("\n") + "\n") === null) { console.log("first refused line", i, JSON.stringify(lines[i-1]).slice(0, 150)); break; }
    }
  }
}
console.log(tally);

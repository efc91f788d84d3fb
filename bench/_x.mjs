import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { compile } from "../dist/index.js";
import { alreadyFormatted } from "../dist/emit/format.js";
const dir = "/tmp/bc";
const files = [];
for (const d of readdirSync(dir)) for (const f of readdirSync(join(dir, d))) files.push(join(d, f));
let n = 0, refused = 0; const why = new Map();
for (const p of files) {
  const r = compile(readFileSync(join(dir, p), "utf8"), { path: p });
  const m = r.files[0]?.text; if (!m) continue; n++;
  // re-render is not possible here; check the final text, long lines are what ruff breaks
  const long = m.split("\n").some((l) => l.length > 120);
  const multi = /\(\n/.test(m);
  if (multi) { refused++; const k = p.split("/")[0]; why.set(k, (why.get(k) ?? 0) + 1); }
}
console.log(n, "modules;", refused, "have wrapped lines (ruff ran)", why);
